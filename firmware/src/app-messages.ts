/**
 * AppMessage: the union of every firmware module's message union, carried on the one `Bus<AppMessage>`.
 * Each module declares its own union at the top of its file (inputs/outputs documented there); this file
 * only joins them, plus the core messages that several modules share.
 */
import type { Command, DeviceConfig, EventKind, TimeSource } from '../../protocol/src/messages.ts';
import type { LidMessage } from './modules/lid.ts';
import type { ButtonMessage } from './modules/button.ts';
import type { ReminderMessage } from './modules/reminders.ts';
// ---- F2 (connectivity) message union: F2 owns firmware/src/uplink/connectivity-messages.ts ----
import type { ConnectivityMessage } from './uplink/connectivity-messages.ts';

export type { LidMessage, ButtonMessage, ReminderMessage };

/** Core messages: the event log, time keeping, config, commands and power. */
export type CoreMessage =
  | { type: 'EVENT_RECORDED'; seq: number; kind: EventKind } // an event was appended to flash
  | { type: 'EVENTS_ACKED'; ackSeq: number } // input from connectivity: the cloud holds everything <= ackSeq
  | { type: 'TIME_SYNCED'; unixS: number; source: TimeSource } // output of TimeKeeper.setWall (accepted)
  | { type: 'CONFIG_RECEIVED'; config: DeviceConfig } // input from connectivity: a Config downlink
  | { type: 'CONFIG_APPLIED'; config: DeviceConfig } // output: the config now in force (persisted)
  | { type: 'CONFIG_REJECTED'; field: string } // output: a received config failed validation (kept the old one)
  | { type: 'COMMAND_RECEIVED'; command: Command } // input from connectivity: a Command downlink
  | { type: 'SHIP_MODE' } // about to enter shipping mode (System OFF)
  | { type: 'REBOOT_PENDING'; reason: number } // about to reset with this Memfault-style reason
  | { type: 'BOOTED'; boot: number; resetReason: number };

export type AppMessage = LidMessage | ButtonMessage | ReminderMessage | CoreMessage | ConnectivityMessage;
