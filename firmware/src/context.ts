/**
 * FirmwareContext: what every module (core and connectivity) receives. Built by createFirmware in app.ts.
 */
import type { DeviceConfig, EventKind } from '../../protocol/src/messages.ts';
import type { Ports } from './ports/ports.ts';
import type { Bus } from './bus.ts';
import type { AppMessage } from './app-messages.ts';
import type { EventLog } from './log/event-log.ts';
import type { TimeKeeper, TimeStamp } from './time/time-keeper.ts';
import type { Watchdog } from './boot/watchdog.ts';
import type { Indicator } from './indicator.ts';

/** Diagnostics counters for the heartbeat. Counters are since the last takeCounters(); gauges are current. */
export interface DiagnosticCounters {
  lidOpenCount: number;
  lidBounceCount: number;
  buttonPresses: number;
  watchdogNearMiss: number;
  unexpectedReboots: number; // unexpected resets since the last takeCounters (kept in retained RAM)
  bootCount: number; // gauge
  lastResetReason: number; // gauge, Memfault-style code
  remindersDue: number;
  dosesMissed: number;
}

export interface FirmwareContext {
  ports: Ports;
  bus: Bus<AppMessage>;
  log: EventLog;
  time: TimeKeeper;
  /** The config in force (defaults, then options.config, then the last one received from the cloud). */
  config: DeviceConfig;
  /** Device serial: provisioned identity in flash, else FirmwareOptions.serial. */
  serial: string;
  /** A serial was provisioned into flash (by the factory console); false until then. */
  provisioned: boolean;
  /** Seeded PRNG in [0, 1): xorshift32 seeded from serial and boot (reproducible in simulation). */
  random: () => number;
  diagnostics: DiagnosticCounters;
  resetReason: number;
  watchdog: Watchdog;
  indicator: Indicator;
  /** Append an event stamped now (or at `at`), publish EVENT_RECORDED, return its seq. */
  record(kind: EventKind, args: number[], at?: TimeStamp): number;
  /** A copy of the counters; counters (not gauges) restart from 0. For the heartbeat. */
  takeCounters(): DiagnosticCounters;
  /** Store `reason` for the next boot, publish REBOOT_PENDING, reset the MCU. */
  reboot(reason: number): void;
  /** Persist retained state, publish nothing, enter System OFF (shipping mode) until the lid opens. */
  enterShipping(): void;
  /** Persist a new serial (factory provisioning). */
  provision(serial: string): void;
}
