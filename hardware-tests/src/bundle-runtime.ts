/**
 * Runs a flashed device bundle (firmware/dist/pillcap-moddable.js) on a simulated board: a fresh V8 context
 * per boot (RAM does not survive a reset), the bundle evaluated in it, then `pillcapMain(host)` called with the
 * Moddable host built on that boot's ports, exactly as firmware/ports/moddable/main.js does: the host's
 * `loadFactoryMod` evaluates the factory mod (firmware/dist/pillcap-factory-mod.js, the console) when the
 * image asks for it (at boot in factory mode, else on the first console line), if one is installed.
 * ECMAScript only inside the context: no Node globals are exposed to the firmware.
 */
import vm from 'node:vm';
import type { Ports } from '../../firmware/src/ports/ports.ts';
import { createModdableHost, type HostFaults } from './sim-moddable-host.ts';

export interface LoadedImage {
  /** Bundle text as it sits in the simulated program flash. */
  text: string;
  script: vm.Script;
  /** The factory mod installed beside the image (mcrun on a cap), if any. */
  factoryMod?: vm.Script;
  /** Boots in which the image loaded the factory mod (it asks only in factory mode). */
  factoryModLoads: number;
}

export function loadImage(text: string, filename = 'pillcap-moddable.js', factoryMod?: { text: string; filename: string }): LoadedImage {
  return {
    text,
    script: new vm.Script(text, { filename }),
    factoryMod: factoryMod ? new vm.Script(factoryMod.text, { filename: factoryMod.filename }) : undefined,
    factoryModLoads: 0,
  };
}

/** Boots `image` on `ports`. Throws what the firmware throws during boot (the caller treats it as a crash). */
export function bootImage(image: LoadedImage, ports: Ports, faults: HostFaults = {}): void {
  const { host, globals } = createModdableHost(ports, faults);
  const context = vm.createContext({ ...globals });
  vm.runInContext('Date.now = function () { return __wallMs(); };', context);
  image.script.runInContext(context);
  const main = (context as { pillcapMain?: (host: unknown) => void }).pillcapMain;
  if (typeof main !== 'function') throw new Error('the flashed image did not install pillcapMain: not a pillcap device bundle');
  const mod = image.factoryMod;
  const loadFactoryMod = mod
    ? () => {
        image.factoryModLoads++;
        mod.runInContext(context);
      }
    : undefined;
  main({ ...host, loadFactoryMod });
}
