/**
 * The image's side of the factory mod (factory-mod-entry.ts), which holds the whole console: the factory
 * console (console/factory-console.ts) and, in factory mode, the modem console (console/modem-console.ts).
 * Neither is in the device bundle (issue 3, code size). The mod publishes a FactoryMod as
 * globalThis.pillcapFactoryMod when it is loaded.
 *
 * When the image asks for it (`load`, main.js: Modules.importNow if the mod is installed):
 *   factory mode (unprovisioned boot)  at boot, so the station's first line finds the console ready;
 *   any other boot                     on the first console line: a cap in a patient's home never hears one, so
 *                                      it never loads the mod into RAM, while support can still talk to a
 *                                      returned unit (the line leaves the mod installed).
 * Without a mod for this image (none installed, or built for another image: its shortened property names
 * would not match), every console line is answered {"ok":false,"error":"no_console","imageHash":...}, which
 * tells support which mod to install (`mcrun`, see main.js).
 */
import type { FirmwareContext } from '../../src/context.ts';

export interface ConsoleLineHandler {
  handleLine(line: string): void;
}

export interface FactoryMod {
  /** Image hash of the device bundle the mod was built against (its shortened property names match only that). */
  imageHash: string;
  /** Creates the console on `ctx` (not attached to the console line: the loader below passes lines to it). */
  install(ctx: FirmwareContext, factoryMode: boolean): ConsoleLineHandler;
}

/** FirmwareOptions.console of the device bundle: the console from the factory mod, loaded by `load`. */
export function factoryModConsole(load: (() => void) | undefined): (ctx: FirmwareContext, factoryMode: boolean) => void {
  return (ctx, factoryMode) => {
    const { console: line, build } = ctx.ports;
    let handler: ConsoleLineHandler | undefined;
    let tried = false;
    const install = (): void => {
      tried = true;
      try {
        if (load) load();
        const mod = (globalThis as unknown as { pillcapFactoryMod?: FactoryMod }).pillcapFactoryMod;
        if (mod === undefined) return;
        if (mod.imageHash !== build.imageHash) ctx.ports.log(`factory mod for image ${mod.imageHash} ignored: this image is ${build.imageHash}`);
        else handler = mod.install(ctx, factoryMode);
      } catch (e) {
        // a broken mod must not take the cap down with it: the console is simply missing
        ctx.ports.log(`factory mod failed to load: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    if (factoryMode) install();
    line.onLine((text) => {
      if (text.trim() === '') return; // noise on the pads does not load the mod
      if (!tried) install();
      if (handler) handler.handleLine(text);
      else line.writeLine(JSON.stringify({ ok: false, error: 'no_console', imageHash: build.imageHash }));
    });
  };
}
