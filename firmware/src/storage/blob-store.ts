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
import { getLE, putLE, seal, sealed } from '../log/crc32.ts';
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
    const blockSize = this.flash_.blockSize;
    const size = this.padded_(HEAD + payload.length + 4);
    if (size > blockSize) throw new RangeError(`value of ${payload.length} bytes does not fit a flash block`);
    const rec = new Uint8Array(size);
    putLE(rec, 0, MAGIC + payload.length * 0x10000); // magic u16, length u16
    putLE(rec, 4, this.gen_ + 1);
    rec.set(payload, HEAD);
    seal(rec, size - 4);
    if (this.active_ < 0 || this.offset_ + size > blockSize) {
      this.active_ = this.active_ === 0 ? 1 : 0;
      this.flash_.eraseBlock(this.first_ + this.active_);
      this.offset_ = 0;
    }
    this.flash_.write((this.first_ + this.active_) * blockSize + this.offset_, rec);
    this.offset_ += size;
    this.gen_++;
    this.value_ = text;
  }

  private padded_(n: number): number {
    return Math.ceil(n / this.flash_.writeAlign) * this.flash_.writeAlign;
  }

  private load_(): void {
    this.loaded_ = true;
    const blockSize = this.flash_.blockSize;
    for (let b = 0; b < 2; b++) {
      const buf = this.flash_.read((this.first_ + b) * blockSize, blockSize);
      let lastNonErased = buf.length - 1;
      while (lastNonErased >= 0 && buf[lastNonErased] === 0xff) lastNonErased--;
      // writing continues after the last programmed word of the block holding the newest record
      const end = this.padded_(lastNonErased + 1);
      let off = 0;
      while (off + HEAD + 4 <= buf.length && off <= lastNonErased) {
        const len = getLE(buf, off + 2, 2);
        const size = this.padded_(HEAD + len + 4);
        if (getLE(buf, off, 2) === MAGIC && off + size <= buf.length && sealed(buf, off, off + size - 4)) {
          const gen = getLE(buf, off + 4);
          if (gen > this.gen_) {
            this.gen_ = gen;
            this.active_ = b;
            this.offset_ = end;
            this.value_ = utf8Decode(buf.subarray(off + HEAD, off + HEAD + len));
          }
          off += size;
        } else {
          off += this.flash_.writeAlign;
        }
      }
    }
  }
}
