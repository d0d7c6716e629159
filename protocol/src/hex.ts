/**
 * Lowercase hex of bytes, and back. ECMAScript only, loops rather than Array.from/padStart, so the firmware
 * (and its Espruino build) can use it as well as the cloud.
 */

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

/** Pairs of hex digits to bytes; callers check the text first (a trailing odd digit is ignored). */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}
