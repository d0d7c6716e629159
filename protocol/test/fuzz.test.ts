/**
 * Property and fuzz tests: arbitrary values round-trip through the codec; random and mutated bytes only ever
 * produce CborError / ProtocolError (never TypeError or RangeError, never a hang); the device and cloud
 * decoders agree whenever both accept.
 */
import { Decoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CborError, CborSimple, CborTag, decodeCbor, encodeCbor } from '../src/cbor.ts';
import { decodeDownlinkCloud, decodeUplink } from '../src/cloud-codec.ts';
import { decodeDownlink, decodeUplinkDevice } from '../src/device-codec.ts';
import { prng } from '../src/samples.ts';
import { ProtocolError } from '../src/protocol-error.ts';
import { goldenVectors } from './support/golden.ts';
import { fromHex } from './support/shared-vectors.ts';

const leaf = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).filter((n) => n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)),
  fc.double(),
  fc.float().map(Math.fround),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.oneof(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 32, max: 255 })).map((v) => new CborSimple(v)),
);

const { value: cborValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.uniqueArray(fc.tuple(fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), tie('value')), { maxLength: 6, selector: ([k]) => k }).map(
      (entries) => new Map(entries),
    ),
    fc.tuple(fc.integer({ min: 4, max: 100_000 }), tie('value')).map(([tag, v]) => new CborTag(tag, v)),
  ),
}));

/** Only CborError may escape the CBOR codec; only ProtocolError the message codecs. */
function only<E extends Error>(type: new (...args: never[]) => E, fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${(error as Error)?.constructor?.name}: ${String(error)}`);
  }
}

describe('CBOR properties', () => {
  it('decode(encode(v)) equals v and the encoding is canonical', () => {
    fc.assert(
      fc.property(cborValue, (v) => {
        const bytes = encodeCbor(v);
        const back = decodeCbor(bytes);
        expect(back).toEqual(v);
        expect(encodeCbor(back)).toEqual(bytes);
      }),
      { numRuns: 1500 },
    );
  });

  it('cbor-x reads our encoding as the same value', () => {
    const cborx = new Decoder({ mapsAsObjects: false, useRecords: false });
    const norm = (v: unknown): unknown => {
      if (typeof v === 'bigint') return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      if (v instanceof Uint8Array) return Array.from(v);
      if (Array.isArray(v)) return v.map(norm);
      if (v instanceof Map) return new Map([...v].map(([k, x]) => [norm(k), norm(x)]));
      return v;
    };
    const jsonish = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.double(),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 5 }),
        fc.uniqueArray(fc.tuple(fc.integer({ min: -1000, max: 1000 }), tie('v')), { maxLength: 5, selector: ([k]) => k }).map((e) => new Map(e)),
      ),
    })).v;
    fc.assert(
      fc.property(jsonish, (v) => {
        expect(norm(cborx.decode(encodeCbor(v)))).toEqual(norm(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes give a value or CborError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => only(CborError, () => decodeCbor(bytes))),
      { numRuns: 20_000 },
    );
  });

  it('a few MB of random input decode without crash or hang', () => {
    const rnd = prng(0xc0ffee);
    // Bias towards bytes that start items, so the decoder gets past the first head often.
    const interesting = [0x00, 0x18, 0x19, 0x1a, 0x1b, 0x5f, 0x7f, 0x9f, 0xbf, 0xff, 0xf9, 0xfa, 0xfb, 0xf8, 0xc2, 0xd8, 0x81, 0xa1, 0x61, 0x41, 0xed, 0xf0];
    let total = 0;
    let decoded = 0;
    while (total < 4 * 1024 * 1024) {
      const n = 1 + Math.floor(rnd() * 600);
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = rnd() < 0.5 ? interesting[Math.floor(rnd() * interesting.length)]! : Math.floor(rnd() * 256);
      try {
        decodeCbor(bytes);
        decoded++;
      } catch (error) {
        if (!(error instanceof CborError)) throw error;
      }
      total += n;
    }
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = Math.floor(rnd() * 256);
    only(CborError, () => decodeCbor(big));
    expect(total).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(decoded).toBeGreaterThanOrEqual(0);
  });
});

describe('message fuzzing', () => {
  const vectors = goldenVectors();

  /** Random edits of a valid message: flip, overwrite, insert, delete, truncate. */
  const mutated = fc
    .tuple(
      fc.integer({ min: 0, max: vectors.length - 1 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    )
    .map(([index, edits]) => {
      const v = vectors[index]!;
      const bytes = [...fromHex(v.hex)];
      for (const [op, pos, byte] of edits) {
        const at = pos % (bytes.length + 1);
        if (op === 0) bytes[at % bytes.length] ^= 1 << (byte & 7);
        else if (op === 1) bytes[at % bytes.length] = byte;
        else if (op === 2) bytes.splice(at, 0, byte);
        else if (op === 3) bytes.splice(at % bytes.length, 1);
        else bytes.length = at;
      }
      return { direction: v.direction, bytes: Uint8Array.from(bytes) };
    });

  it('mutated messages give ProtocolError or the same value on both sides', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutated, ({ direction, bytes }) => {
        const [device, cloud] = direction === 'uplink' ? [decodeUplinkDevice, decodeUplink] : [decodeDownlink, decodeDownlinkCloud];
        let d: unknown;
        let c: unknown;
        only(ProtocolError, () => (d = device(bytes)));
        only(ProtocolError, () => (c = cloud(bytes)));
        if (d !== undefined && c !== undefined) {
          expect(c).toEqual(d);
          accepted++;
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 5_000) },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('random bytes give ProtocolError on both sides', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        for (const decode of [decodeUplinkDevice, decodeUplink, decodeDownlink, decodeDownlinkCloud]) only(ProtocolError, () => decode(bytes));
      }),
      { numRuns: 5_000 },
    );
  });

  it('hostile shapes (huge lengths, deep nesting, oversize payloads) give ProtocolError', () => {
    const hostile = [
      fromHex('a3000101011b7fffffffffffffff'),
      fromHex('9bffffffffffffffff'),
      fromHex('9a05000000'),
      new Uint8Array(100_000).fill(0x81),
      new Uint8Array(70_000).fill(0x00),
      fromHex('a300010101d86982010203'),
      fromHex('a3000101010276'),
    ];
    for (const bytes of hostile) {
      for (const decode of [decodeUplinkDevice, decodeUplink, decodeDownlink, decodeDownlinkCloud]) {
        let caught: unknown;
        try {
          decode(bytes);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(ProtocolError);
      }
    }
  });
});
