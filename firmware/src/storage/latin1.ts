/**
 * Bytes as text with one character per byte (U+0000..U+00FF), and back: the AT engine's lines, and the
 * config's CBOR in the text-valued blob store (its UTF-8 carries such text unchanged).
 */

/** The first `end` bytes as a string, one character per byte. */
export function latin1(bytes: Uint8Array, end = bytes.length): string {
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** One byte per character (its low 8 bits). */
export function latin1ToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
