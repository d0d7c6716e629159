/**
 * Value ranges of protocol v1, as documented in messages.ts and docs/protocol.md, in one table that both the
 * device codec and the cloud's zod schemas read so they cannot drift. ECMAScript only (bundled on the device).
 * A range is [min, max], inclusive; integers only unless stated.
 */
import type { EventKind, HeartbeatMetric } from './messages.ts';

export type Range = readonly [number, number];

export const U16: Range = [0, 0xffff];
export const U32: Range = [0, 0xffffffff];
export const SEQ: Range = [1, 0xffffffff];
/** Signed seconds or milliseconds that may span the whole Unix epoch. */
export const SAFE_INT: Range = [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
export const TIME_SOURCE: Range = [0, 5];
/** dt between two events of one boot: any difference of two uptimes. */
export const DT: Range = [-0xffffffff, 0xffffffff];

export const IMEI_PATTERN = /^[0-9]{15}$/;
export const ICCID_PATTERN = /^[0-9]{18,22}$/;
export const OPERATOR_PATTERN = /^[0-9]{5,6}$/;
export const VERSION_TEXT_MAX = 64; // appFirmware, modemFirmware, hwRevision, stationId
export const DETAIL_MAX = 120; // CommandResult.detail, FactoryStep.message
export const STEP_NAME_MAX = 32;
export const MAX_STEPS = 64;
export const IMAGE_HASH_BYTES: Range = [8, 32];

/** Arguments of each event kind, in wire order. */
export const EVENT_ARG_RANGES: Readonly<Record<EventKind, readonly Range[]>> = {
  1: [U16], // LidOpened: openDurationS (capped at 65535)
  2: [[1, 3]], // Symptom: SymptomPattern
  3: [[0, 7]], // ReminderDue: slot
  4: [[0, 7]], // DoseMissed: slot
  5: [U16], // Boot: Memfault-style reset reason
  6: [U32], // Overflow: droppedCount
  7: [U32, TIME_SOURCE, SAFE_INT], // TimeSet: unixS, source, correctionS (signed)
  8: [U32], // LidLeftOpen: openForS
  9: [[0, 6000]], // LowBattery: batteryMv
};

export type MetricRule = Range | 'text' | 'operator' | 'imei' | 'iccid' | 'codeCounts';

export const HEARTBEAT_METRIC_RULES: Readonly<Record<HeartbeatMetric, MetricRule>> = {
  intervalS: U32,
  batteryMv: [0, 6000],
  batteryPct: [0, 100],
  temperatureDeciC: [-400, 1250],
  rsrpDbm: [-140, -44],
  rsrqDeciDb: [-200, 30],
  sinrDeciDb: [-200, 300],
  rssiDbm: [-120, 0],
  ceLevel: [0, 3],
  band: [1, 255],
  cellId: [0, 0x10000000],
  tac: U16,
  operator: 'operator',
  earfcn: [0, 262143],
  lteMode: [0, 2],
  psmTauS: U32,
  psmActiveS: U32,
  timeToConnectMs: U32,
  radioOnMs: U32,
  connectionLosses: U32,
  attachFailures: U32,
  publishOk: U32,
  publishRetrans: U32,
  publishFail: U32,
  ackTimeouts: U32,
  bytesTx: U32,
  bytesRx: U32,
  mqttStat: 'codeCounts',
  mqttOpenFailures: U32,
  mqttConnFailures: U32,
  uploadAttempts: U32,
  queueDepth: U32,
  queueOldestAgeS: U32,
  eventsDroppedTotal: U32,
  flashBytesUsed: U32,
  bootCount: U16,
  lastResetReason: U16,
  unexpectedReboots: U32,
  uptimeS: U32,
  timeSource: TIME_SOURCE,
  clockCorrectionMs: SAFE_INT,
  lidOpenCount: U32,
  lidBounceCount: U32,
  buttonPresses: U32,
  heapFreeMinBytes: U32,
  watchdogNearMiss: U32,
  appFirmware: 'text',
  modemFirmware: 'text',
  imei: 'imei',
  iccid: 'iccid',
};

export const CONFIG_RANGES = {
  configVersion: U32,
  reminderMinute: [0, 1439] as Range,
  maxReminders: 8,
  utcOffsetMin: [-840, 840] as Range,
  nextOffsetChangeUnixS: U32,
  reminderGraceMin: [0, 240] as Range,
  reminderWindowMin: [1, 720] as Range,
  quietMin: [0, 1439] as Range,
  heartbeatIntervalS: [3600, 86400] as Range,
  uploadCoalesceS: [0, 86400] as Range,
  lidDebounceMs: [5, 1000] as Range,
  lidLeftOpenS: [10, 86400] as Range,
} as const;

/** Command codes are passed through even when unknown, so the firmware can answer CommandStatus.Unsupported. */
export const COMMAND_CODE: Range = [1, 0xffff];
export const COMMAND_STATUS: Range = [0, 3];

/** Largest message either side accepts; the device splits longer backlogs into several batches. */
export const MAX_MESSAGE_BYTES = 65536;
