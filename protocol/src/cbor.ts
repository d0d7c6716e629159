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

/** Messages stay short (code and byte offset): this file ships in a 64 KiB firmware bundle. */
const fail = (code: string, at: number | string): never => {
  throw new CborError(code, `${code.replace('_', ' ')} at ${typeof at === 'number' ? 'offset ' : ''}${at}`);
};

const big = (n: number | string): bigint => {
  if (typeof BigInt !== 'function') fail('unsupported', 'BigInt');
  return BigInt(n);
};

// ------------------------------------------------------------------------------------------------ decode

// Decoder state lives in module variables (not an object) so the minifier can shorten every access: this
// file ships in a 64 KiB firmware bundle. decodeCbor never calls out to user code, so it cannot re-enter.
let B: Uint8Array = new Uint8Array(0);
let V: DataView = new DataView(B.buffer);
let P = 0;

/** Claims `n` bytes and returns their offset. */
const take = (n: number): number => {
  if (P + n > B.length) fail('truncated', P);
  P += n;
  return P - n;
};

/** Reads the argument of a head; -1 means indefinite (ai 31), which callers accept only where allowed. */
function arg(ai: number): number | bigint {
  if (ai < 24) return ai;
  if (ai === 24) return B[take(1)]!;
  if (ai === 25) return V.getUint16(take(2));
  if (ai === 26) return V.getUint32(take(4));
  if (ai === 27) {
    const p = take(8);
    const hi = V.getUint32(p);
    const lo = V.getUint32(p + 4);
    return hi < 0x200000 ? hi * TWO32 + lo : (big(hi) << big(32)) | big(lo);
  }
  return ai === 31 ? -1 : fail('reserved', P - 1);
}

/** A length: definite lengths must fit what is left of the input (each element takes >= `unit` bytes). */
function length(ai: number, unit: number): number {
  const n = arg(ai);
  if (typeof n !== 'number' || n * unit > B.length - P) fail('too_long', P);
  return n as number;
}

function half(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const v = e === 0 ? m * 5.960464477539063e-8 : e === 31 ? (m ? NaN : Infinity) : (m + 1024) * Math.pow(2, e - 25);
  return h & 0x8000 ? -v : v;
}

/** Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
function utf8Decode(b: Uint8Array, i: number, end: number): string {
  let out = '';
  let units: number[] = [];
  while (i < end) {
    let cp = b[i++]!;
    if (cp >= 0x80) {
      const n = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : 1;
      const min = n === 3 ? 0x10000 : n === 2 ? 0x800 : 0x80;
      if (cp < 0xc2 || cp > 0xf4 || i + n > end) fail('invalid_utf8', i - 1);
      cp &= 0x3f >> n;
      for (let k = 0; k < n; k++) {
        const c = b[i++]!;
        if ((c & 0xc0) !== 0x80) fail('invalid_utf8', i - 1);
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail('invalid_utf8', i - 1);
      if (cp > 0xffff) {
        cp -= 0x10000;
        units.push(0xd800 | (cp >> 10));
        cp = 0xdc00 | (cp & 0x3ff);
      }
    }
    units.push(cp);
    if (units.length > 1023) {
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

/** In an indefinite-length item: true when another element follows, false (and consumed) at the break. */
const more = (): boolean => (B[take(1)] === 0xff ? false : (P--, true));

function item(depth: number): unknown {
  const start = take(1);
  const major = B[start]! >> 5;
  const ai = B[start]! & 0x1f;
  if (major > 3 && major < 7 && depth >= MAX_DEPTH) fail('too_deep', start);
  if (major < 2) {
    const n = arg(ai);
    if (n === -1) return fail('reserved', start);
    if (major === 0) return n;
    return typeof n === 'number' ? (n < MAX_SAFE ? -1 - n : big(-1) - big(n)) : big(-1) - n;
  }
  if (major < 4) {
    const n = length(ai, 1);
    let bytes: Uint8Array;
    if (n >= 0) {
      P += n;
      if (major === 3) return utf8Decode(B, P - n, P);
      return new Uint8Array(B.subarray(P - n, P)); // a plain copy even when the input is a Node Buffer
    }
    // Indefinite string: definite chunks of the same major type, then break.
    const parts: Uint8Array[] = [];
    let total = 0;
    while (more()) {
      const cb = B[take(1)]!;
      if (cb >> 5 !== major || (cb & 0x1f) === 31) fail('bad_chunk', P - 1);
      const len = length(cb & 0x1f, 1);
      parts.push(B.subarray(P, (P += len)));
      total += len;
    }
    bytes = new Uint8Array(total);
    total = 0;
    for (let i = 0; i < parts.length; i++) bytes.set(parts[i]!, total), (total += parts[i]!.length);
    return major === 3 ? utf8Decode(bytes, 0, total) : bytes;
  }
  if (major === 4) {
    const n = length(ai, 1);
    const a: unknown[] = [];
    for (let i = 0; n < 0 ? more() : i < n; i++) a.push(item(depth + 1));
    return a;
  }
  if (major === 5) {
    const n = length(ai, 2);
    const m = new Map<unknown, unknown>();
    for (let i = 0; n < 0 ? more() : i < n; i++) {
      const at = P;
      const k = item(depth + 1);
      if (m.has(k)) fail('duplicate_key', at);
      m.set(k, item(depth + 1));
    }
    return m;
  }
  if (major === 6) {
    const tag = arg(ai);
    if (tag === -1) return fail('reserved', start);
    const value = item(depth + 1);
    return (tag === 2 || tag === 3) && value instanceof Uint8Array ? bytesToInt(value, tag === 3) : new CborTag(tag, value);
  }
  // major 7
  if (ai < 20) return new CborSimple(ai);
  if (ai < 24) return ai === 20 ? false : ai === 21 ? true : ai === 22 ? null : undefined;
  if (ai === 24) {
    const v = B[take(1)]!;
    return v < 32 ? fail('invalid_simple', start) : new CborSimple(v);
  }
  if (ai === 25) return half(V.getUint16(take(2)));
  if (ai === 26) return V.getFloat32(take(4));
  if (ai === 27) return V.getFloat64(take(8));
  return fail(ai === 31 ? 'unexpected_break' : 'reserved', start);
}

/** Decodes exactly one CBOR item that must span all of `bytes`. Throws CborError on anything else. */
export function decodeCbor(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) fail('bad_input', 'decodeCbor: not a Uint8Array');
  B = bytes;
  V = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  P = 0;
  try {
    const value = item(0);
    if (P !== bytes.length) fail('trailing_bytes', P);
    return value;
  } finally {
    B = new Uint8Array(0); // do not keep the caller's buffer alive
  }
}

// ------------------------------------------------------------------------------------------------ encode

// Encoder state, module-level for the same reason; encodeInto saves and restores it around nested use.
let W: Uint8Array = new Uint8Array(0);
let WV: DataView = new DataView(W.buffer);
let WP = 0;
const F32 = new DataView(new ArrayBuffer(4));

function room(n: number): void {
  if (WP + n <= W.length) return;
  let size = W.length * 2;
  while (size < WP + n) size *= 2;
  const b = new Uint8Array(size);
  b.set(W.subarray(0, WP));
  W = b;
  WV = new DataView(b.buffer);
}

function bytes(src: Uint8Array): void {
  room(src.length);
  W.set(src, WP);
  WP += src.length;
}

/** Writes a head with the shortest argument; `n` is a non-negative integer number below 2^64. */
function head(major: number, n: number): void {
  room(9);
  const m = major << 5;
  if (n < 24) W[WP++] = m | n;
  else if (n < 0x100) (W[WP++] = m | 24), (W[WP++] = n);
  else if (n < 0x10000) (W[WP++] = m | 25), WV.setUint16(WP, n), (WP += 2);
  else if (n < TWO32) (W[WP++] = m | 26), WV.setUint32(WP, n), (WP += 4);
  else (W[WP++] = m | 27), WV.setUint32(WP, Math.floor(n / TWO32)), WV.setUint32(WP + 4, n >>> 0), (WP += 8);
}

function bigHead(major: number, n: bigint): void {
  if (n <= big(MAX_SAFE)) return head(major, Number(n));
  room(9);
  W[WP++] = (major << 5) | 27;
  WV.setUint32(WP, Number(n >> big(32)));
  WV.setUint32(WP + 4, Number(n & big(0xffffffff)));
  WP += 8;
}

function encodeBigint(n: bigint): void {
  const neg = n < big(0);
  const mag = neg ? big(-1) - n : n;
  if (mag < big(2) ** big(64)) return bigHead(neg ? 1 : 0, mag);
  let hex = mag.toString(16);
  if (hex.length & 1) hex = '0' + hex;
  head(6, neg ? 3 : 2);
  head(2, hex.length / 2);
  room(hex.length / 2);
  for (let i = 0; i < hex.length; i += 2) W[WP++] = parseInt(hex.substr(i, 2), 16);
}

/** Half-precision bits of `x` when it is exactly representable, else -1. `x` is finite, non-NaN. */
function halfBits(x: number): number {
  if (Math.fround(x) !== x) return -1;
  F32.setFloat32(0, x);
  const bits = F32.getUint32(0);
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

function encodeFloat(x: number): void {
  room(9);
  const h = x !== x ? 0x7e00 : x === Infinity ? 0x7c00 : x === -Infinity ? 0xfc00 : halfBits(x);
  if (h >= 0) (W[WP++] = 0xf9), WV.setUint16(WP, h), (WP += 2);
  else if (Math.fround(x) === x) (W[WP++] = 0xfa), WV.setFloat32(WP, x), (WP += 4);
  else (W[WP++] = 0xfb), WV.setFloat64(WP, x), (WP += 8);
}

function utf8Encode(s: string): void {
  // Reserve the head for the worst case (3 bytes per UTF-16 unit), then write the real head and slide down.
  const max = s.length * 3;
  const hs = max < 24 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
  room(hs + max + 9);
  const start = WP;
  const b = W;
  let p = start + hs;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) b[p++] = c;
    else if (c < 0x800) (b[p++] = 0xc0 | (c >> 6)), (b[p++] = 0x80 | (c & 0x3f));
    else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = s.charCodeAt(i + 1);
        if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) fail('invalid_utf8', `string index ${i}`);
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
  head(3, len);
  if (WP !== start + hs) b.copyWithin(WP, start + hs, p);
  WP += len;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const isUint = (k: unknown): k is number => typeof k === 'number' && k >= 0 && k <= MAX_SAFE && Math.floor(k) === k && 1 / k > 0;

function encodeMap(entries: [unknown, unknown][], depth: number): void {
  // Fast path for the protocol's maps: unsigned integer keys sort bytewise in numeric order.
  let keyed: [unknown, unknown][] | [Uint8Array, unknown][] = entries;
  let uints = true;
  for (let i = 0; i < entries.length; i++) uints = uints && isUint(entries[i]![0]);
  if (uints) entries.sort((x, y) => (x[0] as number) - (y[0] as number));
  else {
    const encoded = entries.map(([k, v]) => [encodeInto(k, depth + 1), v] as [Uint8Array, unknown]);
    keyed = encoded.sort((x, y) => compareBytes(x[0], y[0]));
  }
  head(5, keyed.length);
  for (let i = 0; i < keyed.length; i++) {
    const k = keyed[i]![0];
    if (i > 0 && (uints ? keyed[i - 1]![0] === k : compareBytes(keyed[i - 1]![0] as Uint8Array, k as Uint8Array) === 0)) fail('duplicate_key', 'encode');
    if (uints) head(0, k as number);
    else bytes(k as Uint8Array);
    value(keyed[i]![1], depth + 1);
  }
}

function value(x: unknown, depth: number): void {
  if (depth > MAX_DEPTH) fail('too_deep', 'encode');
  switch (typeof x) {
    case 'number':
      if (Number.isInteger(x) && Math.abs(x) <= MAX_SAFE && !(x === 0 && 1 / x < 0)) return x >= 0 ? head(0, x) : head(1, -1 - x);
      return encodeFloat(x);
    case 'bigint':
      return encodeBigint(x);
    case 'string':
      return utf8Encode(x);
    case 'boolean':
      return head(7, x ? 21 : 20);
    case 'undefined':
      return head(7, 23);
    case 'object':
      if (x === null) return head(7, 22);
      if (x instanceof Uint8Array) return head(2, x.length), bytes(x);
      if (Array.isArray(x)) {
        head(4, x.length);
        for (let i = 0; i < x.length; i++) value(x[i], depth + 1);
        return;
      }
      if (x instanceof Map) return encodeMap(Array.from(x.entries()), depth);
      if (x instanceof CborTag) {
        if (typeof x.tag === 'bigint') bigHead(6, x.tag);
        else if (isUint(x.tag)) head(6, x.tag);
        else fail('unsupported', `tag ${x.tag}`);
        return value(x.value, depth + 1);
      }
      if (x instanceof CborSimple) {
        const s = x.value;
        if (!(Number.isInteger(s) && ((s >= 0 && s < 20) || (s >= 32 && s < 256)))) fail('unsupported', `simple ${s}`);
        if (s < 20) return head(7, s);
        return room(2), (W[WP++] = 0xf8), (W[WP++] = s), undefined;
      }
      if (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null) return encodeMap(Object.entries(x), depth);
  }
  fail('unsupported', typeof x);
}

function encodeInto(x: unknown, depth: number): Uint8Array {
  const saved = [W, WV, WP] as const;
  W = new Uint8Array(256);
  WV = new DataView(W.buffer);
  WP = 0;
  try {
    value(x, depth);
    return W.slice(0, WP);
  } finally {
    [W, WV, WP] = saved;
  }
}

/** Deterministic encoding of `x` (RFC 8949 §4.2.1). Throws CborError for values CBOR cannot carry. */
export function encodeCbor(x: unknown): Uint8Array {
  return encodeInto(x, 0);
}
