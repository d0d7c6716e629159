/**
 * Entry of firmware/dist/pillcap-factory-mod.js, the factory mod: the modem console (`battery?`, `modem ...`,
 * console/modem-console.ts) that only the manufacturing station uses. It is not part of the shipping device
 * bundle (issue 3, code size); the line installs it next to the image with `mcrun` (see manifest-factory.json),
 * and main.js imports it before calling pillcapMain when it is installed.
 *
 * Loading it only publishes the installer on globalThis; the device bundle calls it in factory mode (an
 * unprovisioned boot, app.ts FirmwareOptions.factoryCommands). The mod is built against one device image
 * (the same image hash and the same shortened property names, build-firmware.ts), so the image refuses a mod
 * built for another one.
 */
import { installModemConsole } from '../../src/console/modem-console.ts';
import type { FactoryMod } from './factory-mod.ts';

declare const __PILLCAP_IMAGE_HASH__: string;

const mod: FactoryMod = { imageHash: __PILLCAP_IMAGE_HASH__, install: installModemConsole };
(globalThis as unknown as { pillcapFactoryMod: FactoryMod }).pillcapFactoryMod = mod;
