/**
 * Device-side CBOR codec (RFC 8949), ECMAScript built-ins only: it is bundled into the firmware.
 *
 * Decoding accepts every well-formed item (all major types, half/single/double floats, tags, indefinite
 * lengths) and rejects everything else with `CborError` before doing any work it cannot finish: a declared
 * length larger than the remaining input fails before allocation, nesting is bounded, trailing bytes fail.
 *   uint/nint -> number when safe, else bigint     bstr -> Uint8Array (a copy)      tstr -> string (strict UTF-8)
 *   array -> Array      map -> Map (keys keep their type)      tag 2/3 on a bstr -> number|bigint
 *   other tags -> CborTag      false/true/null/undefined -> themselves      other simple values -> CborSimple
 * Encoding is deterministic (RFC 8949 §4.2.1): shortest heads, definite lengths, map keys sorted by their
 * encoded bytes, floats in the shortest of half/single/double that keeps the value, safe integers as ints.
 *
 * Runtime notes: BigInt is only touched when a value needs it (Espruino has none; there such input throws
 * CborError 'unsupported'). No bigint literals, no TextEncoder/TextDecoder, no class fields.
 */

export class CborError extends Error {
  declare readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'CborError';
  }
}

/** A tagged item whose tag this codec does not interpret. */
export class CborTag {
  declare readonly tag: number | bigint;
  declare readonly value: unknown;
  constructor(tag: number | bigint, value: unknown) {
    this.tag = tag;
    this.value = value;
  }
}

/** A simple value other than false/true/null/undefined: 0..19 or 32..255. */
export class CborSimple {
  declare readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export const MAX_DEPTH = 64;
const TWO32 = 4294967296;
const MAX_SAFE = 9007199254740991;

const fail = (code: string, message: string): never => {
  throw new CborError(code, message);
};

const big = (n: number | string): bigint => {
  if (typeof BigInt !== 'function') fail('unsupported', 'integer needs BigInt, which this runtime lacks');
  return BigInt(n);
};

// ------------------------------------------------------------------------------------------------ decode

interface Reader {
  b: Uint8Array;
  v: DataView;
  p: number;
}

const need = (r: Reader, n: number): void => {
  if (r.p + n > r.b.length) fail('truncated', `need ${n} byte(s) at offset ${r.p}, input ends at ${r.b.length}`);
};

/** Reads the argument of a head; -1 means indefinite (ai 31), which callers accept only where allowed. */
function arg(r: Reader, ai: number): number | bigint {
  if (ai < 24) return ai;
  const v = r.v;
  const p = r.p;
  switch (ai) {
    case 24:
      need(r, 1);
      r.p += 1;
      return r.b[p]!;
    case 25:
      need(r, 2);
      r.p += 2;
      return v.getUint16(p);
    case 26:
      need(r, 4);
      r.p += 4;
      return v.getUint32(p);
    case 27: {
      need(r, 8);
      r.p += 8;
      const hi = v.getUint32(p);
      const lo = v.getUint32(p + 4);
      if (hi < 0x200000) return hi * TWO32 + lo;
      return (big(hi) << big(32)) | big(lo);
    }
    case 31:
      return -1;
  }
  return fail('reserved', `reserved additional information ${ai} at offset ${p - 1}`);
}

/** A length: definite lengths must fit what is left of the input (each element takes >= `unit` bytes). */
function length(r: Reader, ai: number, unit: number): number {
  const n = arg(r, ai);
  if (typeof n !== 'number' || (n >= 0 && n * unit > r.b.length - r.p)) {
    fail('too_long', `declared length ${n} exceeds the ${r.b.length - r.p} byte(s) left at offset ${r.p}`);
  }
  return n as number;
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 5.960464477539063e-8; // 2^-24
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (m + 1024) * Math.pow(2, e - 25);
}

/** Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
function utf8Decode(b: Uint8Array, start: number, end: number): string {
  let out = '';
  let units: number[] = [];
  for (let i = start; i < end; ) {
    const c = b[i++]!;
    let cp = c;
    if (c >= 0x80) {
      let n: number;
      let min: number;
      if (c >= 0xc2 && c <= 0xdf) (n = 1), (min = 0x80), (cp = c & 0x1f);
      else if (c >= 0xe0 && c <= 0xef) (n = 2), (min = 0x800), (cp = c & 0x0f);
      else if (c >= 0xf0 && c <= 0xf4) (n = 3), (min = 0x10000), (cp = c & 0x07);
      else return fail('invalid_utf8', `invalid UTF-8 lead byte 0x${c.toString(16)}`);
      if (i + n > end) fail('invalid_utf8', 'truncated UTF-8 sequence');
      for (let k = 0; k < n; k++) {
        const cc = b[i++]!;
        if ((cc & 0xc0) !== 0x80) fail('invalid_utf8', 'invalid UTF-8 continuation byte');
        cp = (cp << 6) | (cc & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail('invalid_utf8', 'invalid UTF-8 code point');
      if (cp > 0xffff) {
        cp -= 0x10000;
        units.push(0xd800 | (cp >> 10));
        cp = 0xdc00 | (cp & 0x3ff);
      }
    }
    units.push(cp);
    if (units.length >= 1024) {
      out += String.fromCharCode.apply(null, units);
      units = [];
    }
  }
  return out + String.fromCharCode.apply(null, units);
}

function bytesToInt(bytes: Uint8Array, negative: boolean): number | bigint {
  let n = big(0);
  for (let i = 0; i < bytes.length; i++) n = (n << big(8)) | big(bytes[i]!);
  if (negative) n = big(-1) - n;
  return n >= big(-MAX_SAFE) && n <= big(MAX_SAFE) ? Number(n) : n;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

function item(r: Reader, depth: number): unknown {
  need(r, 1);
  const start = r.p;
  const ib = r.b[r.p++]!;
  const major = ib >> 5;
  const ai = ib & 0x1f;
  switch (major) {
    case 0:
    case 1: {
      const n = arg(r, ai);
      if (n === -1) return fail('reserved', `indefinite length on an integer at offset ${start}`);
      if (major === 0) return n;
      if (typeof n === 'number') return n < MAX_SAFE ? -1 - n : big(-1) - big(n);
      return big(-1) - n;
    }
    case 2:
    case 3: {
      const n = length(r, ai, 1);
      let bytes: Uint8Array;
      if (n >= 0) {
        if (major === 3) {
          r.p += n;
          return utf8Decode(r.b, r.p - n, r.p);
        }
        bytes = r.b.slice(r.p, r.p + n);
        r.p += n;
      } else {
        // Indefinite string: definite chunks of the same major type, then break.
        const parts: Uint8Array[] = [];
        let total = 0;
        for (;;) {
          need(r, 1);
          const cb = r.b[r.p]!;
          if (cb === 0xff) {
            r.p++;
            break;
          }
          if (cb >> 5 !== major || (cb & 0x1f) === 31) fail('bad_chunk', `wrong chunk type 0x${cb.toString(16)} in an indefinite string at offset ${r.p}`);
          r.p++;
          const len = length(r, cb & 0x1f, 1);
          parts.push(r.b.subarray(r.p, r.p + len));
          r.p += len;
          total += len;
        }
        bytes = concat(parts, total);
        if (major === 3) return utf8Decode(bytes, 0, total);
      }
      return bytes;
    }
    case 4:
    case 5: {
      if (depth >= MAX_DEPTH) fail('too_deep', `nesting deeper than ${MAX_DEPTH} at offset ${start}`);
      const n = length(r, ai, major === 4 ? 1 : 2);
      const more = (): boolean => {
        if (n >= 0) return false;
        need(r, 1);
        if (r.b[r.p] === 0xff) {
          r.p++;
          return false;
        }
        return true;
      };
      if (major === 4) {
        const a: unknown[] = [];
        for (let i = 0; n < 0 ? more() : i < n; i++) a.push(item(r, depth + 1));
        return a;
      }
      const m = new Map<unknown, unknown>();
      for (let i = 0; n < 0 ? more() : i < n; i++) {
        const at = r.p;
        const k = item(r, depth + 1);
        if (m.has(k)) fail('duplicate_key', `duplicate map key at offset ${at}`);
        m.set(k, item(r, depth + 1));
      }
      return m;
    }
    case 6: {
      if (depth >= MAX_DEPTH) fail('too_deep', `nesting deeper than ${MAX_DEPTH} at offset ${start}`);
      const tag = arg(r, ai);
      if (tag === -1) return fail('reserved', `indefinite length on a tag at offset ${start}`);
      const value = item(r, depth + 1);
      if ((tag === 2 || tag === 3) && value instanceof Uint8Array) return bytesToInt(value, tag === 3);
      return new CborTag(tag, value);
    }
  }
  // major 7
  switch (ai) {
    case 20:
      return false;
    case 21:
      return true;
    case 22:
      return null;
    case 23:
      return undefined;
    case 24: {
      need(r, 1);
      const v = r.b[r.p++]!;
      if (v < 32) fail('invalid_simple', `two-byte simple value ${v} < 32 at offset ${start}`);
      return new CborSimple(v);
    }
    case 25:
      need(r, 2);
      r.p += 2;
      return half(r.v.getUint16(start + 1));
    case 26:
      need(r, 4);
      r.p += 4;
      return r.v.getFloat32(start + 1);
    case 27:
      need(r, 8);
      r.p += 8;
      return r.v.getFloat64(start + 1);
    case 31:
      return fail('unexpected_break', `break code outside an indefinite-length item at offset ${start}`);
  }
  if (ai < 20) return new CborSimple(ai);
  return fail('reserved', `reserved additional information ${ai} at offset ${start}`);
}

/** Decodes exactly one CBOR item that must span all of `bytes`. Throws CborError on anything else. */
export function decodeCbor(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) fail('bad_input', 'decodeCbor expects a Uint8Array');
  const r: Reader = { b: bytes, v: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), p: 0 };
  const value = item(r, 0);
  if (r.p !== bytes.length) fail('trailing_bytes', `${bytes.length - r.p} byte(s) after the item at offset ${r.p}`);
  return value;
}

// ------------------------------------------------------------------------------------------------ encode

interface Writer {
  b: Uint8Array;
  v: DataView;
  p: number;
}

function room(w: Writer, n: number): void {
  if (w.p + n <= w.b.length) return;
  let size = w.b.length * 2;
  while (size < w.p + n) size *= 2;
  const b = new Uint8Array(size);
  b.set(w.b.subarray(0, w.p));
  w.b = b;
  w.v = new DataView(b.buffer);
}

function bytes(w: Writer, src: Uint8Array): void {
  room(w, src.length);
  w.b.set(src, w.p);
  w.p += src.length;
}

/** Writes a head with the shortest argument; `n` is a non-negative integer number below 2^64. */
function head(w: Writer, major: number, n: number): void {
  room(w, 9);
  const b = w.b;
  const m = major << 5;
  if (n < 24) b[w.p++] = m | n;
  else if (n < 0x100) (b[w.p++] = m | 24), (b[w.p++] = n);
  else if (n < 0x10000) (b[w.p++] = m | 25), w.v.setUint16(w.p, n), (w.p += 2);
  else if (n < TWO32) (b[w.p++] = m | 26), w.v.setUint32(w.p, n), (w.p += 4);
  else (b[w.p++] = m | 27), w.v.setUint32(w.p, Math.floor(n / TWO32)), w.v.setUint32(w.p + 4, n >>> 0), (w.p += 8);
}

function bigHead(w: Writer, major: number, n: bigint): void {
  if (n <= big(MAX_SAFE)) return head(w, major, Number(n));
  room(w, 9);
  w.b[w.p++] = (major << 5) | 27;
  w.v.setUint32(w.p, Number(n >> big(32)));
  w.v.setUint32(w.p + 4, Number(n & big(0xffffffff)));
  w.p += 8;
}

function encodeBigint(w: Writer, n: bigint): void {
  const neg = n < big(0);
  const mag = neg ? big(-1) - n : n;
  if (mag < big(2) ** big(64)) return bigHead(w, neg ? 1 : 0, mag);
  let hex = mag.toString(16);
  if (hex.length & 1) hex = '0' + hex;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  head(w, 6, neg ? 3 : 2);
  head(w, 2, out.length);
  bytes(w, out);
}

/** Half-precision bits of `x` when it is exactly representable, else -1. `x` is finite, non-NaN. */
function halfBits(x: number): number {
  if (Math.fround(x) !== x) return -1;
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x);
  const bits = dv.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127;
  const mant = bits & 0x7fffff;
  if (exp === -127 && mant === 0) return sign;
  if (exp >= -14 && exp <= 15) return mant & 0x1fff ? -1 : sign | ((exp + 15) << 10) | (mant >> 13);
  if (exp >= -24 && exp < -14) {
    const full = mant | 0x800000;
    const shift = -exp - 1;
    return full & ((1 << shift) - 1) ? -1 : sign | (full >>> shift);
  }
  return -1;
}

function encodeFloat(w: Writer, x: number): void {
  room(w, 9);
  let h: number;
  if (x !== x) h = 0x7e00;
  else if (x === Infinity) h = 0x7c00;
  else if (x === -Infinity) h = 0xfc00;
  else h = halfBits(x);
  if (h >= 0) {
    w.b[w.p++] = 0xf9;
    w.v.setUint16(w.p, h);
    w.p += 2;
  } else if (Math.fround(x) === x) {
    w.b[w.p++] = 0xfa;
    w.v.setFloat32(w.p, x);
    w.p += 4;
  } else {
    w.b[w.p++] = 0xfb;
    w.v.setFloat64(w.p, x);
    w.p += 8;
  }
}

function utf8Encode(w: Writer, s: string): void {
  // Reserve the head for the worst case (3 bytes per UTF-16 unit), then write the real head and slide down.
  const max = s.length * 3;
  const hs = max < 24 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
  room(w, hs + max + 9);
  const start = w.p;
  const b = w.b;
  let p = start + hs;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) b[p++] = c;
    else if (c < 0x800) (b[p++] = 0xc0 | (c >> 6)), (b[p++] = 0x80 | (c & 0x3f));
    else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = s.charCodeAt(i + 1);
        if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) fail('invalid_utf8', `lone surrogate at index ${i} cannot be UTF-8`);
        c = 0x10000 + ((c & 0x3ff) << 10) + (d & 0x3ff);
        i++;
        b[p++] = 0xf0 | (c >> 18);
        b[p++] = 0x80 | ((c >> 12) & 0x3f);
      } else b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    }
  }
  const len = p - start - hs;
  head(w, 3, len);
  if (w.p !== start + hs) b.copyWithin(w.p, start + hs, p);
  w.p += len;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function encodeMap(w: Writer, entries: [unknown, unknown][], depth: number): void {
  const keyed: { k: Uint8Array; v: unknown }[] = [];
  for (const [k, v] of entries) keyed.push({ k: encodeInto(k, depth + 1), v });
  keyed.sort((x, y) => compareBytes(x.k, y.k));
  head(w, 5, keyed.length);
  for (let i = 0; i < keyed.length; i++) {
    if (i > 0 && compareBytes(keyed[i - 1]!.k, keyed[i]!.k) === 0) fail('duplicate_key', 'two map keys have the same encoding');
    bytes(w, keyed[i]!.k);
    value(w, keyed[i]!.v, depth + 1);
  }
}

function value(w: Writer, x: unknown, depth: number): void {
  if (depth > MAX_DEPTH) fail('too_deep', `nesting deeper than ${MAX_DEPTH}`);
  switch (typeof x) {
    case 'number':
      if (Number.isInteger(x) && Math.abs(x) <= MAX_SAFE && !(x === 0 && 1 / x < 0)) {
        return x >= 0 ? head(w, 0, x) : head(w, 1, -1 - x);
      }
      return encodeFloat(w, x);
    case 'bigint':
      return encodeBigint(w, x);
    case 'string':
      return utf8Encode(w, x);
    case 'boolean':
      room(w, 1);
      w.b[w.p++] = x ? 0xf5 : 0xf4;
      return;
    case 'undefined':
      room(w, 1);
      w.b[w.p++] = 0xf7;
      return;
    case 'object':
      if (x === null) {
        room(w, 1);
        w.b[w.p++] = 0xf6;
        return;
      }
      if (x instanceof Uint8Array) {
        head(w, 2, x.length);
        return bytes(w, x);
      }
      if (Array.isArray(x)) {
        head(w, 4, x.length);
        for (let i = 0; i < x.length; i++) value(w, x[i], depth + 1);
        return;
      }
      if (x instanceof Map) return encodeMap(w, Array.from(x.entries()), depth);
      if (x instanceof CborTag) {
        if (typeof x.tag === 'bigint') bigHead(w, 6, x.tag);
        else if (Number.isInteger(x.tag) && x.tag >= 0 && x.tag <= MAX_SAFE) head(w, 6, x.tag);
        else fail('unsupported', `invalid tag number ${x.tag}`);
        return value(w, x.value, depth + 1);
      }
      if (x instanceof CborSimple) {
        const s = x.value;
        if (!(Number.isInteger(s) && ((s >= 0 && s < 20) || (s >= 32 && s < 256)))) fail('unsupported', `invalid simple value ${s}`);
        return s < 20 ? head(w, 7, s) : (head(w, 7, 24), bytes(w, Uint8Array.of(s)));
      }
      if (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null) {
        return encodeMap(w, Object.entries(x), depth);
      }
  }
  fail('unsupported', `cannot encode a value of type ${typeof x}`);
}

function encodeInto(x: unknown, depth: number): Uint8Array {
  const b = new Uint8Array(64);
  const w: Writer = { b, v: new DataView(b.buffer), p: 0 };
  value(w, x, depth);
  return w.b.slice(0, w.p);
}

/** Deterministic encoding of `x` (RFC 8949 §4.2.1). Throws CborError for values CBOR cannot carry. */
export function encodeCbor(x: unknown): Uint8Array {
  return encodeInto(x, 0);
}
