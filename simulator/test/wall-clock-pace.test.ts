/** Virtual time in step with a wall clock (a fake one here: each sleep moves it on by what was asked). */
import { describe, expect, it } from 'vitest';
import { VirtualTime } from '../src/virtual-time.ts';
import { followWallClock, sleepOnTimer } from '../src/wall-clock-pace.ts';

const START = Date.parse('2026-12-01T00:00:00Z');

function fakeWall(startMs: number) {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    now: () => now,
    advance: (ms: number) => (now += ms),
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('followWallClock', () => {
  it('runs each event when the wall clock reaches it, sleeping until the next one (at most maxSleepMs)', async () => {
    const vt = new VirtualTime();
    const wall = fakeWall(START);
    const ran: { virtual: number; wall: number }[] = [];
    for (const at of [500, 2500, 2600, 10_000]) vt.at(at, () => ran.push({ virtual: vt.now(), wall: wall.now() - START }));
    const reached = await followWallClock({ vt, startUnixMs: START, endMs: 12_000, wallClock: wall.now, sleep: wall.sleep, maxSleepMs: 1000 });
    expect(reached).toBe(12_000);
    expect(ran.map((r) => r.virtual)).toEqual([500, 2500, 2600, 10_000]);
    // Never early, never more than a sleep late.
    for (const r of ran) {
      expect(r.wall).toBeGreaterThanOrEqual(r.virtual);
      expect(r.wall - r.virtual).toBeLessThanOrEqual(1000);
    }
    expect(Math.max(...wall.sleeps)).toBeLessThanOrEqual(1000);
    expect(wall.sleeps.every((ms) => ms >= 1)).toBe(true);
  });

  it('catches up first when behind, in bounded steps, without sleeping', async () => {
    const vt = new VirtualTime();
    const wall = fakeWall(START + 5 * 3_600_000);
    let events = 0;
    for (let h = 0; h < 5; h++) vt.at(h * 3_600_000 + 1, () => events++);
    const steps: number[] = [];
    const original = vt.run.bind(vt);
    vt.run = async (until: number) => {
      steps.push(until - vt.now());
      return original(until);
    };
    const stop = new AbortController();
    wall.sleep = async (ms: number) => {
      wall.sleeps.push(ms);
      stop.abort();
    };
    await followWallClock({ vt, startUnixMs: START, endMs: 10 * 3_600_000, wallClock: wall.now, sleep: wall.sleep, signal: stop.signal, maxStepMs: 3_600_000 });
    expect(events).toBe(5);
    expect(Math.max(...steps)).toBeLessThanOrEqual(3_600_000);
    expect(vt.now()).toBe(5 * 3_600_000);
    expect(wall.sleeps).toHaveLength(1);
  });

  it('stops at once when the signal aborts, even in the middle of a sleep', async () => {
    const vt = new VirtualTime();
    vt.at(60_000, () => undefined);
    const stop = new AbortController();
    const running = followWallClock({ vt, startUnixMs: Date.now(), endMs: 3_600_000, wallClock: () => Date.now(), signal: stop.signal, maxSleepMs: 60_000 });
    stop.abort();
    await expect(running).resolves.toBeLessThan(60_000);
  });

  it('sleepOnTimer ends early on abort and at once when already aborted', async () => {
    const stop = new AbortController();
    stop.abort();
    await sleepOnTimer(60_000, stop.signal);
    const later = new AbortController();
    const sleeping = sleepOnTimer(60_000, later.signal);
    later.abort();
    await sleeping;
  });
});
