/**
 * Device-side codec for protocol v1 messages (ECMAScript only: bundled into the firmware, also used by the
 * simulator). Encodes every message kind to deterministic CBOR and decodes both directions, validating
 * types and ranges (limits.ts) so the firmware never acts on a malformed downlink.
 *
 *   encodeUplink(msg)        UplinkMessage   -> bytes   (the firmware's upload path)
 *   decodeUplinkDevice(b)    bytes -> UplinkMessage     (simulator tests; the cloud uses cloud-codec.ts)
 *   encodeDownlink(msg)      DownlinkMessage -> bytes   (the cloud sends exactly these bytes)
 *   decodeDownlink(b)        bytes -> DownlinkMessage   (the firmware's receive path)
 *
 * Errors: ProtocolError with code malformed_cbor | unknown_version | unknown_kind | invalid_field and the
 * field path. Unknown map keys are ignored; optional fields are omitted when undefined.
 */
import { CborError, decodeCbor, encodeCbor } from './cbor.ts';
import {
  AckKey,
  CommandKey,
  CommandResultKey,
  ConfigKey,
  CONTEXT_MARKER,
  EVENT_ARITY,
  EventBatchKey,
  FactoryReportKey,
  HeartbeatKey,
  HelloKey,
  MessageKind,
  PROTOCOL_VERSION,
  SERIAL_PATTERN,
  type DeviceConfig,
  type DeviceEvent,
  type DownlinkMessage,
  type EventKind,
  type FactoryStep,
  type HeartbeatMetric,
  type Message,
  type TimeAnchor,
  type UplinkMessage,
} from './messages.ts';
import { ProtocolError } from './protocol-error.ts';
import {
  COMMAND_CODE,
  COMMAND_STATUS,
  CONFIG_RANGES as C,
  DETAIL_MAX,
  DT,
  EVENT_ARG_RANGES,
  HEARTBEAT_METRIC_RULES,
  ICCID_PATTERN,
  IMAGE_HASH_BYTES,
  IMEI_PATTERN,
  MAX_MESSAGE_BYTES,
  MAX_STEPS,
  OPERATOR_PATTERN,
  SEQ,
  STEP_NAME_MAX,
  TIME_SOURCE,
  U16,
  U32,
  VERSION_TEXT_MAX,
  type Range,
} from './limits.ts';

type Wire = Map<number, unknown>;

/**
 * How a field is checked on decode and shaped on encode: a Range is an integer in that range; names are
 * the structured or text rules below. Message specs are tables, so one small loop encodes and decodes all
 * eight kinds (this file ships in the firmware bundle). A trailing '?' marks an optional field.
 */
type Rule = Range | 'text' | 'detail' | 'operator' | 'imei' | 'iccid' | 'hash' | 'bool' | 'anchor' | 'anchors' | 'events' | 'steps' | 'minutes' | 'codeCounts';

/**
 * A message kind's fields: wire keys, rules, and the fields that may be absent. Field names appear only as
 * unquoted keys (never as strings), so a bundle that shortens them (the firmware build) shortens all three
 * tables and every message object alike.
 */
type Spec = [keys: Record<string, number>, rules: Record<string, Rule>, optional?: Record<string, 1>];

const SPECS: Record<number, Spec> = {
  [MessageKind.EventBatch]: [EventBatchKey, { logTailSeq: U32, droppedTotal: U32, anchors: 'anchors', events: 'events', pendingAfter: U32 }, { pendingAfter: 1 }],
  [MessageKind.Heartbeat]: [HeartbeatKey, { anchor: 'anchor' }],
  [MessageKind.Hello]: [
    HelloKey,
    {
      anchor: 'anchor',
      appFirmware: 'text',
      imageHash: 'hash',
      modemFirmware: 'text',
      imei: 'imei',
      iccid: 'iccid',
      hwRevision: 'text',
      bootCount: U16,
      resetReason: U16,
      configVersion: U32,
    },
    { modemFirmware: 1, imei: 1, iccid: 1, hwRevision: 1 },
  ],
  [MessageKind.CommandResult]: [CommandResultKey, { commandId: U32, status: COMMAND_STATUS, anchor: 'anchor', detail: 'detail' }, { detail: 1 }],
  [MessageKind.FactoryReport]: [FactoryReportKey, { passed: 'bool', steps: 'steps', anchor: 'anchor', appFirmware: 'text', imageHash: 'hash', stationId: 'text' }],
  [MessageKind.Ack]: [AckKey, { ackSeq: U32, serverUnixS: U32, configVersion: U32 }, { serverUnixS: 1, configVersion: 1 }],
  [MessageKind.Config]: [
    ConfigKey,
    {
      configVersion: C.configVersion,
      reminderMinutes: 'minutes',
      utcOffsetMin: C.utcOffsetMin,
      nextOffsetChangeUnixS: C.nextOffsetChangeUnixS,
      nextOffsetMin: C.utcOffsetMin,
      reminderGraceMin: C.reminderGraceMin,
      reminderWindowMin: C.reminderWindowMin,
      quietStartMin: C.quietMin,
      quietEndMin: C.quietMin,
      heartbeatIntervalS: C.heartbeatIntervalS,
      uploadCoalesceS: C.uploadCoalesceS,
      lidDebounceMs: C.lidDebounceMs,
      lidLeftOpenS: C.lidLeftOpenS,
    },
    { nextOffsetChangeUnixS: 1, nextOffsetMin: 1, quietStartMin: 1, quietEndMin: 1 },
  ],
  [MessageKind.Command]: [CommandKey, { commandId: U32, code: COMMAND_CODE }],
};

const optional = (spec: Spec, field: string): boolean => spec[2] !== undefined && spec[2][field] === 1;

const metricNames = Object.keys(HEARTBEAT_METRIC_RULES) as HeartbeatMetric[];

// ------------------------------------------------------------------------------------------------ encode

const anchorWire = (a: TimeAnchor): unknown[] => [a.boot, a.uptimeS, a.unixS, a.source];

/** The flat event array: a CONTEXT marker first and after every boot change or seq gap, dt signed. */
export function flattenEvents(events: readonly DeviceEvent[]): number[] {
  const out: number[] = [];
  let seq = -1;
  let boot = -1;
  let up = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (!(e.seq > seq)) throw new ProtocolError('invalid_field', `events[${i}].seq`, 'not ascending');
    if (e.args.length !== EVENT_ARITY[e.kind]) throw new ProtocolError('invalid_field', `events[${i}].args`, 'wrong arity');
    if (e.seq !== seq + 1 || e.boot !== boot) out.push(CONTEXT_MARKER, e.seq, e.boot, (up = e.uptimeS));
    out.push(e.kind, e.uptimeS - up);
    for (let k = 0; k < e.args.length; k++) out.push(e.args[k]!);
    seq = e.seq;
    boot = e.boot;
    up = e.uptimeS;
  }
  return out;
}

function wire(rule: Rule, v: unknown): unknown {
  if (rule === 'anchor') return anchorWire(v as TimeAnchor);
  if (rule === 'anchors') return (v as TimeAnchor[]).map(anchorWire);
  if (rule === 'events') return flattenEvents(v as DeviceEvent[]);
  if (rule === 'steps') return (v as FactoryStep[]).map((s) => [s.name, s.ok, s.value, s.message]);
  if (rule === 'codeCounts') {
    const m = new Map<number, unknown>();
    for (const code of Object.keys(v as object)) m.set(Number(code), (v as Record<string, number>)[code]);
    return m;
  }
  return v;
}

function putFields(spec: Spec, fields: Record<string, unknown>, m: Wire): Wire {
  for (const field in spec[1]) {
    const v = fields[field];
    if (v !== undefined) m.set(spec[0][field]!, wire(spec[1][field]!, v));
  }
  return m;
}

function encode(msg: Message, uplink: boolean): Uint8Array {
  const spec = SPECS[msg.kind];
  if (!spec || msg.kind < 16 !== uplink) throw new ProtocolError('unknown_kind', 'kind', `${msg.kind}`);
  const m: Wire = new Map<number, unknown>([
    [0, PROTOCOL_VERSION],
    [1, msg.kind],
    [2, msg.serial],
  ]);
  putFields(spec, msg as unknown as Record<string, unknown>, m);
  if (msg.kind === MessageKind.Heartbeat) {
    const metrics = msg.metrics as Record<string, unknown>;
    for (const name of metricNames) if (metrics[name] !== undefined) m.set(HeartbeatKey[name], wire(HEARTBEAT_METRIC_RULES[name] as Rule, metrics[name]));
  }
  try {
    return encodeCbor(m);
  } catch (error) {
    throw error instanceof CborError ? new ProtocolError('invalid_field', '', error.message) : error;
  }
}

export const encodeUplink = (msg: UplinkMessage): Uint8Array => encode(msg, true);
export const encodeDownlink = (msg: DownlinkMessage): Uint8Array => encode(msg, false);

// ------------------------------------------------------------------------------------------------ decode

const bad = (path: string, detail: string): never => {
  throw new ProtocolError('invalid_field', path, detail);
};

function int(v: unknown, path: string, r: Range): number {
  if (typeof v !== 'number' || Math.floor(v) !== v || v < r[0] || v > r[1]) bad(path, `expected an integer in ${r[0]}..${r[1]}`);
  return v as number;
}

function text(v: unknown, path: string, min: number, max: number, pattern?: RegExp): string {
  if (typeof v !== 'string' || v.length < min || v.length > max || (pattern && !pattern.test(v))) bad(path, `expected text of ${min}..${max} characters${pattern ? ` matching ${pattern.source}` : ''}`);
  return v as string;
}

function array(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v) || v.length > max) bad(path, `expected an array of at most ${max} items`);
  return v as unknown[];
}

function tuple(v: unknown, path: string, names: string): unknown[] {
  const a = array(v, path, 4);
  if (a.length !== 4) bad(path, `expected [${names}]`);
  return a;
}

function anchor(v: unknown, path: string): TimeAnchor {
  const a = tuple(v, path, 'boot, uptimeS, unixS | null, source');
  return {
    boot: int(a[0], `${path}.boot`, U16),
    uptimeS: int(a[1], `${path}.uptimeS`, U32),
    unixS: a[2] === null ? null : int(a[2], `${path}.unixS`, U32),
    source: int(a[3], `${path}.source`, TIME_SOURCE) as TimeAnchor['source'],
  };
}

function step(v: unknown, path: string): FactoryStep {
  const a = tuple(v, path, 'name, ok, value | null, message');
  const value = a[2];
  if (value !== null && (typeof value !== 'number' || !isFinite(value))) bad(`${path}.value`, 'expected a finite number or null');
  return { name: text(a[0], `${path}.name`, 1, STEP_NAME_MAX), ok: check('bool', a[1], `${path}.ok`) as boolean, value: value as number | null, message: text(a[3], `${path}.message`, 0, DETAIL_MAX) };
}

/** Expands the flat event array (see messages.ts EventBatch) into DeviceEvents. */
export function expandEvents(v: unknown): DeviceEvent[] {
  const flat = array(v, 'events', Infinity);
  const events: DeviceEvent[] = [];
  let seq = 0; // seq of the previous event; 0 = none yet
  let next = 0; // seq the next event takes; 0 = no CONTEXT yet
  let boot = 0;
  let up = 0;
  let i = 0;
  while (i < flat.length) {
    const at = `events[${events.length}]`;
    const kind = int(flat[i], `${at}.kind`, U32);
    if (kind === CONTEXT_MARKER) {
      if (i + 4 >= flat.length || flat[i + 4] === CONTEXT_MARKER) bad(at, 'a CONTEXT marker must be followed by an event');
      next = int(flat[i + 1], `${at}.seq`, SEQ);
      if (next <= seq) bad(`${at}.seq`, 'not ascending');
      boot = int(flat[i + 2], `${at}.boot`, U16);
      up = int(flat[i + 3], `${at}.uptimeS`, U32);
      i += 4;
      continue;
    }
    if (next === 0) bad(at, 'the event array must begin with a CONTEXT marker');
    const ranges = EVENT_ARG_RANGES[kind as EventKind];
    if (!ranges) bad(`${at}.kind`, `unknown event kind ${kind}`);
    if (i + 1 + ranges.length >= flat.length) bad(at, 'event cut short');
    up += int(flat[i + 1], `${at}.dt`, DT);
    if (up < 0 || up > U32[1]) bad(`${at}.uptimeS`, 'dt takes the uptime out of range');
    if (next > SEQ[1]) bad(`${at}.seq`, 'seq beyond 2^32-1');
    const args: number[] = [];
    for (let k = 0; k < ranges.length; k++) args.push(int(flat[i + 2 + k], `${at}.args[${k}]`, ranges[k]!));
    events.push({ seq: next, boot, uptimeS: up, kind: kind as EventKind, args });
    seq = next++;
    i += 2 + ranges.length;
  }
  return events;
}

function minutes(v: unknown, path: string): number[] {
  return array(v, path, C.maxReminders).map((x, i) => int(x, `${path}[${i}]`, C.reminderMinute));
}

/**
 * The rules downlink specs use (Ack, Config, Command): ranges and reminder minutes. decodeDownlink checks
 * through this one only, so a bundle that decodes downlinks but never uplinks (the firmware) leaves the
 * uplink-only checks below (events, anchors, steps, texts, ...) out of its code.
 */
function checkDownlink(rule: Rule, v: unknown, path: string): unknown {
  return rule === 'minutes' ? minutes(v, path) : int(v, path, rule as Range);
}

function check(rule: Rule, v: unknown, path: string): unknown {
  switch (rule) {
    case 'text':
      return text(v, path, 1, VERSION_TEXT_MAX);
    case 'detail':
      return text(v, path, 0, DETAIL_MAX);
    case 'operator':
      return text(v, path, 5, 6, OPERATOR_PATTERN);
    case 'imei':
      return text(v, path, 15, 15, IMEI_PATTERN);
    case 'iccid':
      return text(v, path, 18, 22, ICCID_PATTERN);
    case 'hash':
      if (!(v instanceof Uint8Array) || v.length < IMAGE_HASH_BYTES[0] || v.length > IMAGE_HASH_BYTES[1]) bad(path, 'expected 8..32 bytes');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') bad(path, 'expected a boolean');
      return v;
    case 'anchor':
      return anchor(v, path);
    case 'anchors': {
      const a = array(v, path, 64);
      if (a.length === 0) bad(path, 'at least one anchor is required');
      return a.map((x, i) => anchor(x, `${path}[${i}]`));
    }
    case 'events':
      return expandEvents(v);
    case 'steps':
      return array(v, path, MAX_STEPS).map((x, i) => step(x, `${path}[${i}]`));
    case 'minutes':
      return minutes(v, path);
    case 'codeCounts': {
      if (!(v instanceof Map)) return bad(path, 'expected a map of error code to count');
      const out: Record<number, number> = {};
      for (const [code, count] of v) out[int(code, path, U16)] = int(count, `${path}.${String(code)}`, U32);
      return out;
    }
  }
  return int(v, path, rule);
}

function readFields(spec: Spec, m: Wire, checkRule: typeof check, out: Record<string, unknown>): Record<string, unknown> {
  for (const field in spec[1]) {
    const key = spec[0][field]!;
    const v = m.get(key);
    if (v === undefined && !optional(spec, field)) bad(field, `missing (key ${key})`);
    if (v !== undefined) out[field] = checkRule(spec[1][field]!, v, field);
  }
  return out;
}

const ANY_UINT: Range = [0, Number.MAX_SAFE_INTEGER];

function decode(bytes: Uint8Array, uplink: boolean, checkRule: typeof check): Message {
  if (bytes instanceof Uint8Array && bytes.length > MAX_MESSAGE_BYTES) bad('', `message of ${bytes.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  let m: unknown;
  try {
    m = decodeCbor(bytes);
  } catch (error) {
    throw error instanceof CborError ? new ProtocolError('malformed_cbor', '', error.message) : error;
  }
  if (!(m instanceof Map)) return bad('', 'expected a CBOR map');
  const get = (key: number, path: string): unknown => (m.get(key) === undefined ? bad(path, `missing (key ${key})`) : m.get(key));
  const version = int(get(0, 'version'), 'version', ANY_UINT);
  if (version !== PROTOCOL_VERSION) throw new ProtocolError('unknown_version', 'version', `version ${version}; this codec speaks ${PROTOCOL_VERSION}`);
  const kind = int(get(1, 'kind'), 'kind', ANY_UINT);
  const spec = SPECS[kind];
  if (!spec || kind < 16 !== uplink) throw new ProtocolError('unknown_kind', 'kind', `kind ${kind} is not a known ${uplink ? 'uplink' : 'downlink'} message`);
  const out: Record<string, unknown> = { kind, serial: text(get(2, 'serial'), 'serial', 4, 32, SERIAL_PATTERN) };
  readFields(spec, m, checkRule, out);
  if (kind === MessageKind.Heartbeat) {
    const metrics: Record<string, unknown> = (out.metrics = {});
    for (const name of metricNames) {
      const v = m.get(HeartbeatKey[name]);
      if (v !== undefined) metrics[name] = checkRule(HEARTBEAT_METRIC_RULES[name] as Rule, v, `metrics.${name}`);
    }
  }
  return out as unknown as Message;
}

export const decodeUplinkDevice = (bytes: Uint8Array): UplinkMessage => decode(bytes, true, check) as UplinkMessage;
export const decodeDownlink = (bytes: Uint8Array): DownlinkMessage => decode(bytes, false, checkDownlink) as DownlinkMessage;

// ------------------------------------------------------------------------------------------------ config at rest

/**
 * The firmware keeps its config in flash in wire form: the CBOR map of a Config's fields (ConfigKey keys, no
 * header), so what it stores never depends on property names (the firmware build shortens them).
 */
export const encodeConfigFields = (c: DeviceConfig): Uint8Array => encodeCbor(putFields(SPECS[MessageKind.Config]!, c as unknown as Record<string, unknown>, new Map()));

/** The inverse of encodeConfigFields, checked like a Config downlink. Throws CborError or ProtocolError. */
export function decodeConfigFields(bytes: Uint8Array): DeviceConfig {
  const m = decodeCbor(bytes);
  if (!(m instanceof Map)) return bad('', 'expected a CBOR map');
  return readFields(SPECS[MessageKind.Config]!, m, checkDownlink, {}) as unknown as DeviceConfig;
}

/** The first field of `c` a Config downlink could not carry (missing or out of range), else undefined. */
export function configFieldProblem(c: DeviceConfig): string | undefined {
  const spec = SPECS[MessageKind.Config]!;
  const fields = c as unknown as Record<string, unknown>;
  for (const field in spec[1]) {
    if (fields[field] === undefined && optional(spec, field)) continue;
    try {
      checkDownlink(spec[1][field]!, fields[field], field);
    } catch (error) {
      return field;
    }
  }
  return undefined;
}
