/**
 * Simulated NOR flash with the semantics of the real part and a power-cut model.
 *
 * - Erase sets a whole block to 0xFF. A write can only clear bits: the stored byte becomes old & new
 *   (writing a 1 over a 0 leaves the 0; the attempt is counted in `stats.bitsNotSet`).
 * - Writes must start at a multiple of `writeAlign` and have a length that is a multiple of it; reads and
 *   writes must stay inside the region. Violations throw FlashError (the firmware has a bug).
 * - Every erase/write is an operation with an index (0, 1, 2, ...). A recorder (`onOp`) sees each one, which
 *   lets the power-cut test replay a run up to any operation.
 * - Power cut: `armCut({opIndex, byte})` makes operation `opIndex` stop at `byte`: a write leaves bytes
 *   [0, byte) programmed, the byte at the cut half-programmed (a random subset of its bits cleared) and the
 *   rest untouched; an erase leaves [0, byte) of the block erased, the byte at the cut half-erased and the
 *   rest as it was. The cut handler runs (the device loses power) and the operation throws PowerCutError.
 */
import type { Flash } from '../../firmware/src/ports/ports.ts';
import { FLASH_BLOCK_SIZE, REQUIRED_FLASH_BLOCKS } from '../../firmware/src/flash-layout.ts';
import { Prng } from './prng.ts';

export interface FlashGeometry {
  blockSize: number;
  blockCount: number;
  writeAlign: number;
}

/** nRF52-class internal flash: 4 KiB pages, 32-bit word writes; as many blocks as the firmware's layout needs. */
export const DEFAULT_FLASH: FlashGeometry = { blockSize: FLASH_BLOCK_SIZE, blockCount: REQUIRED_FLASH_BLOCKS, writeAlign: 4 };

export type FlashOp = { kind: 'write'; offset: number; data: Uint8Array } | { kind: 'erase'; block: number };

export class FlashError extends Error {
  constructor(
    readonly code: 'unaligned' | 'out_of_range' | 'bad_block',
    message: string,
  ) {
    super(message);
    this.name = 'FlashError';
  }
}

export class PowerCutError extends Error {
  constructor(readonly opIndex: number) {
    super(`power cut during flash operation ${opIndex}`);
    this.name = 'PowerCutError';
  }
}

export interface CutPoint {
  opIndex: number;
  /**
   * Byte within the write (0..length) or the erased block (0..blockSize) where power fails; a negative
   * value picks a random byte of the operation (from `seed`).
   */
  byte: number;
  /** Seed for the half-programmed byte; defaults to opIndex. */
  seed?: number;
}

export interface FlashStats {
  reads: number;
  bytesRead: number;
  writes: number;
  bytesWritten: number;
  erases: number;
  bitsNotSet: number;
  /** Erase count per block (wear). */
  eraseCounts: number[];
}

export class SimFlash {
  readonly bytes: Uint8Array;
  opCount = 0;
  onOp: ((op: FlashOp, index: number) => void) | undefined;
  readonly stats: FlashStats;
  private cut: { point: CutPoint; onCut: () => void } | undefined;

  constructor(
    readonly geometry: FlashGeometry = DEFAULT_FLASH,
    initial?: Uint8Array,
  ) {
    const size = geometry.blockSize * geometry.blockCount;
    if (geometry.blockSize % geometry.writeAlign !== 0) throw new FlashError('unaligned', 'blockSize must be a multiple of writeAlign');
    this.bytes = new Uint8Array(size);
    if (initial) {
      if (initial.length !== size) throw new FlashError('out_of_range', `image is ${initial.length} bytes, flash is ${size}`);
      this.bytes.set(initial);
    } else this.bytes.fill(0xff);
    this.stats = { reads: 0, bytesRead: 0, writes: 0, bytesWritten: 0, erases: 0, bitsNotSet: 0, eraseCounts: new Array(geometry.blockCount).fill(0) };
  }

  get size(): number {
    return this.bytes.length;
  }

  clone(): SimFlash {
    const copy = new SimFlash(this.geometry, this.bytes);
    copy.opCount = this.opCount;
    return copy;
  }

  /** Bytes in blocks that are not entirely erased (a rough "used" figure independent of the log format). */
  bytesNotErased(): number {
    let used = 0;
    const { blockSize, blockCount } = this.geometry;
    for (let b = 0; b < blockCount; b++) {
      const block = this.bytes.subarray(b * blockSize, (b + 1) * blockSize);
      let last = -1;
      for (let i = blockSize - 1; i >= 0; i--) {
        if (block[i] !== 0xff) {
          last = i;
          break;
        }
      }
      used += last + 1;
    }
    return used;
  }

  armCut(point: CutPoint, onCut: () => void): void {
    this.cut = { point, onCut };
  }

  disarmCut(): void {
    this.cut = undefined;
  }

  read(offset: number, length: number): Uint8Array {
    this.checkRange(offset, length);
    this.stats.reads++;
    this.stats.bytesRead += length;
    return this.bytes.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    const { writeAlign } = this.geometry;
    if (offset % writeAlign !== 0 || data.length % writeAlign !== 0) {
      throw new FlashError('unaligned', `write of ${data.length} bytes at ${offset} is not aligned to ${writeAlign}`);
    }
    this.checkRange(offset, data.length);
    this.apply({ kind: 'write', offset, data: data.slice() });
  }

  eraseBlock(block: number): void {
    if (!Number.isInteger(block) || block < 0 || block >= this.geometry.blockCount) {
      throw new FlashError('bad_block', `erase of block ${block}; the region has ${this.geometry.blockCount}`);
    }
    this.apply({ kind: 'erase', block });
  }

  /**
   * Apply one operation, completely or (with `cutByte`) up to a byte. Used by `write`/`eraseBlock` and by
   * the power-cut replay, which feeds recorded operations back without the recorder or the cut handler.
   */
  applyOp(op: FlashOp, cutByte?: number, seed = 0): void {
    const bytes = this.bytes;
    if (op.kind === 'write') {
      const end = cutByte === undefined ? op.data.length : Math.min(cutByte, op.data.length);
      for (let i = 0; i < end; i++) {
        const old = bytes[op.offset + i];
        const next = old & op.data[i];
        if ((op.data[i] & ~old & 0xff) !== 0) this.stats.bitsNotSet++;
        bytes[op.offset + i] = next;
      }
      if (cutByte !== undefined && end < op.data.length) {
        const mask = new Prng(seed).nextU32() & 0xff;
        bytes[op.offset + end] = bytes[op.offset + end] & (op.data[end] | mask);
      }
      this.stats.writes++;
      this.stats.bytesWritten += end;
    } else {
      const { blockSize } = this.geometry;
      const start = op.block * blockSize;
      const end = cutByte === undefined ? blockSize : Math.min(cutByte, blockSize);
      bytes.fill(0xff, start, start + end);
      if (cutByte !== undefined && end < blockSize) {
        const mask = new Prng(seed).nextU32() & 0xff;
        bytes[start + end] = bytes[start + end] | mask;
      }
      this.stats.erases++;
      this.stats.eraseCounts[op.block]++;
    }
  }

  /** Flash port for one boot of the firmware; `guard` throws once that boot has lost power. */
  port(guard: () => void): Flash {
    const { blockSize, blockCount, writeAlign } = this.geometry;
    return {
      blockSize,
      blockCount,
      writeAlign,
      read: (offset, length) => {
        guard();
        return this.read(offset, length);
      },
      write: (offset, data) => {
        guard();
        this.write(offset, data);
      },
      eraseBlock: (block) => {
        guard();
        this.eraseBlock(block);
      },
    };
  }

  private apply(op: FlashOp): void {
    const index = this.opCount++;
    const cut = this.cut;
    if (cut && cut.point.opIndex === index) {
      this.cut = undefined;
      const seed = cut.point.seed ?? index;
      const length = op.kind === 'write' ? op.data.length : this.geometry.blockSize;
      const byte = cut.point.byte >= 0 ? cut.point.byte : new Prng(seed ^ 0x5bd1e995).int(0, Math.max(0, length - 1));
      this.applyOp(op, byte, seed);
      this.onOp?.(op, index);
      cut.onCut();
      throw new PowerCutError(index);
    }
    this.applyOp(op);
    this.onOp?.(op, index);
  }

  private checkRange(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new FlashError('out_of_range', `access ${offset}+${length} outside the ${this.bytes.length}-byte region`);
    }
  }
}
