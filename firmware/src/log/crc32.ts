/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the same as zlib's crc32. A 16-entry nibble table
 * keeps RAM at 64 bytes instead of 1 KiB for the byte table; the log checks at most a few KiB per call.
 * Also the little-endian field helpers of the flash records (event log, blob store), which end in their crc32.
 */
const NIBBLE_TABLE = new Uint32Array(16);
for (let n = 0; n < 16; n++) {
  let c = n;
  for (let k = 0; k < 4; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  NIBBLE_TABLE[n] = c >>> 0;
}

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c ^= bytes[i];
    c = (c >>> 4) ^ NIBBLE_TABLE[c & 15];
    c = (c >>> 4) ^ NIBBLE_TABLE[c & 15];
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Unsigned little-endian field of `n` bytes at `at` (callers keep it inside the buffer). */
export function getLE(b: Uint8Array, at: number, n = 4): number {
  let v = 0;
  while (n--) v = v * 256 + b[at + n];
  return v;
}

/** Stores `v` modulo 2^(8n) little-endian, as DataView's setUint32/setInt32/setUint16 would. */
export function putLE(b: Uint8Array, at: number, v: number, n = 4): void {
  for (let i = 0; i < n; i++) b[at + i] = v >>> (8 * i);
}

/** Writes the crc32 of `b[start, end)` at `end` (the last field of every record). */
export function seal(b: Uint8Array, end: number, start = 0): void {
  putLE(b, end, crc32(b, start, end));
}

/** Whether `b[start, end)` is followed by its crc32. */
export function sealed(b: Uint8Array, start: number, end: number): boolean {
  return getLE(b, end) === crc32(b, start, end);
}
