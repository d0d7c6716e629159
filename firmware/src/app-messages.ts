/**
 * AppMessage: the union of every firmware module's message union, carried on the one `Bus<AppMessage>`.
 * Each module documents its own inputs and outputs at the top of its file; this file only joins them.
 *
 * Core (F1) messages are declared here because several modules share them; connectivity (F2) adds its own
 * union through the import below.
 */
import type { Command, DeviceConfig, EventKind, SymptomPattern, TimeSource } from '../../protocol/src/messages.ts';
// ---- F2 (connectivity) message union: F2 owns firmware/src/uplink/connectivity-messages.ts ----
import type { ConnectivityMessage } from './uplink/connectivity-messages.ts';

/** Lid module outputs. */
export type LidMessage =
  | { type: 'LID_OPENED' } // debounced opening (the event is recorded at close, stamped with this moment)
  | { type: 'LID_CLOSED'; openDurationS: number } // debounced closing; the LidOpened event has been recorded
  | { type: 'LID_LEFT_OPEN'; openForS: number }; // the lid stayed open past config.lidLeftOpenS (once per opening)

/** Button module outputs. */
export type ButtonMessage = { type: 'SYMPTOM_RECORDED'; pattern: SymptomPattern; seq: number };

/** Reminder module outputs. */
export type ReminderMessage =
  | { type: 'REMINDER_DUE'; slot: number }
  | { type: 'REMINDER_CHIME'; slot: number }
  | { type: 'REMINDER_CLEARED'; slot: number } // the lid opened while the slot was due
  | { type: 'DOSE_MISSED'; slot: number };

/** Core outputs: the event log, time keeping and power. */
export type CoreMessage =
  | { type: 'EVENT_RECORDED'; seq: number; kind: EventKind } // any event appended to flash (seq 0 = dropped)
  | { type: 'EVENTS_ACKED'; ackSeq: number } // input from connectivity: the cloud holds everything <= ackSeq
  | { type: 'TIME_SYNCED'; unixS: number; source: TimeSource } // wall clock accepted by TimeKeeper.setWall
  | { type: 'CONFIG_RECEIVED'; config: DeviceConfig } // input from connectivity: a Config downlink
  | { type: 'CONFIG_APPLIED'; config: DeviceConfig } // output: the config now in force (persisted)
  | { type: 'COMMAND_RECEIVED'; command: Command } // input from connectivity: a Command downlink
  | { type: 'SHIP_MODE' } // about to enter shipping mode (System OFF): finish what must be finished now
  | { type: 'REBOOT_PENDING'; reason: number } // about to reset with this Memfault-style reason
  | { type: 'BOOTED'; boot: number; resetReason: number };

export type AppMessage = LidMessage | ButtonMessage | ReminderMessage | CoreMessage | ConnectivityMessage;
