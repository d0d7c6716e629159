import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from '../src/cbor.ts';
import { decodeDownlink, decodeUplinkDevice, encodeDownlink, encodeUplink, expandEvents, flattenEvents } from '../src/device-codec.ts';
import { EventKind, MessageKind, TimeSource, type DeviceEvent, type EventBatch } from '../src/messages.ts';
import { ProtocolError } from '../src/protocol-error.ts';
import * as samples from '../src/samples.ts';

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw new Error(`expected ProtocolError, got ${String(error)}`);
  }
  throw new Error('expected ProtocolError, nothing was thrown');
}

const ev = (seq: number, boot: number, uptimeS: number, kind: EventKind, ...args: number[]): DeviceEvent => ({ seq, boot, uptimeS, kind, args });

/** Re-encodes a message's wire map after `edit`, to build inputs the encoder itself would never produce. */
function tamper(bytes: Uint8Array, edit: (m: Map<number, unknown>) => void): Uint8Array {
  const m = decodeCbor(bytes) as Map<number, unknown>;
  edit(m);
  return encodeCbor(m);
}

const batch = (events: DeviceEvent[]): EventBatch => ({
  kind: MessageKind.EventBatch,
  serial: 'PC1-000123',
  logTailSeq: events[0]?.seq ?? 1,
  droppedTotal: 0,
  anchors: [{ boot: 1, uptimeS: 500, unixS: null, source: TimeSource.None }],
  events,
});

describe('flat event array', () => {
  const events = [
    ev(5, 1, 100, EventKind.LidOpened, 10),
    ev(6, 1, 160, EventKind.Symptom, 1),
    ev(8, 1, 150, EventKind.ReminderDue, 2), // seq gap: new CONTEXT
    ev(9, 2, 3, EventKind.Boot, 0x8006), // boot change: new CONTEXT
    ev(10, 2, 70, EventKind.TimeSet, 1_790_000_000, TimeSource.Nitz, -42),
  ];
  const flat = [0, 5, 1, 100, 1, 0, 10, 2, 60, 1, 0, 8, 1, 150, 3, 0, 2, 0, 9, 2, 3, 5, 0, 0x8006, 7, 67, 1_790_000_000, 1, -42];

  it('starts with a CONTEXT marker and adds one on every seq gap and boot change', () => {
    expect(flattenEvents(events)).toEqual(flat);
    expect(expandEvents(flat)).toEqual(events);
  });

  it('carries signed dt (a lid opening stamped before the event recorded just before it)', () => {
    const out = [ev(20, 1, 1000, EventKind.ReminderDue, 0), ev(21, 1, 990, EventKind.LidOpened, 25)];
    expect(flattenEvents(out)).toEqual([0, 20, 1, 1000, 3, 0, 0, 1, -10, 25]);
    expect(decodeUplinkDevice(encodeUplink(batch(out)))).toEqual(batch(out));
  });

  it('accepts a redundant CONTEXT marker', () => {
    expect(expandEvents([0, 5, 1, 100, 1, 0, 10, 0, 6, 1, 160, 2, 0, 1])).toEqual(events.slice(0, 2));
  });

  it('rejects malformed arrays with the field path', () => {
    const cases: [unknown[], string][] = [
      [[1, 0, 10], 'events[0]'], // no CONTEXT first
      [[0, 5, 1, 100], 'events[0]'], // marker without an event
      [[0, 5, 1, 100, 0, 6, 1, 100, 1, 0, 1], 'events[0]'], // marker followed by a marker
      [[0, 5, 1, 100, 1, 0], 'events[0]'], // cut short
      [[0, 5, 1, 100, 42, 0, 1], 'events[0].kind'], // unknown event kind
      [[0, 5, 1, 100, 2, 0, 9], 'events[0].args[0]'], // symptom pattern out of range
      [[0, 5, 1, 100, 1, -101, 10], 'events[0].uptimeS'], // uptime below zero
      [[0, 0, 1, 100, 1, 0, 10], 'events[0].seq'], // seq 0
      [[0, 6, 1, 100, 1, 0, 10, 0, 6, 1, 100, 1, 0, 10], 'events[1].seq'], // not ascending
      [[0, 0xffffffff, 1, 100, 1, 0, 10, 1, 0, 10], 'events[1].seq'], // seq beyond 2^32-1
      [[0, 5, 0x10000, 100, 1, 0, 10], 'events[0].boot'],
      [[0, 5, 1, 1.5, 1, 0, 10], 'events[0].uptimeS'],
      [[0, 5, 1, 100, 1, 0, '10'], 'events[0].args[0]'],
    ];
    for (const [flatArray, path] of cases) {
      const error = protocolError(() => expandEvents(flatArray));
      expect(error.code, JSON.stringify(flatArray)).toBe('invalid_field');
      expect(error.path, JSON.stringify(flatArray)).toBe(path);
    }
  });

  it('refuses to encode events out of order or with the wrong arity', () => {
    expect(protocolError(() => flattenEvents([ev(2, 1, 1, 1, 5), ev(2, 1, 2, 1, 5)])).path).toBe('events[1].seq');
    expect(protocolError(() => flattenEvents([ev(2, 1, 1, EventKind.TimeSet, 5)])).path).toBe('events[0].args');
  });
});

describe('device codec round trips', () => {
  const uplinks = {
    dailyBatch: samples.dailyBatch({ symptoms: 1 }),
    heartbeat: samples.dailyHeartbeat(),
    fullHeartbeat: samples.fullHeartbeat(),
    hello: samples.sampleHello(),
    commandResult: samples.sampleCommandResult(),
    factoryReport: samples.sampleFactoryReport(),
    emptyBatch: batch([]),
  };
  for (const [name, msg] of Object.entries(uplinks)) {
    it(`uplink ${name}`, () => {
      const bytes = encodeUplink(msg);
      expect(decodeUplinkDevice(bytes)).toEqual(msg);
      expect(encodeUplink(decodeUplinkDevice(bytes))).toEqual(bytes);
    });
  }
  const downlinks = { ack: samples.sampleAck(), config: samples.sampleConfig(), command: samples.sampleCommand() };
  for (const [name, msg] of Object.entries(downlinks)) {
    it(`downlink ${name}`, () => {
      const bytes = encodeDownlink(msg);
      expect(decodeDownlink(bytes)).toEqual(msg);
    });
  }

  it('omits optional fields that are undefined', () => {
    const ack = encodeDownlink({ kind: MessageKind.Ack, serial: 'PC1-000123', ackSeq: 7, serverUnixS: undefined });
    expect(decodeDownlink(ack)).toEqual({ kind: MessageKind.Ack, serial: 'PC1-000123', ackSeq: 7 });
    expect(Object.keys(decodeDownlink(ack))).not.toContain('serverUnixS');
    expect([...(decodeCbor(ack) as Map<number, unknown>).keys()]).toEqual([0, 1, 2, 3]);
  });

  it('writes the header keys 0, 1, 2 and sorted keys', () => {
    const m = decodeCbor(encodeUplink(samples.sampleHello())) as Map<number, unknown>;
    expect([...m.keys()]).toEqual([0, 1, 2, 5, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(m.get(0)).toBe(1);
    expect(m.get(1)).toBe(MessageKind.Hello);
  });
});

describe('device codec errors', () => {
  const good = encodeUplink(samples.dailyBatch());

  it('ignores unknown keys', () => {
    const withFuture = tamper(good, (m) => m.set(99, ['future', 1]));
    expect(decodeUplinkDevice(withFuture)).toEqual(samples.dailyBatch());
    const ack = tamper(encodeDownlink(samples.sampleAck()), (m) => m.set(40, 'x'));
    expect(decodeDownlink(ack)).toEqual(samples.sampleAck());
  });

  it('types each failure', () => {
    const cases: [Uint8Array, string, string][] = [
      [good.subarray(0, good.length - 1), 'malformed_cbor', ''],
      [Uint8Array.of(0xff), 'malformed_cbor', ''],
      [encodeCbor([1, 2]), 'invalid_field', ''],
      [tamper(good, (m) => m.set(0, 2)), 'unknown_version', 'version'],
      [tamper(good, (m) => m.delete(0)), 'invalid_field', 'version'],
      [tamper(good, (m) => m.set(1, 9)), 'unknown_kind', 'kind'],
      [tamper(good, (m) => m.set(1, MessageKind.Ack)), 'unknown_kind', 'kind'],
      [tamper(good, (m) => m.set(2, 'pc1-lowercase')), 'invalid_field', 'serial'],
      [tamper(good, (m) => m.set(2, 'AB')), 'invalid_field', 'serial'],
      [tamper(good, (m) => m.delete(3)), 'invalid_field', 'logTailSeq'],
      [tamper(good, (m) => m.set(4, -1)), 'invalid_field', 'droppedTotal'],
      [tamper(good, (m) => m.set(5, [])), 'invalid_field', 'anchors'],
      [tamper(good, (m) => m.set(5, [[1, 2, 3]])), 'invalid_field', 'anchors[0]'],
      [tamper(good, (m) => m.set(5, [[1, 2, 3, 9]])), 'invalid_field', 'anchors[0].source'],
      [tamper(good, (m) => m.set(5, [[1, 2, 'x', 1]])), 'invalid_field', 'anchors[0].unixS'],
      [tamper(good, (m) => m.set(6, 'events')), 'invalid_field', 'events'],
      [tamper(good, (m) => m.set(7, 2n ** 70n)), 'invalid_field', 'pendingAfter'],
    ];
    for (const [bytes, code, path] of cases) {
      const error = protocolError(() => decodeUplinkDevice(bytes));
      expect([error.code, error.path], `${code} ${path}`).toEqual([code, path]);
    }
  });

  it('validates downlink ranges so the firmware never acts on a bad config', () => {
    const config = encodeDownlink(samples.sampleConfig());
    const cases: [Uint8Array, string][] = [
      [tamper(config, (m) => m.set(4, [0, 1440])), 'reminderMinutes[1]'],
      [tamper(config, (m) => m.set(4, new Array(9).fill(60))), 'reminderMinutes'],
      [tamper(config, (m) => m.set(5, 900)), 'utcOffsetMin'],
      [tamper(config, (m) => m.set(12, 60)), 'heartbeatIntervalS'],
      [tamper(config, (m) => m.delete(15)), 'lidLeftOpenS'],
      [tamper(encodeDownlink(samples.sampleAck()), (m) => m.set(3, -1)), 'ackSeq'],
      [tamper(encodeDownlink(samples.sampleCommand()), (m) => m.set(4, 0)), 'code'],
    ];
    for (const [bytes, path] of cases) {
      const error = protocolError(() => decodeDownlink(bytes));
      expect([error.code, error.path]).toEqual(['invalid_field', path]);
    }
    expect(protocolError(() => decodeDownlink(encodeUplink(samples.dailyBatch()))).code).toBe('unknown_kind');
  });

  it('passes unknown command codes through so the firmware can answer Unsupported', () => {
    const cmd = tamper(encodeDownlink(samples.sampleCommand()), (m) => m.set(4, 77));
    expect(decodeDownlink(cmd)).toMatchObject({ kind: MessageKind.Command, code: 77 });
  });

  it('carries the path and detail in the message', () => {
    const error = protocolError(() => decodeUplinkDevice(tamper(good, (m) => m.set(4, 'x'))));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProtocolError');
    expect(error.message).toMatch(/^invalid_field at droppedTotal: expected an integer/);
  });
});
