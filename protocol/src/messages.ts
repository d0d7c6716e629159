/**
 * pillcap wire protocol v1: the message catalogue shared by device and cloud.
 *
 * This file is the contract. It holds only types and constants (ECMAScript only: it is bundled into the
 * firmware). The device encoder/decoder is in `device-codec.ts`, the cloud's zod schemas in `schemas.ts`.
 * Every message is a CBOR map with small integer keys; the common header keys are:
 *
 *   0 => protocol version (uint, currently 1)
 *   1 => message kind (uint, MessageKind)
 *   2 => device serial (tstr, must equal the serial in the MQTT topic)
 *
 * Unknown keys are ignored by receivers (forward compatibility); an unknown version or kind is a typed error.
 * Field meanings, units and ranges are documented here and, in CDDL, in docs/protocol.md.
 */

export const PROTOCOL_VERSION = 1;

export const MessageKind = {
  // uplink: device -> cloud, topic pillcap/v1/{serial}/up
  EventBatch: 1,
  Heartbeat: 2,
  Hello: 3,
  CommandResult: 4,
  FactoryReport: 5,
  // downlink: cloud -> device, topic pillcap/v1/{serial}/down
  Ack: 16,
  Config: 17,
  Command: 18,
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

export const HeaderKey = { version: 0, kind: 1, serial: 2 } as const;

/** Serial numbers: 4 to 32 characters of A-Z, 0-9 and '-'. */
export const SERIAL_PATTERN = /^[A-Z0-9-]{4,32}$/;
export const MAX_SEQ = 0xffffffff;
export const MAX_BOOT = 0xffff;

export const uplinkTopic = (serial: string): string => `pillcap/v1/${serial}/up`;
export const downlinkTopic = (serial: string): string => `pillcap/v1/${serial}/down`;

// ---------------------------------------------------------------------------------------------------------
// Time

/** Where the device's wall clock came from. */
export const TimeSource = {
  None: 0, // wall clock unknown
  Nitz: 1, // AT+QLTS (network time)
  Cclk: 2, // AT+CCLK?
  Ntp: 3, // AT+QNTP
  Cloud: 4, // server time carried in an Ack
  Factory: 5, // set by the manufacturing station
} as const;
export type TimeSource = (typeof TimeSource)[keyof typeof TimeSource];

/**
 * A time anchor ties the device's monotonic (boot, uptime) to wall time.
 * Wire form: [boot, uptimeS, unixS | null, source]. `unixS` null means the device did not know the time.
 */
export interface TimeAnchor {
  boot: number; // boot counter, 0..65535
  uptimeS: number; // seconds since that boot, 0..2^32-1
  unixS: number | null; // wall time, Unix seconds (UTC), or null when unknown
  source: TimeSource;
}

// ---------------------------------------------------------------------------------------------------------
// Events

/**
 * Event kinds. Each event occupies one sequence number. On the wire an event is `kind, dt, ...args`
 * inside the batch's flat event array (see EventBatch). Arity per kind is fixed in protocol v1
 * (EVENT_ARITY); a new kind needs a new protocol version.
 */
export const EventKind = {
  LidOpened: 1, // args: [openDurationS]  time = the moment the lid opened; duration 0..65535 s (capped)
  Symptom: 2, // args: [pattern]          SymptomPattern of the button press
  ReminderDue: 3, // args: [slot]         reminder slot index 0..7 became due (LED glow started)
  DoseMissed: 4, // args: [slot]          the slot's window closed with no lid opening
  Boot: 5, // args: [resetReason]         device started; resetReason is a Memfault-style code (diagnostics.md §4)
  Overflow: 6, // args: [droppedCount]    the log was full and droppedCount events were dropped
  TimeSet: 7, // args: [unixS, source, correctionS] wall clock set or corrected; correctionS = new - old (0 if unset before)
  LidLeftOpen: 8, // args: [openForS]     diagnostic: lid still open after the configured limit (one per opening)
  LowBattery: 9, // args: [batteryMv]     diagnostic: battery fell below the warning threshold
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Number of kind-specific arguments after `kind, dt` for each event kind. */
export const EVENT_ARITY: Readonly<Record<EventKind, number>> = {
  1: 1,
  2: 1,
  3: 1,
  4: 1,
  5: 1,
  6: 1,
  7: 3,
  8: 1,
  9: 1,
};

/** Therapy events count towards monitored days and are the last to be dropped when flash is full. */
export const THERAPY_EVENT_KINDS: readonly EventKind[] = [EventKind.LidOpened, EventKind.Symptom, EventKind.DoseMissed, EventKind.ReminderDue];

export const SymptomPattern = {
  Short: 1, // one short press: "I feel fine / took it"
  Double: 2, // two short presses: "I feel unwell"
  Long: 3, // press held >= long-press threshold: "I need help / severe symptom"
} as const;
export type SymptomPattern = (typeof SymptomPattern)[keyof typeof SymptomPattern];

/** One event as the firmware records it and the cloud decodes it. */
export interface DeviceEvent {
  seq: number; // per-device sequence number, 1..2^32-1, only grows, persisted across reboots
  boot: number; // boot counter under which it was recorded
  uptimeS: number; // seconds since that boot
  kind: EventKind;
  args: number[]; // EVENT_ARITY[kind] unsigned integers (see EventKind comments)
}

/**
 * Event batch (kind 1), uplink. Keys:
 *   3 => logTailSeq (uint): the lowest seq the device still holds; everything below is acked or gone
 *   4 => droppedTotal (uint): events dropped by the device since manufacture (cumulative)
 *   5 => anchors ([+ TimeAnchor]): first = the device's clock at send time; then one per older boot in the
 *        batch for which the device knew the time
 *   6 => events (flat array): items are either a CONTEXT marker or an event
 *          CONTEXT: 0, seq, boot, uptimeS      sets the next event's seq and the absolute time base
 *          EVENT:   kind, dt, ...args          dt = uptimeS - previous uptimeS (signed), seq = previous + 1
 *        The array begins with a CONTEXT marker when non-empty; a new marker is emitted on every boot change
 *        and every seq gap.
 *   7 => pendingAfter (uint, optional): events still queued on the device after this batch
 */
export interface EventBatch {
  kind: typeof MessageKind.EventBatch;
  serial: string;
  logTailSeq: number;
  droppedTotal: number;
  anchors: TimeAnchor[]; // at least one
  events: DeviceEvent[]; // ascending seq; may be empty
  pendingAfter?: number;
}

export const EventBatchKey = { logTailSeq: 3, droppedTotal: 4, anchors: 5, events: 6, pendingAfter: 7 } as const;
export const CONTEXT_MARKER = 0;

// ---------------------------------------------------------------------------------------------------------
// Heartbeat (kind 2): device diagnostics, no patient data. Unset metrics are omitted, never zero.

export const LteMode = { None: 0, LteM: 1, NbIot: 2 } as const;

/** Heartbeat metric keys. Values are integers unless marked. Counters are since the previous heartbeat. */
export const HeartbeatKey = {
  anchor: 5, // TimeAnchor at the moment of sampling (dedup key with the serial: boot + uptimeS)
  intervalS: 6, // seconds covered by the counters
  batteryMv: 10, // gauge, mV 0..6000
  batteryPct: 11, // gauge, % 0..100
  temperatureDeciC: 12, // gauge, 0.1 degC, -400..1250
  rsrpDbm: 20, // gauge, dBm -140..-44
  rsrqDeciDb: 21, // gauge, 0.1 dB -200..30
  sinrDeciDb: 22, // gauge, 0.1 dB -200..300
  rssiDbm: 23, // gauge, dBm -120..0
  ceLevel: 24, // gauge, 0..3
  band: 25, // gauge, LTE band 1..255
  cellId: 26, // gauge, E-UTRAN cell id 0..2^28
  tac: 27, // gauge, tracking area code 0..65535
  operator: 28, // tstr, MCC+MNC e.g. "310410"
  earfcn: 29, // gauge 0..262143
  lteMode: 30, // LteMode
  psmTauS: 31, // granted periodic TAU, s
  psmActiveS: 32, // granted active time, s
  timeToConnectMs: 33, // timer, last radio-on to registered
  radioOnMs: 34, // timer, radio-on time during the interval
  connectionLosses: 35, // counter
  attachFailures: 36, // counter
  publishOk: 40, // counter
  publishRetrans: 41, // counter
  publishFail: 42, // counter
  ackTimeouts: 43, // counter: cloud ack not received after PUBACK
  bytesTx: 44, // counter, payload bytes
  bytesRx: 45, // counter, payload bytes
  mqttStat: 46, // map uint => uint: +QMTSTAT err code => count
  mqttOpenFailures: 47, // counter
  mqttConnFailures: 48, // counter
  uploadAttempts: 49, // counter: sessions started
  queueDepth: 50, // gauge: events in flash not yet acked
  queueOldestAgeS: 51, // gauge: age of the oldest unacked event, s
  eventsDroppedTotal: 52, // cumulative
  flashBytesUsed: 53, // gauge
  bootCount: 60, // gauge
  lastResetReason: 61, // Memfault-style code
  unexpectedReboots: 62, // counter
  uptimeS: 63, // gauge
  timeSource: 70, // TimeSource
  clockCorrectionMs: 71, // last correction applied (signed)
  lidOpenCount: 80, // counter
  lidBounceCount: 81, // counter
  buttonPresses: 82, // counter
  heapFreeMinBytes: 83, // gauge
  watchdogNearMiss: 84, // counter
  appFirmware: 90, // tstr, only on change
  modemFirmware: 91, // tstr, only on change
  imei: 92, // tstr, only on change
  iccid: 93, // tstr, only on change
} as const;
export type HeartbeatMetric = Exclude<keyof typeof HeartbeatKey, 'anchor'>;

export interface Heartbeat {
  kind: typeof MessageKind.Heartbeat;
  serial: string;
  anchor: TimeAnchor;
  metrics: Partial<Record<Exclude<HeartbeatMetric, keyof OtherMetrics>, number>> & OtherMetrics;
}

/** The heartbeat metrics that are not integers. */
interface OtherMetrics {
  operator?: string;
  appFirmware?: string;
  modemFirmware?: string;
  imei?: string;
  iccid?: string;
  mqttStat?: Record<number, number>;
}

// ---------------------------------------------------------------------------------------------------------
// Hello (kind 3): static device info, sent on the first connection after each boot.

export const HelloKey = {
  anchor: 5,
  appFirmware: 10, // tstr, semver + build
  imageHash: 11, // bstr, 8..32 bytes: hash of the firmware image (also reported by the console `ident`)
  modemFirmware: 12, // tstr
  imei: 13, // tstr, 15 digits
  iccid: 14, // tstr, 18..22 digits
  hwRevision: 15, // tstr
  bootCount: 16, // uint
  resetReason: 17, // uint, Memfault-style code
  configVersion: 18, // uint: config version the device runs (0 = factory defaults)
} as const;

export interface Hello {
  kind: typeof MessageKind.Hello;
  serial: string;
  anchor: TimeAnchor;
  appFirmware: string;
  imageHash: Uint8Array;
  modemFirmware?: string;
  imei?: string;
  iccid?: string;
  hwRevision?: string;
  bootCount: number;
  resetReason: number;
  configVersion: number;
}

// ---------------------------------------------------------------------------------------------------------
// Command result (kind 4): answer to a downlink Command.

export const CommandStatus = { Ok: 0, Failed: 1, Unsupported: 2, Rejected: 3 } as const;
export type CommandStatus = (typeof CommandStatus)[keyof typeof CommandStatus];
export const CommandResultKey = { commandId: 3, status: 4, anchor: 5, detail: 6 } as const;

export interface CommandResult {
  kind: typeof MessageKind.CommandResult;
  serial: string;
  commandId: number; // uint, echoes Command.commandId
  status: CommandStatus;
  anchor: TimeAnchor;
  detail?: string; // short human-readable text, at most 120 characters
}

// ---------------------------------------------------------------------------------------------------------
// Factory self-test report (kind 5): end-of-line results, uploaded by the station or the unit.

export const FactoryReportKey = { passed: 3, steps: 4, anchor: 5, appFirmware: 10, imageHash: 11, stationId: 12 } as const;

/** One step: [name, ok, measured value or null, short message]. */
export interface FactoryStep {
  name: string; // e.g. "lid", "rsrp"
  ok: boolean;
  value: number | null;
  message: string;
}

export interface FactoryReport {
  kind: typeof MessageKind.FactoryReport;
  serial: string;
  passed: boolean;
  steps: FactoryStep[];
  anchor: TimeAnchor;
  appFirmware: string;
  imageHash: Uint8Array;
  stationId: string;
}

// ---------------------------------------------------------------------------------------------------------
// Downlinks

/**
 * Ack (kind 16): sent by the cloud only after the events are committed.
 *   3 => ackSeq: the highest seq the cloud holds contiguously from the device's logTailSeq; the device may
 *        free every record with seq <= ackSeq
 *   4 => serverUnixS (optional): cloud time at sending, a last-resort time source
 *   5 => configVersion (optional): the config version the cloud wants the device to run; if it differs
 *        from the device's, a Config follows in the same session
 */
export const AckKey = { ackSeq: 3, serverUnixS: 4, configVersion: 5 } as const;

export interface Ack {
  kind: typeof MessageKind.Ack;
  serial: string;
  ackSeq: number;
  serverUnixS?: number;
  configVersion?: number;
}

/**
 * Config (kind 17). Reminder times are minutes after local midnight in the patient's zone; the device turns
 * them into UTC with utcOffsetMin, switching to nextOffsetMin at nextOffsetChangeUnixS (a DST change).
 */
export const ConfigKey = {
  configVersion: 3,
  reminderMinutes: 4, // [* uint 0..1439], at most 8 slots
  utcOffsetMin: 5, // int -840..840
  nextOffsetChangeUnixS: 6, // uint, optional
  nextOffsetMin: 7, // int, optional
  reminderGraceMin: 8, // minutes after due before the chime, 0..240
  reminderWindowMin: 9, // minutes after due before DoseMissed, 1..720
  quietStartMin: 10, // quiet hours start, minutes after local midnight (no chime), optional
  quietEndMin: 11, // quiet hours end, optional
  heartbeatIntervalS: 12, // 3600..86400
  uploadCoalesceS: 13, // wait after a lid closes before connecting, 0..86400
  lidDebounceMs: 14, // 5..1000
  lidLeftOpenS: 15, // seconds before a LidLeftOpen diagnostic, 10..86400
} as const;

export interface DeviceConfig {
  configVersion: number;
  reminderMinutes: number[];
  utcOffsetMin: number;
  nextOffsetChangeUnixS?: number;
  nextOffsetMin?: number;
  reminderGraceMin: number;
  reminderWindowMin: number;
  quietStartMin?: number;
  quietEndMin?: number;
  heartbeatIntervalS: number;
  uploadCoalesceS: number;
  lidDebounceMs: number;
  lidLeftOpenS: number;
}

export interface Config extends DeviceConfig {
  kind: typeof MessageKind.Config;
  serial: string;
}

export const CommandCode = { Ping: 1, HeartbeatNow: 2, Reboot: 3, UploadNow: 4 } as const;
export type CommandCode = (typeof CommandCode)[keyof typeof CommandCode];
export const CommandKey = { commandId: 3, code: 4 } as const;

export interface Command {
  kind: typeof MessageKind.Command;
  serial: string;
  commandId: number; // uint, unique per device
  code: CommandCode;
}

export type UplinkMessage = EventBatch | Heartbeat | Hello | CommandResult | FactoryReport;
export type DownlinkMessage = Ack | Config | Command;
export type Message = UplinkMessage | DownlinkMessage;
