/** UTF-8 without TextEncoder/TextDecoder (not ECMAScript built-ins; absent in QuickJS and Espruino). */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    // n continuation bytes; the lead byte's high bits are n + 1 ones (the Uint8Array keeps the low 8 bits)
    let n = c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
    out.push((0xff << (7 - n)) | (c >> (6 * n)));
    while (n--) out.push(0x80 | ((c >> (6 * n)) & 63));
  }
  return new Uint8Array(out);
}

export function utf8Decode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i++];
    let n = b < 0x80 ? 0 : b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
    // the lead byte's payload: 7 bits alone, else 6 - n bits after its n + 1 high ones
    let c = b & (0x7f >> (n && n + 1));
    while (n--) c = (c << 6) | (bytes[i++] & 63);
    if (c >= 0x10000) {
      c -= 0x10000;
      s += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
    } else s += String.fromCharCode(c);
  }
  return s;
}
