/**
 * Writes the golden vectors protocol/vectors/*.json ({name, direction, hex, decoded, canonical, note}) and
 * protocol/vectors/invalid/*.json ({name, direction, hex, error: {code, path}, note}).
 * The committed JSON is the contract; this script only saves typing. Run: npx tsx protocol/scripts/generate-vectors.ts
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeCbor, decodeCbor } from '../src/cbor.ts';
import { decodeDownlink, decodeUplinkDevice, encodeDownlink, encodeUplink } from '../src/device-codec.ts';
import { messageToJson } from '../src/json-form.ts';
import { EventKind, MessageKind, SymptomPattern, TimeSource, type DownlinkMessage, type EventBatch, type UplinkMessage } from '../src/messages.ts';
import { ProtocolError } from '../src/protocol-error.ts';
import * as s from '../src/samples.ts';

const dir = fileURLToPath(new URL('../vectors/', import.meta.url));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Vector {
  name: string;
  direction: 'uplink' | 'downlink';
  hex: string;
  decoded: Record<string, unknown>;
  canonical: boolean;
  note: string;
}
const vectors: Vector[] = [];
const invalid: { name: string; direction: 'uplink' | 'downlink'; hex: string; error: { code: string; path: string }; note: string }[] = [];

function up(name: string, msg: UplinkMessage, note: string): void {
  vectors.push({ name, direction: 'uplink', hex: hex(encodeUplink(msg)), decoded: messageToJson(msg), canonical: true, note });
}
function down(name: string, msg: DownlinkMessage, note: string): void {
  vectors.push({ name, direction: 'downlink', hex: hex(encodeDownlink(msg)), decoded: messageToJson(msg), canonical: true, note });
}
/** Bytes the encoder never writes (a future sender's): decoders must still give `msg`. */
function edited(name: string, direction: 'uplink' | 'downlink', msg: UplinkMessage | DownlinkMessage, edit: (m: Map<number, unknown>) => void, note: string): void {
  const m = decodeCbor(direction === 'uplink' ? encodeUplink(msg as UplinkMessage) : encodeDownlink(msg as DownlinkMessage)) as Map<number, unknown>;
  edit(m);
  vectors.push({ name, direction, hex: hex(encodeCbor(m)), decoded: messageToJson(msg), canonical: false, note });
}
function bad(name: string, direction: 'uplink' | 'downlink', base: Uint8Array, edit: ((m: Map<number, unknown>) => void) | null, note: string, raw?: Uint8Array): void {
  let bytes = raw ?? base;
  if (edit) {
    const m = decodeCbor(base) as Map<number, unknown>;
    edit(m);
    bytes = encodeCbor(m);
  }
  try {
    (direction === 'uplink' ? decodeUplinkDevice : decodeDownlink)(bytes);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    invalid.push({ name, direction, hex: hex(bytes), error: { code: error.code, path: error.path }, note });
    return;
  }
  throw new Error(`invalid vector ${name} was accepted`);
}

const serial = s.SAMPLE_SERIAL;
const batch = (over: Partial<EventBatch>): EventBatch => ({ ...s.dailyBatch(), ...over });

up('event-batch-day', s.dailyBatch({ symptoms: 1 }), 'A realistic day in one batch: 8 lid openings (5..40 s open) and one symptom report, one boot, clock set by NITZ.');
up('event-batch-empty', batch({ events: [], logTailSeq: 2_010 }), 'Nothing to send (e.g. a batch that only carries the clock anchor): events is an empty array, no CONTEXT marker.');
up(
  'event-batch-largest-seq',
  batch({
    logTailSeq: 4_294_967_293,
    events: [
      { seq: 4_294_967_293, boot: 65_535, uptimeS: 4_294_967_000, kind: EventKind.LidOpened, args: [65_535] },
      { seq: 4_294_967_294, boot: 65_535, uptimeS: 4_294_967_100, kind: EventKind.Symptom, args: [SymptomPattern.Long] },
      { seq: 4_294_967_295, boot: 65_535, uptimeS: 4_294_967_295, kind: EventKind.LowBattery, args: [3_300] },
    ],
    anchors: [{ boot: 65_535, uptimeS: 4_294_967_295, unixS: 4_294_967_295, source: TimeSource.Ntp }],
  }),
  'Upper edges: seq 2^32-1 (the last one), boot 65535, uptime 2^32-1, unix 2^32-1, lid duration capped at 65535 s.',
);
up(
  'event-batch-clock-unknown',
  batch({
    logTailSeq: 1,
    events: [
      { seq: 1, boot: 0, uptimeS: 2, kind: EventKind.Boot, args: [0x0007] },
      { seq: 2, boot: 0, uptimeS: 640, kind: EventKind.LidOpened, args: [12] },
    ],
    anchors: [{ boot: 0, uptimeS: 700, unixS: null, source: TimeSource.None }],
  }),
  'First boot out of the box, no network time yet: the anchor carries unixS null and source None; the cloud stamps events from the receive time.',
);
up(
  'event-batch-overflow',
  batch({
    logTailSeq: 9_001,
    droppedTotal: 37,
    pendingAfter: 412,
    events: [
      { seq: 9_001, boot: 7, uptimeS: 7_776_000, kind: EventKind.Overflow, args: [37] },
      { seq: 9_002, boot: 7, uptimeS: 7_776_050, kind: EventKind.LidOpened, args: [8] },
    ],
    anchors: [{ boot: 7, uptimeS: 7_776_100, unixS: 1_797_776_100, source: TimeSource.Nitz }],
  }),
  'After months without coverage the log filled: an Overflow event records 37 dropped, droppedTotal is cumulative, 412 events still queued.',
);
up(
  'event-batch-multi-boot',
  batch({
    logTailSeq: 500,
    events: [
      { seq: 500, boot: 11, uptimeS: 86_000, kind: EventKind.LidOpened, args: [30] },
      { seq: 501, boot: 11, uptimeS: 90_000, kind: EventKind.ReminderDue, args: [1] },
      { seq: 504, boot: 11, uptimeS: 93_600, kind: EventKind.DoseMissed, args: [1] },
      { seq: 505, boot: 12, uptimeS: 1, kind: EventKind.Boot, args: [0x8006] },
      { seq: 506, boot: 12, uptimeS: 45, kind: EventKind.TimeSet, args: [1_790_100_000, TimeSource.Nitz, -3] },
      { seq: 507, boot: 12, uptimeS: 400, kind: EventKind.LidLeftOpen, args: [300] },
    ],
    anchors: [
      { boot: 12, uptimeS: 460, unixS: 1_790_100_415, source: TimeSource.Nitz },
      { boot: 11, uptimeS: 93_700, unixS: 1_790_093_650, source: TimeSource.Nitz },
    ],
  }),
  'Two boots with a seq gap (502..503 lost): CONTEXT markers at 500, 504 (gap) and 505 (new boot); a second anchor resolves boot 11; TimeSet carries a negative correction.',
);
up(
  'event-batch-negative-dt',
  batch({
    logTailSeq: 3_000,
    events: [
      { seq: 3_000, boot: 3, uptimeS: 1_300_000, kind: EventKind.ReminderDue, args: [0] },
      { seq: 3_001, boot: 3, uptimeS: 1_299_990, kind: EventKind.LidOpened, args: [40] },
    ],
    anchors: [{ boot: 3, uptimeS: 1_300_100, unixS: 1_790_065_533, source: TimeSource.Nitz }],
  }),
  'The lid opened 10 s before the reminder fired but its event is recorded at closing, after the reminder: dt is -10.',
);
up('heartbeat-daily', s.dailyHeartbeat(), 'The daily heartbeat with the metrics field support reads first.');
up('heartbeat-full', s.fullHeartbeat(), 'Every heartbeat metric of protocol v1, including the +QMTSTAT map and the on-change strings.');
up(
  'heartbeat-minimal',
  { kind: MessageKind.Heartbeat, serial, anchor: { boot: 0, uptimeS: 30, unixS: null, source: TimeSource.None }, metrics: {} },
  'A heartbeat with no metrics sampled: unset metrics are omitted, never zero.',
);
up('hello', s.sampleHello(), 'Static device info after a reboot caused by the software watchdog (0x8006).');
up(
  'hello-minimal',
  { ...s.sampleHello(), modemFirmware: undefined, imei: undefined, iccid: undefined, hwRevision: undefined, configVersion: 0 } as never,
  'Only the required Hello fields: the modem did not answer yet and the device runs factory defaults (configVersion 0).',
);
up('command-result', s.sampleCommandResult(), 'Answer to Command 1042 (HeartbeatNow).');
up(
  'command-result-unsupported',
  { kind: MessageKind.CommandResult, serial, commandId: 7, status: 2, anchor: { boot: 4, uptimeS: 9, unixS: null, source: TimeSource.None } },
  'A command code this firmware does not know: status Unsupported, no detail.',
);
up('factory-report', s.sampleFactoryReport(), 'End-of-line self-test, passed; measured values may be null or fractional.');
down('ack', s.sampleAck(), 'Everything up to seq 2009 is committed; server time; the config version the cloud wants.');
down('ack-minimal', { kind: MessageKind.Ack, serial, ackSeq: 0 }, 'Nothing held yet (ackSeq 0 frees nothing); optional fields omitted.');
down('config', s.sampleConfig(), 'US Central: two reminders (08:00, 20:00), DST change ahead (-300 to -360 min), quiet hours 22:00-07:00.');
down(
  'config-minimal',
  {
    kind: MessageKind.Config,
    serial,
    configVersion: 1,
    reminderMinutes: [],
    utcOffsetMin: 0,
    reminderGraceMin: 0,
    reminderWindowMin: 1,
    heartbeatIntervalS: 3600,
    uploadCoalesceS: 0,
    lidDebounceMs: 5,
    lidLeftOpenS: 10,
  },
  'No reminders, UTC, every optional field omitted, lowest allowed values.',
);
down('command', s.sampleCommand(), 'Ask for a heartbeat now.');
edited('event-batch-unknown-future-field', 'uplink', s.dailyBatch(), (m) => m.set(24, new Map([[1, 'future']])), 'A later minor revision added key 24; v1 receivers ignore unknown keys.');
edited('heartbeat-unknown-metric', 'uplink', s.dailyHeartbeat(), (m) => m.set(99, 12345), 'An unknown metric key 99 is ignored.');
edited('ack-unknown-future-field', 'downlink', s.sampleAck(), (m) => m.set(6, true), 'The device ignores an Ack field it does not know.');

// ----------------------------------------------------------------------------------------- invalid
const good = encodeUplink(s.dailyBatch());
bad('truncated', 'uplink', good, null, 'The last byte is missing.', good.subarray(0, good.length - 1));
bad('not-a-map', 'uplink', good, null, 'A CBOR array where a message map belongs.', encodeCbor([1, 1, serial]));
bad('unknown-version', 'uplink', good, (m) => m.set(0, 2), 'Protocol version 2 is unknown to v1 receivers.');
bad('unknown-kind', 'uplink', good, (m) => m.set(1, 9), 'Kind 9 is not a message kind.');
bad('downlink-kind-on-uplink', 'uplink', good, (m) => m.set(1, MessageKind.Ack), 'An Ack sent on the up topic.');
bad('missing-serial', 'uplink', good, (m) => m.delete(2), 'The serial (key 2) is required.');
bad('lowercase-serial', 'uplink', good, (m) => m.set(2, 'pc1-000123'), 'Serials are A-Z, 0-9 and dash.');
bad('no-anchor', 'uplink', good, (m) => m.set(5, []), 'A batch needs at least one anchor.');
bad('event-before-context', 'uplink', good, (m) => m.set(6, [1, 0, 10]), 'The event array must begin with a CONTEXT marker.');
bad('unknown-event-kind', 'uplink', good, (m) => m.set(6, [0, 5, 1, 100, 42, 0, 1]), 'Event kinds have fixed arity in v1: an unknown kind cannot be skipped.');
bad('negative-uptime', 'uplink', good, (m) => m.set(6, [0, 5, 1, 100, 1, -101, 10]), 'dt takes the uptime below zero.');
bad('seq-beyond-max', 'uplink', good, (m) => m.set(6, [0, 4_294_967_295, 1, 100, 1, 0, 10, 1, 0, 10]), 'The event after seq 2^32-1 would need seq 2^32.');
bad('seq-not-ascending', 'uplink', good, (m) => m.set(6, [0, 6, 1, 100, 1, 0, 10, 0, 6, 1, 100, 1, 0, 10]), 'A CONTEXT marker may not go back in seq.');
bad('symptom-pattern-out-of-range', 'uplink', good, (m) => m.set(6, [0, 5, 1, 100, 2, 0, 9]), 'Symptom patterns are 1..3.');
bad('battery-out-of-range', 'uplink', encodeUplink(s.dailyHeartbeat()), (m) => m.set(10, 9000), 'batteryMv is 0..6000.');
bad('short-image-hash', 'uplink', encodeUplink(s.sampleHello()), (m) => m.set(11, new Uint8Array(4)), 'imageHash is 8..32 bytes.');
bad('detail-too-long', 'uplink', encodeUplink(s.sampleCommandResult()), (m) => m.set(6, 'x'.repeat(121)), 'detail is at most 120 characters.');
bad('config-offset-out-of-range', 'downlink', encodeDownlink(s.sampleConfig()), (m) => m.set(5, 900), 'utcOffsetMin is -840..840.');
bad('ack-negative-seq', 'downlink', encodeDownlink(s.sampleAck()), (m) => m.set(3, -1), 'ackSeq is 0..2^32-1.');

mkdirSync(`${dir}invalid`, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(`${dir}${f}`);
for (const f of readdirSync(`${dir}invalid`)) if (f.endsWith('.json')) rmSync(`${dir}invalid/${f}`);
for (const v of vectors) writeFileSync(`${dir}${v.name}.json`, `${JSON.stringify(v, null, 2)}\n`);
for (const v of invalid) writeFileSync(`${dir}invalid/${v.name}.json`, `${JSON.stringify(v, null, 2)}\n`);
console.log(`${vectors.length} vectors, ${invalid.length} invalid vectors written to ${dir}`);
