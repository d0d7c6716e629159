/**
 * Entry of firmware/dist/pillcap-moddable.js: installs globalThis.pillcapMain, which main.js calls with the
 * Moddable host modules. Build constants are replaced by the bundler (firmware/build/build-firmware.ts).
 */
import { createFirmware } from '../../src/app.ts';
import { createConnectivity } from '../../src/uplink/connectivity.ts';
import { installModemConsole } from '../../src/console/modem-console.ts';
import { createModdablePorts } from './ports-moddable.ts';
import type { ModdableHost } from './ports-moddable.ts';

declare const __PILLCAP_VERSION__: string;
declare const __PILLCAP_IMAGE_HASH__: string;
declare const __PILLCAP_BUILD_UNIX_S__: number;

const UNPROVISIONED = 'UNPROVISIONED';

(globalThis as unknown as { pillcapMain: (host: ModdableHost) => void }).pillcapMain = (host) => {
  const ports = createModdablePorts(host, { version: __PILLCAP_VERSION__, imageHash: __PILLCAP_IMAGE_HASH__, buildUnixS: __PILLCAP_BUILD_UNIX_S__ });
  const firmware = createFirmware(ports, { serial: UNPROVISIONED, connectivity: createConnectivity, factoryCommands: installModemConsole });
  firmware.start();
};
