import { describe, expect, it } from 'vitest';
import { batchGaps, contiguousAck } from '../src/ack.ts';
import type { DeviceEvent } from '../src/messages.ts';

const ev = (seq: number): DeviceEvent => ({ seq, boot: 1, uptimeS: seq, kind: 1, args: [5] });

describe('ack arithmetic', () => {
  it('finds the seqs a batch shows as dropped', () => {
    expect(batchGaps([ev(500), ev(501), ev(504), ev(505), ev(510)])).toEqual([
      { from: 502, to: 503 },
      { from: 506, to: 509 },
    ]);
    expect(batchGaps([])).toEqual([]);
  });

  it('acks past a gap the device dropped, so its log does not stall', () => {
    const events = [ev(500), ev(501), ev(504)];
    const held = new Set(events.map((e) => e.seq));
    const lost = batchGaps(events);
    const accounted = (s: number) => held.has(s) || lost.some((g) => s >= g.from && s <= g.to);
    expect(contiguousAck(500, 0, accounted)).toBe(504);
    expect(contiguousAck(500, 0, (s) => held.has(s))).toBe(501); // gaps not counted: stuck below the gap
  });

  it('does not treat a batch still in flight as lost', () => {
    // Batch 2 of a session (events 510..512) committed before batch 1 (500..509): tail is still 500.
    const held = new Set([510, 511, 512]);
    expect(contiguousAck(500, 499, (s) => held.has(s))).toBe(499);
    for (let s = 500; s < 510; s++) held.add(s);
    expect(contiguousAck(500, 499, (s) => held.has(s))).toBe(512);
  });

  it('never goes below the previous ack or logTailSeq - 1', () => {
    expect(contiguousAck(1, 0, () => false)).toBe(0);
    expect(contiguousAck(900, 10, () => false)).toBe(899);
    expect(contiguousAck(5, 40, () => false)).toBe(40);
    expect(contiguousAck(0xffffffff, 0, () => true)).toBe(0xffffffff);
  });
});
