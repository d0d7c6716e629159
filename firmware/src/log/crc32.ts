/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the same as zlib's crc32. A 16-entry nibble table
 * keeps RAM at 64 bytes instead of 1 KiB for the byte table; the log checks at most a few KiB per call.
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
