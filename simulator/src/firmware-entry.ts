/**
 * The one place the simulator wires the real firmware: used directly by the in-process runtime and bundled
 * (with quickjs-entry.ts) for the QuickJS runtime, so both boot exactly the same code the same way.
 * ECMAScript only (it runs inside QuickJS): no Node APIs.
 */
import type { Ports } from '../../firmware/src/ports/ports.ts';
import type { DeviceConfig } from '../../protocol/src/messages.ts';
import { createFirmware, type Firmware } from '../../firmware/src/app.ts';
import { createConnectivity } from '../../firmware/src/uplink/connectivity.ts';
import { startFactoryConsole } from '../../firmware/src/console/factory-console.ts';

export interface PillcapBootOptions {
  serial: string;
  /** Config overrides applied on top of the firmware's defaults (as if received from the cloud). */
  config?: Partial<DeviceConfig>;
  /** Drive the modem (needs an emulator on the UART); false = the firmware runs without connectivity. */
  connectivity: boolean;
}

export interface PillcapInstance {
  start(): void;
  /** The firmware object (in-process only: tests observe its bus and log). */
  firmware: Firmware;
}

export function bootPillcap(ports: Ports, options: PillcapBootOptions): PillcapInstance {
  const firmware = createFirmware(ports, {
    serial: options.serial,
    config: options.config,
    console: startFactoryConsole,
    connectivity: options.connectivity ? (ctx) => createConnectivity(ctx) : undefined,
  });
  return { start: () => firmware.start(), firmware };
}
