/**
 * Cloud-side codec: cbor-x decodes the bytes, the header is checked (version, kind), integer keys are
 * renamed to field names and the zod schemas (schemas.ts) validate the rest. Every failure is a
 * ProtocolError, so the ingestor can quarantine the raw payload with a typed reason.
 *
 * Downlinks are encoded with the device codec's deterministic encoder: byte compatibility is the contract.
 */
import { Decoder } from 'cbor-x';
import type { z } from 'zod';
import {
  AckKey,
  CommandKey,
  CommandResultKey,
  ConfigKey,
  EventBatchKey,
  FactoryReportKey,
  HeartbeatKey,
  HelloKey,
  MessageKind,
  PROTOCOL_VERSION,
  type DownlinkMessage,
  type UplinkMessage,
} from './messages.ts';
import { MAX_MESSAGE_BYTES } from './limits.ts';
import { ProtocolError } from './protocol-error.ts';
import { downlinkSchemas, uplinkSchemas } from './schemas.ts';

export { encodeDownlink as encodeDownlinkCloud } from './device-codec.ts';

// mapsAsObjects: false keeps integer keys (and every map) as Map; records are a cbor-x extension we never send.
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });

const KEYS: Record<number, Record<string, number>> = {
  [MessageKind.EventBatch]: EventBatchKey,
  [MessageKind.Heartbeat]: { anchor: HeartbeatKey.anchor },
  [MessageKind.Hello]: HelloKey,
  [MessageKind.CommandResult]: CommandResultKey,
  [MessageKind.FactoryReport]: FactoryReportKey,
  [MessageKind.Ack]: AckKey,
  [MessageKind.Config]: ConfigKey,
  [MessageKind.Command]: CommandKey,
};

const { anchor: _anchor, ...METRIC_KEYS } = HeartbeatKey;

/** cbor-x gives bigint for every 8-byte integer and Buffer for byte strings; make both plain. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [plain(k), plain(x)]));
  return v;
}

function rename(m: Map<unknown, unknown>, keys: Record<string, number>, into: Record<string, unknown>): Record<string, unknown> {
  for (const name in keys) {
    const v = m.get(keys[name]);
    if (v !== undefined) into[name] = plain(v);
  }
  return into;
}

const pathOf = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');

function parse<T>(schema: z.ZodType<T>, named: Record<string, unknown>): T {
  const result = schema.safeParse(named);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ProtocolError('invalid_field', pathOf(issue.path), issue.message);
}

function open(bytes: Uint8Array, kinds: readonly number[], direction: string): [Map<unknown, unknown>, number] {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('malformed_cbor', '', 'payload is not bytes');
  if (bytes.length > MAX_MESSAGE_BYTES) throw new ProtocolError('invalid_field', '', `message of ${bytes.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  let m: unknown;
  try {
    m = decoder.decode(bytes);
  } catch (error) {
    // cbor-x throws plain Errors (and the odd TypeError on hostile input): all of them mean malformed CBOR.
    throw new ProtocolError('malformed_cbor', '', error instanceof Error ? error.message : String(error));
  }
  if (!(m instanceof Map)) throw new ProtocolError('invalid_field', '', 'expected a CBOR map');
  const version = plain(m.get(0));
  if (version === undefined) throw new ProtocolError('invalid_field', 'version', 'missing (key 0)');
  if (!Number.isSafeInteger(version) || (version as number) < 0) throw new ProtocolError('invalid_field', 'version', 'expected an unsigned integer');
  if (version !== PROTOCOL_VERSION) throw new ProtocolError('unknown_version', 'version', `version ${String(version)} (this codec speaks ${PROTOCOL_VERSION})`);
  const kind = plain(m.get(1));
  if (kind === undefined) throw new ProtocolError('invalid_field', 'kind', 'missing (key 1)');
  if (!Number.isSafeInteger(kind) || (kind as number) < 0) throw new ProtocolError('invalid_field', 'kind', 'expected an unsigned integer');
  if (!kinds.includes(kind as number)) throw new ProtocolError('unknown_kind', 'kind', `kind ${String(kind)} is not a known ${direction} message`);
  return [m, kind as number];
}

function named(m: Map<unknown, unknown>, kind: number): Record<string, unknown> {
  const out: Record<string, unknown> = { kind };
  const serial = m.get(2);
  if (serial !== undefined) out.serial = serial;
  rename(m, KEYS[kind]!, out);
  if (kind === MessageKind.Heartbeat) out.metrics = rename(m, METRIC_KEYS, {});
  return out;
}

const UPLINK_KINDS = Object.keys(uplinkSchemas).map(Number);
const DOWNLINK_KINDS = Object.keys(downlinkSchemas).map(Number);

/** Decodes and validates an uplink payload. Throws ProtocolError; never anything else. */
export function decodeUplink(bytes: Uint8Array): UplinkMessage {
  const [m, kind] = open(bytes, UPLINK_KINDS, 'uplink');
  return parse(uplinkSchemas[kind as keyof typeof uplinkSchemas] as z.ZodType, named(m, kind)) as UplinkMessage;
}

/** Decodes a downlink on the cloud side (tests, tooling, the downlink audit log). */
export function decodeDownlinkCloud(bytes: Uint8Array): DownlinkMessage {
  const [m, kind] = open(bytes, DOWNLINK_KINDS, 'downlink');
  return parse(downlinkSchemas[kind as keyof typeof downlinkSchemas] as z.ZodType, named(m, kind)) as DownlinkMessage;
}
