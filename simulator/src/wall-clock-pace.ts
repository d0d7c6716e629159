/**
 * Virtual time that keeps pace with the wall clock: after a fleet has caught up on past days as fast as it
 * can, its caps go on living in real time (openings at dose times, heartbeats, uploads when they fall due),
 * so a cloud watching them sees live caps, not ones that fell silent when the replay ended.
 *
 * Between due events the loop sleeps on a timer (never spins), waking at the next scheduled event or after
 * `maxSleepMs` at the latest: a downlink arriving over a real socket schedules its reaction on virtual time
 * while the loop sleeps, and is then handled within that bound.
 */
import type { VirtualTime } from './virtual-time.ts';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** setTimeout as a promise that also ends (early) when `signal` aborts. */
export const sleepOnTimer: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export interface WallClockPaceOptions {
  vt: VirtualTime;
  /** Unix ms at virtual time 0. */
  startUnixMs: number;
  /** Virtual ms at which the run ends (the scenario's horizon). */
  endMs: number;
  /** The wall clock (Unix ms). */
  wallClock: () => number;
  signal?: AbortSignal;
  sleep?: Sleep;
  /** Longest sleep between two looks at the clock (default 1 s). */
  maxSleepMs?: number;
  /** Most virtual time one step may cover when behind the clock, so an abort is seen promptly (default 1 h). */
  maxStepMs?: number;
}

/**
 * Runs `vt` in step with `wallClock` until `endMs` is reached or `signal` aborts; returns the virtual time
 * reached. When behind (the wall clock moved on during a catch-up) it first catches up, an hour at a time.
 */
export async function followWallClock(options: WallClockPaceOptions): Promise<number> {
  const { vt, startUnixMs, endMs, wallClock, signal } = options;
  const sleep = options.sleep ?? sleepOnTimer;
  const maxSleepMs = options.maxSleepMs ?? 1000;
  const maxStepMs = options.maxStepMs ?? 3_600_000;
  while (!signal?.aborted && vt.now() < endMs) {
    const target = Math.min(wallClock() - startUnixMs, endMs, vt.now() + maxStepMs);
    if (target > vt.now()) await vt.run(target);
    if (signal?.aborted || vt.now() >= endMs) break;
    const behind = wallClock() - startUnixMs - vt.now();
    if (behind >= maxSleepMs) continue;
    const next = vt.nextTime();
    const untilNext = next === undefined ? maxSleepMs : next - vt.now() - behind;
    await sleep(Math.max(1, Math.min(maxSleepMs, untilNext)), signal);
  }
  return vt.now();
}
