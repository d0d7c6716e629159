/**
 * Entry of firmware/dist/pillcap-factory-mod.js, the factory mod: the console of the line and of support
 * (console/factory-console.ts, plus the modem console, console/modem-console.ts, in factory mode). It is not
 * part of the device bundle (issue 3, code size); the line installs it next to the image with `mcrun` (see
 * manifest-factory.json) and leaves it installed, and the image loads it when it needs it (factory-mod.ts).
 *
 * Loading it only publishes the installer on globalThis. The mod is built against one device image (the
 * same image hash and the same shortened property names, build-firmware.ts), so the image refuses a mod built
 * for another one.
 */
import { FactoryConsole } from '../../src/console/factory-console.ts';
import { installModemConsole } from '../../src/console/modem-console.ts';
import type { FactoryMod } from './factory-mod.ts';

declare const __PILLCAP_IMAGE_HASH__: string;

const mod: FactoryMod = {
  imageHash: __PILLCAP_IMAGE_HASH__,
  install(ctx, factoryMode) {
    const console = new FactoryConsole(ctx);
    if (factoryMode) installModemConsole(ctx, console);
    return console;
  },
};
(globalThis as unknown as { pillcapFactoryMod: FactoryMod }).pillcapFactoryMod = mod;
