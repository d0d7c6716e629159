import { createFirmware } from '../src/app.ts';
import { startFactoryConsole } from '../src/console/factory-console.ts';
import type { Firmware, FirmwareOptions } from '../src/app.ts';
import type { AppMessage } from '../src/app-messages.ts';
import { FakeHardware } from '../src/testing/fake-ports.ts';
import { HardwareResetReason } from '../src/ports/ports.ts';
import type { StoredEvent } from '../src/log/event-log.ts';

export interface Booted {
  hw: FakeHardware;
  fw: Firmware;
  messages: AppMessage[];
  events(): StoredEvent[];
}

/** Boot firmware on fake hardware (reuse `hw` to simulate a reboot). */
export function bootFirmware(
  options: Partial<FirmwareOptions> & { hw?: FakeHardware; reason?: HardwareResetReason; rtcSet?: boolean } = {},
): Booted {
  const hw = options.hw || new FakeHardware({ rtcSet: options.rtcSet });
  const boot = hw.boot(options.reason === undefined ? HardwareResetReason.PowerOn : options.reason);
  const fw = createFirmware(boot.ports, { serial: options.serial || 'PC-TEST-0001', config: options.config, connectivity: options.connectivity, console: options.console ?? startFactoryConsole, unprovisionedIsFactory: options.unprovisionedIsFactory });
  const messages: AppMessage[] = [];
  fw.context.bus.subscribe((m) => messages.push(m));
  fw.start();
  return { hw, fw, messages, events: () => fw.context.log.pending(100000) };
}

export function kinds(events: StoredEvent[]): number[] {
  return events.map((e) => e.kind);
}
