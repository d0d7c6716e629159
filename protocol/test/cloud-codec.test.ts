import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../src/cbor.ts';
import { decodeDownlinkCloud, decodeUplink, encodeDownlinkCloud } from '../src/cloud-codec.ts';
import { decodeUplinkDevice, encodeUplink } from '../src/device-codec.ts';
import { MessageKind } from '../src/messages.ts';
import { ProtocolError } from '../src/protocol-error.ts';
import * as samples from '../src/samples.ts';
import { deviceConfigSchema, eventBatchSchema } from '../src/schemas.ts';
import { fromHex } from './support/shared-vectors.ts';

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw new Error(`expected ProtocolError, got ${String(error)}`);
  }
  throw new Error('expected ProtocolError, nothing was thrown');
}

describe('cloud codec', () => {
  it('decodes every uplink kind the device encodes, from a Buffer too', () => {
    for (const msg of [samples.dailyBatch({ symptoms: 1 }), samples.fullHeartbeat(), samples.sampleHello(), samples.sampleCommandResult(), samples.sampleFactoryReport()]) {
      const bytes = encodeUplink(msg);
      expect(decodeUplink(bytes)).toEqual(msg);
      expect(decodeUplink(Buffer.from(bytes))).toEqual(msg);
    }
  });

  it('returns plain Uint8Array copies for byte strings', () => {
    const bytes = Buffer.from(encodeUplink(samples.sampleHello()));
    const hello = decodeUplink(bytes);
    if (hello.kind !== MessageKind.Hello) throw new Error('not a hello');
    expect(Buffer.isBuffer(hello.imageHash)).toBe(false);
    bytes.fill(0);
    expect(hello.imageHash).toEqual(samples.sampleImageHash());
  });

  it('accepts integers in longer-than-needed form, as the device decoder does', () => {
    // {0: 1, 1: 16, 2: "PC1-000123", 3: 5 as an 8-byte uint}
    const ack = fromHex('a4' + '00' + '01' + '01' + '10' + '02' + '6a5043312d303030313233' + '03' + '1b0000000000000005');
    expect(decodeDownlinkCloud(ack)).toEqual({ kind: MessageKind.Ack, serial: 'PC1-000123', ackSeq: 5 });
  });

  it('types every failure', () => {
    expect(protocolError(() => decodeUplink(fromHex('ff'))).code).toBe('malformed_cbor');
    expect(protocolError(() => decodeUplink(fromHex('a300010101d86982010203'))).code).toBe('malformed_cbor');
    expect(protocolError(() => decodeUplink(encodeCbor('hello'))).code).toBe('invalid_field');
    expect(protocolError(() => decodeUplink(encodeCbor(new Map<number, unknown>([[0, 1], [1, 2n ** 70n]])))).path).toBe('kind');
    expect(protocolError(() => decodeUplink(encodeCbor(new Map([[0, 7], [1, 1]])))).code).toBe('unknown_version');
    expect(protocolError(() => decodeUplink(encodeCbor(new Map([[0, 1], [1, 17]])))).code).toBe('unknown_kind');
    expect(protocolError(() => decodeUplink(new Uint8Array(70_000))).code).toBe('invalid_field');
    expect(protocolError(() => decodeUplink('a0' as never)).code).toBe('malformed_cbor');
    expect(protocolError(() => decodeDownlinkCloud(encodeUplink(samples.dailyBatch()))).code).toBe('unknown_kind');
  });

  it('reports the field path of the first problem, the same as the device decoder', () => {
    const m = new Map<number, unknown>([
      [0, 1],
      [1, 2],
      [2, 'PC1-000123'],
      [5, [3, 10, null, 0]],
      [20, -150],
    ]);
    const bytes = encodeCbor(m);
    const cloud = protocolError(() => decodeUplink(bytes));
    const device = protocolError(() => decodeUplinkDevice(bytes));
    expect([cloud.code, cloud.path]).toEqual(['invalid_field', 'metrics.rsrpDbm']);
    expect([device.code, device.path]).toEqual([cloud.code, cloud.path]);
  });

  it('re-exports the deterministic downlink encoder', () => {
    const config = samples.sampleConfig();
    expect(decodeDownlinkCloud(encodeDownlinkCloud(config))).toEqual(config);
  });

  it('exposes the schemas for other trust boundaries', () => {
    const { kind: _k, serial: _s, ...config } = samples.sampleConfig();
    expect(deviceConfigSchema.parse(config)).toEqual(config);
    expect(deviceConfigSchema.safeParse({ ...config, lidDebounceMs: 2 }).success).toBe(false);
    const parsed = eventBatchSchema.safeParse({ kind: 1, serial: 'PC1-000123', logTailSeq: 1, droppedTotal: 0, anchors: [[0, 1, null, 0]], events: [0, 1, 0, 5, 1, 0, 9] });
    expect(parsed.success && parsed.data.events).toEqual([{ seq: 1, boot: 0, uptimeS: 5, kind: 1, args: [9] }]);
  });
});
