/**
 * The hook between the device bundle and the factory mod (factory-mod-entry.ts): the mod publishes a
 * FactoryMod as globalThis.pillcapFactoryMod when it is loaded; the device bundle installs it in factory
 * mode if it was built for this image.
 */
import type { FirmwareContext } from '../../src/context.ts';
import type { FactoryConsole } from '../../src/console/factory-console.ts';

export interface FactoryMod {
  /** Image hash of the device bundle the mod was built against (its shortened property names match only that). */
  imageHash: string;
  install(ctx: FirmwareContext, console: FactoryConsole): void;
}

/** FirmwareOptions.factoryCommands of the device bundle: the factory mod's commands, when a matching mod is loaded. */
export function installFactoryMod(ctx: FirmwareContext, console: FactoryConsole): void {
  const mod = (globalThis as unknown as { pillcapFactoryMod?: FactoryMod }).pillcapFactoryMod;
  if (mod === undefined) return;
  if (mod.imageHash !== ctx.ports.build.imageHash) {
    ctx.ports.log(`factory mod for image ${mod.imageHash} ignored: this image is ${ctx.ports.build.imageHash}`);
    return;
  }
  mod.install(ctx, console);
}
