/**
 * BlobStore: one small value (a string) that survives power cuts, in a pair of erase blocks.
 *
 * Inputs: write(text). Outputs: read() -> the last completely written text, or undefined.
 * States: each block erased | holding records; the record with the highest generation wins.
 *
 * Records are appended (magic u16, length u16, gen u32, UTF-8 payload, pad, crc32). When the active block
 * is full the other block is erased and the new record goes there, so the previous value stays readable
 * until the new one is complete: a power cut loses at most the value being written.
 */
import type { Flash } from '../ports/ports.ts';
import { crc32 } from '../log/crc32.ts';
import { utf8Decode, utf8Encode } from './utf8.ts';

const MAGIC = 0xb10b;
const HEAD = 8;

export class BlobStore {
  private readonly flash_: Flash;
  private readonly first_: number;
  private gen_ = 0;
  private active_ = -1; // block (0 or 1) holding the newest record
  private offset_ = 0; // next free byte in the active block
  private value_: string | undefined;
  private loaded_ = false;

  constructor(flash: Flash, firstBlock: number) {
    this.flash_ = flash;
    this.first_ = firstBlock;
  }

  read(): string | undefined {
    if (!this.loaded_) this.load_();
    return this.value_;
  }

  write(text: string): void {
    if (!this.loaded_) this.load_();
    const payload = utf8Encode(text);
    const size = Math.ceil((HEAD + payload.length + 4) / this.flash_.writeAlign) * this.flash_.writeAlign;
    if (size > this.flash_.blockSize) throw new RangeError(`value of ${payload.length} bytes does not fit a flash block`);
    const rec = new Uint8Array(size);
    const dv = new DataView(rec.buffer);
    dv.setUint16(0, MAGIC, true);
    dv.setUint16(2, payload.length, true);
    dv.setUint32(4, this.gen_ + 1, true);
    rec.set(payload, HEAD);
    dv.setUint32(size - 4, crc32(rec, 0, size - 4), true);
    if (this.active_ < 0 || this.offset_ + size > this.flash_.blockSize) {
      this.active_ = this.active_ === 0 ? 1 : 0;
      this.flash_.eraseBlock(this.first_ + this.active_);
      this.offset_ = 0;
    }
    this.flash_.write((this.first_ + this.active_) * this.flash_.blockSize + this.offset_, rec);
    this.offset_ += size;
    this.gen_++;
    this.value_ = text;
  }

  private load_(): void {
    this.loaded_ = true;
    const ends = [0, 0];
    for (let b = 0; b < 2; b++) {
      const buf = this.flash_.read((this.first_ + b) * this.flash_.blockSize, this.flash_.blockSize);
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      let off = 0;
      let lastNonErased = -1;
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf[i] !== 0xff) {
          lastNonErased = i;
          break;
        }
      }
      const align = this.flash_.writeAlign;
      ends[b] = Math.ceil((lastNonErased + 1) / align) * align;
      while (off + HEAD + 4 <= buf.length && off <= lastNonErased) {
        const len = dv.getUint16(off + 2, true);
        const size = Math.ceil((HEAD + len + 4) / align) * align;
        if (dv.getUint16(off, true) === MAGIC && off + size <= buf.length && dv.getUint32(off + size - 4, true) === crc32(buf, off, off + size - 4)) {
          const gen = dv.getUint32(off + 4, true);
          if (gen > this.gen_) {
            this.gen_ = gen;
            this.active_ = b;
            this.value_ = utf8Decode(buf.subarray(off + HEAD, off + HEAD + len));
          }
          off += size;
        } else {
          off += align;
        }
      }
    }
    if (this.active_ >= 0) this.offset_ = ends[this.active_];
  }
}
