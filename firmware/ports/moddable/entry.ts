/**
 * Entry of firmware/dist/pillcap-moddable.js: installs globalThis.pillcapMain, which main.js calls with the
 * Moddable host modules. Build constants are replaced by the bundler (firmware/build/build-firmware.ts).
 * The console (factory and modem commands) is the factory mod's (factory-mod.ts), installed on the line.
 */
import { createFirmware } from '../../src/app.ts';
import { createConnectivity } from '../../src/uplink/connectivity.ts';
import { createModdablePorts } from './ports-moddable.ts';
import { factoryModConsole } from './factory-mod.ts';
import type { ModdableHost } from './ports-moddable.ts';

declare const __PILLCAP_VERSION__: string;
declare const __PILLCAP_IMAGE_HASH__: string;
declare const __PILLCAP_BUILD_UNIX_S__: number;

const UNPROVISIONED = 'UNPROVISIONED';

(globalThis as unknown as { pillcapMain: (host: ModdableHost) => void }).pillcapMain = (host) => {
  const ports = createModdablePorts(host, { version: __PILLCAP_VERSION__, imageHash: __PILLCAP_IMAGE_HASH__, buildUnixS: __PILLCAP_BUILD_UNIX_S__ });
  const firmware = createFirmware(ports, {
    serial: UNPROVISIONED,
    connectivity: createConnectivity,
    console: factoryModConsole(host.loadFactoryMod),
    unprovisionedIsFactory: true,
  });
  firmware.start();
};
