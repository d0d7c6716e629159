import { describe, expect, it } from 'vitest';
import { FlashError, PowerCutError, SimFlash, type FlashOp } from '../src/sim-flash.ts';

const geometry = { blockSize: 256, blockCount: 4, writeAlign: 4 };

describe('SimFlash', () => {
  it('starts erased, erases to 0xFF and writes only clear bits', () => {
    const flash = new SimFlash(geometry);
    expect([...flash.read(0, 8)]).toEqual(new Array(8).fill(0xff));
    flash.write(0, new Uint8Array([0xf0, 0x0f, 0xaa, 0x55]));
    flash.write(0, new Uint8Array([0xcc, 0xcc, 0xff, 0x00]));
    expect([...flash.read(0, 4)]).toEqual([0xf0 & 0xcc, 0x0f & 0xcc, 0xaa, 0x00]);
    expect(flash.stats.bitsNotSet).toBeGreaterThan(0);
    flash.eraseBlock(0);
    expect([...flash.read(0, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(flash.stats.eraseCounts).toEqual([1, 0, 0, 0]);
  });

  it('rejects unaligned and out-of-range access with typed errors and changes nothing', () => {
    const flash = new SimFlash(geometry);
    const before = flash.bytes.slice();
    const codes: string[] = [];
    for (const attempt of [
      () => flash.write(2, new Uint8Array(4)),
      () => flash.write(0, new Uint8Array(3)),
      () => flash.write(1020, new Uint8Array(8)),
      () => flash.read(1020, 8),
      () => flash.eraseBlock(4),
      () => flash.eraseBlock(-1),
    ]) {
      try {
        attempt();
      } catch (error) {
        expect(error).toBeInstanceOf(FlashError);
        codes.push((error as FlashError).code);
      }
    }
    expect(codes).toEqual(['unaligned', 'unaligned', 'out_of_range', 'out_of_range', 'bad_block', 'bad_block']);
    expect(flash.bytes).toEqual(before);
    expect(flash.opCount).toBe(0);
  });

  it('records every operation for replay', () => {
    const flash = new SimFlash(geometry);
    const ops: FlashOp[] = [];
    flash.onOp = (op) => ops.push(op);
    flash.write(8, new Uint8Array([1, 2, 3, 4]));
    flash.eraseBlock(1);
    flash.write(256, new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]));
    const replay = new SimFlash(geometry);
    for (const op of ops) replay.applyOp(op);
    expect(replay.bytes).toEqual(flash.bytes);
    expect(flash.opCount).toBe(3);
  });

  it('a cut during a write leaves a prefix, a half-programmed byte and the rest untouched', () => {
    for (let byte = 0; byte <= 8; byte++) {
      const flash = new SimFlash(geometry);
      let cut = false;
      flash.write(0, new Uint8Array([0x11, 0x22, 0x33, 0x44]));
      flash.armCut({ opIndex: 1, byte, seed: 7 }, () => {
        cut = true;
      });
      const data = new Uint8Array([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
      expect(() => flash.write(8, data)).toThrow(PowerCutError);
      expect(cut).toBe(true);
      const stored = flash.read(8, 8);
      for (let i = 0; i < 8; i++) {
        if (i < byte) expect(stored[i]).toBe(data[i]);
        else if (i === byte) {
          // Half-programmed: some bits of the target cleared, never a bit set that erased flash lacks.
          expect(stored[i] & data[i]).toBe(data[i]);
        } else expect(stored[i]).toBe(0xff);
      }
      expect([...flash.read(0, 4)]).toEqual([0x11, 0x22, 0x33, 0x44]);
      // Only one cut per arming: the next write completes.
      flash.write(16, new Uint8Array([0, 0, 0, 0]));
      expect([...flash.read(16, 4)]).toEqual([0, 0, 0, 0]);
    }
  });

  it('a cut during an erase leaves the block partly erased', () => {
    const flash = new SimFlash(geometry);
    flash.write(256, new Uint8Array(256).fill(0));
    flash.write(512, new Uint8Array(256).fill(0x5a));
    flash.armCut({ opIndex: flash.opCount, byte: 100 }, () => undefined);
    expect(() => flash.eraseBlock(1)).toThrow(PowerCutError);
    const block = flash.read(256, 256);
    expect([...block.subarray(0, 100)].every((b) => b === 0xff)).toBe(true);
    expect([...block.subarray(101)].every((b) => b === 0)).toBe(true);
    expect([...flash.read(512, 256)].every((b) => b === 0x5a)).toBe(true);
  });

  it('a negative cut byte picks a reproducible random byte inside the operation', () => {
    const results = [1, 2].map(() => {
      const flash = new SimFlash(geometry);
      flash.armCut({ opIndex: 0, byte: -1, seed: 42 }, () => undefined);
      expect(() => flash.write(0, new Uint8Array(64).fill(0))).toThrow(PowerCutError);
      return flash.bytes.slice(0, 64);
    });
    expect(results[0]).toEqual(results[1]);
    const programmed = results[0].findIndex((b) => b !== 0);
    expect(programmed).toBeGreaterThanOrEqual(0);
    expect(programmed).toBeLessThan(64);
  });

  it('the per-boot port stops working once its guard says the power is gone', () => {
    const flash = new SimFlash(geometry);
    let alive = true;
    const port = flash.port(() => {
      if (!alive) throw new Error('no power');
    });
    port.write(0, new Uint8Array(4).fill(0));
    alive = false;
    expect(() => port.write(4, new Uint8Array(4).fill(0))).toThrow('no power');
    expect(() => port.eraseBlock(0)).toThrow('no power');
    expect([...flash.read(4, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
  });
});
