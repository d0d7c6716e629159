import { describe, expect, it } from 'vitest';
import { CborError, CborSimple, CborTag, decodeCbor, encodeCbor, MAX_DEPTH } from '../src/cbor.ts';
import { diagnostic, normaliseDiagnostic } from './support/diagnostic.ts';
import { fromHex, loadAppendixA, loadFailVectors, toHex } from './support/shared-vectors.ts';

/** Maps with string keys compare as plain objects (that is how the vector file writes them). */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  return value;
}

function cborError(fn: () => unknown): CborError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CborError) return error;
    throw new Error(`expected CborError, got ${String(error)}`);
  }
  throw new Error('expected CborError, nothing was thrown');
}

/**
 * The shared Appendix A file still carries RFC 7049's `simple(24)` = f818; RFC 8949 §3.3 made every two-byte
 * simple value below 32 not well-formed, and the shared fail.json lists f818 as well. We follow RFC 8949.
 */
const NOT_WELL_FORMED_IN_RFC8949 = new Set(['f818']);

function isIntegralFloat(hex: string): boolean {
  if (!/^f[9ab]/.test(hex)) return false;
  const value = decodeCbor(fromHex(hex));
  return typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0);
}

describe('RFC 8949 Appendix A vectors', () => {
  const entries = loadAppendixA();
  it('has the full set', () => expect(entries.length).toBeGreaterThanOrEqual(80));

  for (const entry of entries) {
    const label = `${entry.hex} ${entry.diagnostic ?? JSON.stringify(entry.decoded, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
    if (NOT_WELL_FORMED_IN_RFC8949.has(entry.hex)) {
      it(`rejects ${label} (not well-formed since RFC 8949)`, () => {
        expect(cborError(() => decodeCbor(fromHex(entry.hex))).code).toBe('invalid_simple');
      });
      continue;
    }
    it(`decodes ${label}`, () => {
      const decoded = decodeCbor(fromHex(entry.hex));
      if (entry.diagnostic !== undefined) expect(diagnostic(decoded)).toBe(normaliseDiagnostic(entry.diagnostic));
      else expect(plain(decoded)).toEqual(entry.decoded);
    });
    if (entry.roundtrip && isIntegralFloat(entry.hex)) {
      // A JS number does not remember that it was a float: integral values take the integer form (the
      // numeric reduction RFC 8949 §4.2.2 allows), and decode back to the same number.
      it(`re-encodes ${label} as the integer it equals`, () => {
        const value = decodeCbor(fromHex(entry.hex)) as number;
        const bytes = encodeCbor(value);
        expect(bytes[0]! >> 5).toBeLessThanOrEqual(1);
        expect(Object.is(decodeCbor(bytes), value)).toBe(true);
      });
    } else if (entry.roundtrip) {
      it(`re-encodes ${label} to the same bytes`, () => {
        expect(toHex(encodeCbor(decodeCbor(fromHex(entry.hex))))).toBe(entry.hex);
      });
    }
  }
});

describe('shared fail vectors', () => {
  const entries = loadFailVectors();
  it('has the full set', () => expect(entries.length).toBeGreaterThan(500));
  it('rejects every one with CborError', () => {
    for (const { hex } of entries) {
      const error = cborError(() => decodeCbor(fromHex(hex)));
      expect(error.code, hex).toMatch(/^[a-z_]+$/);
    }
  });
});

describe('decoder robustness', () => {
  it('rejects every truncation of a valid item', () => {
    const full = encodeCbor(new Map<unknown, unknown>([[1, 'hello'], [2, [1.5, 100000, fromHex('0102')]], [3, 2n ** 70n]]));
    for (let n = 0; n < full.length; n++) expect(cborError(() => decodeCbor(full.subarray(0, n))).code).toMatch(/^(truncated|too_long)$/);
  });

  it('fails on huge declared lengths before allocating', () => {
    for (const hex of ['5bffffffffffffffff', '7b0000000100000000', '9affffffff00', 'baffffffff', '5a00010000', 'b9ffff0101']) {
      expect(cborError(() => decodeCbor(fromHex(hex))).code, hex).toBe('too_long');
    }
  });

  it('bounds nesting', () => {
    const ok = new Uint8Array(MAX_DEPTH + 1).fill(0x81);
    ok[MAX_DEPTH] = 0x00;
    expect(() => decodeCbor(ok)).not.toThrow();
    const deep = new Uint8Array(MAX_DEPTH + 2).fill(0x81);
    deep[MAX_DEPTH + 1] = 0x00;
    expect(cborError(() => decodeCbor(deep)).code).toBe('too_deep');
    expect(cborError(() => decodeCbor(new Uint8Array(100_000).fill(0xc1))).code).toBe('too_deep');
    expect(cborError(() => decodeCbor(new Uint8Array(100_000).fill(0x9f))).code).toBe('too_deep');
  });

  it('rejects trailing bytes, misplaced breaks and bad chunks', () => {
    expect(cborError(() => decodeCbor(fromHex('0000'))).code).toBe('trailing_bytes');
    expect(cborError(() => decodeCbor(fromHex('ff'))).code).toBe('unexpected_break');
    expect(cborError(() => decodeCbor(fromHex('bf01ff'))).code).toBe('unexpected_break');
    expect(cborError(() => decodeCbor(fromHex('7f4161ff'))).code).toBe('bad_chunk');
    expect(cborError(() => decodeCbor(fromHex('5f5f4101ffff'))).code).toBe('bad_chunk');
    expect(cborError(() => decodeCbor(fromHex('a2010201ff'))).code).toBe('duplicate_key');
    expect(cborError(() => decodeCbor(fromHex('a201020103'))).code).toBe('duplicate_key');
  });

  it('rejects invalid UTF-8', () => {
    // overlong "/", lone surrogate U+D800, above U+10FFFF, stray continuation, truncated sequence
    for (const hex of ['62c0af', '63eda080', '64f4908080', '6180', '62e282']) {
      expect(cborError(() => decodeCbor(fromHex(hex))).code, hex).toBe('invalid_utf8');
    }
    expect(decodeCbor(fromHex('7f62c3bc63e6b0b4ff'))).toBe('\u00fc\u6c34');
  });

  it('decodes integers to number when safe and bigint otherwise', () => {
    expect(decodeCbor(fromHex('1b001fffffffffffff'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeCbor(fromHex('1b0020000000000000'))).toBe(2n ** 53n);
    expect(decodeCbor(fromHex('3b001ffffffffffffe'))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(decodeCbor(fromHex('3b001fffffffffffff'))).toBe(-(2n ** 53n));
    expect(decodeCbor(fromHex('c24101'))).toBe(1);
    expect(decodeCbor(fromHex('c2420102'))).toBe(258);
  });

  it('returns byte strings as copies, not views of the input', () => {
    const input = fromHex('43010203');
    const out = decodeCbor(input) as Uint8Array;
    input[1] = 9;
    expect([...out]).toEqual([1, 2, 3]);
  });

  it('returns plain Uint8Array copies for a Node Buffer input with an offset', () => {
    const pool = Buffer.alloc(64, 0xee);
    fromHex('824201024103').forEach((b, i) => (pool[10 + i] = b));
    const input = pool.subarray(10, 16);
    const out = decodeCbor(input) as Uint8Array[];
    expect(out.map((b) => [Buffer.isBuffer(b), [...b]])).toEqual([
      [false, [1, 2]],
      [false, [3]],
    ]);
    pool.fill(0);
    expect([...out[0]!]).toEqual([1, 2]);
  });

  it('rejects non-Uint8Array input', () => {
    expect(cborError(() => decodeCbor('00' as never)).code).toBe('bad_input');
  });
});

describe('deterministic encoder', () => {
  it('sorts map keys by their encoded bytes (RFC 8949 §4.2.1 example)', () => {
    const m = new Map<unknown, unknown>([
      [false, 0],
      [[-1], 0],
      [[100], 0],
      ['aa', 0],
      ['z', 0],
      [-1, 0],
      [100, 0],
      [10, 0],
    ]);
    expect(toHex(encodeCbor(m))).toBe('a80a001864002000617a006261610081186400812000f400');
    expect(toHex(encodeCbor({ b: 1, a: 2 }))).toBe('a2616102616201');
  });

  it('uses the shortest head and float form', () => {
    const cases: [unknown, string][] = [
      [23, '17'],
      [24, '1818'],
      [255, '18ff'],
      [256, '190100'],
      [65536, '1a00010000'],
      [4294967296, '1b0000000100000000'],
      [-24, '37'],
      [-25, '3818'],
      [0.5, 'f93800'],
      [-0, 'f98000'],
      [1e-7, 'fb3e7ad7f29abcaf48'],
      [3.4028234663852886e38, 'fa7f7fffff'],
      [2 ** -24, 'f90001'],
      [2 ** -25, 'fa33000000'],
      [2 ** 52, '1b0010000000000000'],
      [2 ** 60, 'fa5d800000'], // beyond 2^53 a number may not be an exact integer: it stays a float
      [2 ** 64, 'fa5f800000'],
      [NaN, 'f97e00'],
      [2n ** 64n - 1n, '1bffffffffffffffff'],
      [-(2n ** 64n), '3bffffffffffffffff'],
      [2n ** 64n, 'c249010000000000000000'],
      [5n, '05'],
      [new CborTag(1, 1363896240), 'c11a514b67b0'],
      [new CborTag(2n ** 64n - 1n, null), 'dbfffffffffffffffff6'],
      [new CborSimple(16), 'f0'],
      [new CborSimple(255), 'f8ff'],
      ['ü水𐅑', '69c3bce6b0b4f0908591'],
      ['x'.repeat(24), '7818' + '78'.repeat(24)],
      ['é'.repeat(200), '790190' + 'c3a9'.repeat(200)],
    ];
    for (const [value, hex] of cases) expect(toHex(encodeCbor(value)), String(value)).toBe(hex);
  });

  it('rejects what CBOR cannot carry with CborError', () => {
    expect(cborError(() => encodeCbor('\ud800')).code).toBe('invalid_utf8');
    expect(cborError(() => encodeCbor(() => 1)).code).toBe('unsupported');
    expect(cborError(() => encodeCbor(Symbol('x'))).code).toBe('unsupported');
    expect(cborError(() => encodeCbor(new Date(0))).code).toBe('unsupported');
    expect(cborError(() => encodeCbor(new CborSimple(24))).code).toBe('unsupported');
    expect(cborError(() => encodeCbor(new Map([[fromHex('01'), 1], [fromHex('01'), 2]]))).code).toBe('duplicate_key');
    let deep: unknown = 0;
    for (let i = 0; i <= MAX_DEPTH + 1; i++) deep = [deep];
    expect(cborError(() => encodeCbor(deep)).code).toBe('too_deep');
  });

  it('CborError is an Error with a code', () => {
    const error = cborError(() => decodeCbor(fromHex('1c')));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CborError');
    expect(error.code).toBe('reserved');
    expect(error.message).toBe('reserved at offset 0');
  });
});
