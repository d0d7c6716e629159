import { describe, expect, it } from 'vitest';
import { VirtualTime } from '../src/virtual-time.ts';

describe('VirtualTime', () => {
  it('runs events in time order and FIFO for equal times', async () => {
    const vt = new VirtualTime();
    const seen: string[] = [];
    vt.at(50, () => seen.push('b50'));
    vt.at(10, () => seen.push('a10'));
    vt.at(50, () => seen.push('c50'));
    vt.after(50, () => seen.push('d50'));
    vt.at(0, () => seen.push('z0'));
    await vt.run(100);
    expect(seen).toEqual(['z0', 'a10', 'b50', 'c50', 'd50']);
    expect(vt.now()).toBe(100);
  });

  it('stops at untilMs and keeps later events for the next run', async () => {
    const vt = new VirtualTime();
    const seen: number[] = [];
    vt.at(30, () => seen.push(vt.now()));
    vt.at(31, () => seen.push(vt.now()));
    await vt.run(30);
    expect(seen).toEqual([30]);
    expect(vt.pending()).toBe(1);
    expect(vt.nextTime()).toBe(31);
    await vt.run(40);
    expect(seen).toEqual([30, 31]);
  });

  it('cancels events and clamps past times to now', async () => {
    const vt = new VirtualTime();
    const seen: string[] = [];
    const h = vt.at(10, () => seen.push('cancelled'));
    vt.at(20, () => {
      vt.at(5, () => seen.push(`late@${vt.now()}`));
      seen.push('twenty');
    });
    vt.cancel(h);
    await vt.run(100);
    expect(seen).toEqual(['twenty', 'late@20']);
  });

  it('events scheduled by a callback for the same instant run after the ones already queued', async () => {
    const vt = new VirtualTime();
    const seen: string[] = [];
    vt.at(10, () => {
      seen.push('first');
      vt.after(0, () => seen.push('spawned'));
    });
    vt.at(10, () => seen.push('second'));
    await vt.run(10);
    expect(seen).toEqual(['first', 'second', 'spawned']);
  });

  it('hold() stops time until the promise settles; its reaction runs at now + delay', async () => {
    const vt = new VirtualTime();
    const seen: string[] = [];
    let release!: () => void;
    vt.at(100, () => {
      const io = new Promise<void>((resolve) => {
        release = resolve;
      });
      vt.hold(io.then(() => vt.after(7, () => seen.push(`reply@${vt.now()}`))));
      seen.push('sent@100');
    });
    vt.at(100, () => seen.push('same-instant@100'));
    vt.at(105, () => seen.push('other@105'));
    const running = vt.run(1000);
    // The real I/O completes later in real time; virtual time must not have moved past 100.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(vt.now()).toBe(100);
    expect(seen).toEqual(['sent@100']);
    expect(vt.isHeld()).toBe(true);
    release();
    await running;
    expect(seen).toEqual(['sent@100', 'same-instant@100', 'other@105', 'reply@107']);
    expect(vt.isHeld()).toBe(false);
  });

  it('a rejected held promise does not abort the run', async () => {
    const vt = new VirtualTime();
    const seen: number[] = [];
    vt.at(1, () => vt.hold(Promise.reject(new Error('broker gone'))));
    vt.at(2, () => seen.push(2));
    await vt.run(5);
    expect(seen).toEqual([2]);
  });

  it('is not re-entrant and rejects bad times', async () => {
    const vt = new VirtualTime();
    expect(() => vt.at(Number.NaN, () => undefined)).toThrow(RangeError);
    let inner: Promise<void> | undefined;
    vt.at(1, () => {
      inner = vt.run(10);
    });
    await vt.run(5);
    await expect(inner).rejects.toThrow(/re-entrant/);
  });

  it('orders a large random schedule exactly like a stable sort', async () => {
    const vt = new VirtualTime();
    const expected: [number, number][] = [];
    const seen: number[] = [];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const t = x % 700;
      expected.push([t, i]);
      vt.at(t, () => seen.push(i));
    }
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    await vt.run(1000);
    expect(seen).toEqual(expected.map(([, i]) => i));
  });
});
