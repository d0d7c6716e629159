/**
 * Entry of firmware/dist/pillcap-moddable.js: installs globalThis.pillcapMain, which main.js calls with the
 * Moddable host modules. Build constants are replaced by the bundler (firmware/build/build-firmware.ts).
 * The factory-mode console commands come from the factory mod (factory-mod.ts), installed on the line only.
 */
import { createFirmware } from '../../src/app.ts';
import { createConnectivity } from '../../src/uplink/connectivity.ts';
import { createModdablePorts } from './ports-moddable.ts';
import { installFactoryMod } from './factory-mod.ts';
import type { ModdableHost } from './ports-moddable.ts';

declare const __PILLCAP_VERSION__: string;
declare const __PILLCAP_IMAGE_HASH__: string;
declare const __PILLCAP_BUILD_UNIX_S__: number;

const UNPROVISIONED = 'UNPROVISIONED';

(globalThis as unknown as { pillcapMain: (host: ModdableHost) => void }).pillcapMain = (host) => {
  const ports = createModdablePorts(host, { version: __PILLCAP_VERSION__, imageHash: __PILLCAP_IMAGE_HASH__, buildUnixS: __PILLCAP_BUILD_UNIX_S__ });
  const factoryCommands: typeof installFactoryMod = (ctx, console) => {
    // only now: a provisioned boot never loads the mod (RAM), even if it is still installed
    if (host.loadFactoryMod) host.loadFactoryMod();
    installFactoryMod(ctx, console);
  };
  const firmware = createFirmware(ports, { serial: UNPROVISIONED, connectivity: createConnectivity, factoryCommands });
  firmware.start();
};
