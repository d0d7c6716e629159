import { describe, expect, it } from 'vitest';
import { EventKind } from '../../../protocol/src/messages.ts';
import { UploadPolicy, type UploadReason } from '../../src/uplink/upload-policy.ts';
import { createRandom } from '../../src/random.ts';
import { FakeTimers } from '../modem/fakes.ts';

function setup(opts: { coalesceS?: number; heartbeatS?: number; random?: () => number } = {}) {
  const timers = new FakeTimers();
  const starts: { at: number; reason: UploadReason }[] = [];
  const config = { uploadCoalesceS: opts.coalesceS ?? 300, heartbeatIntervalS: opts.heartbeatS ?? 86400 };
  const policy: UploadPolicy = new UploadPolicy(
    timers,
    () => timers.now,
    opts.random ?? (() => 0.5),
    () => config,
    (reason) => {
      starts.push({ at: timers.now, reason });
      policy.sessionStarted();
    },
    { backoffBaseS: 60, backoffCapS: 3600, bootDelayS: 30 },
  );
  return { timers, policy, starts, config };
}

describe('UploadPolicy', () => {
  it('coalesces lid closings: the first closing sets the deadline, later ones ride along', () => {
    const { timers, policy, starts } = setup();
    policy.lidClosed();
    timers.advance(120000);
    policy.lidClosed();
    timers.advance(120000);
    policy.lidClosed();
    expect(starts).toEqual([]);
    timers.advance(60000);
    expect(starts).toEqual([{ at: 300000, reason: 'lid' }]);
  });

  it('uploads a symptom report at once', () => {
    const { timers, policy, starts } = setup();
    policy.lidClosed();
    timers.advance(1000);
    policy.symptom();
    timers.advance(0);
    expect(starts).toEqual([{ at: 1000, reason: 'symptom' }]);
  });

  it('boot session after the boot delay; diagnostic-only events ride along', () => {
    const { timers, policy, starts } = setup();
    policy.event(EventKind.TimeSet);
    policy.event(EventKind.ReminderDue);
    policy.begin();
    timers.advance(30000);
    expect(starts).toEqual([{ at: 30000, reason: 'boot' }]);
    policy.sessionDone({ ok: true });
    policy.event(EventKind.DoseMissed);
    timers.advance(300000);
    expect(starts[1]).toEqual({ at: 330000, reason: 'event' });
  });

  it('runs a heartbeat session every heartbeatIntervalS after the last success', () => {
    const { timers, policy, starts } = setup({ heartbeatS: 86400 });
    timers.advance(86400000);
    expect(starts).toEqual([{ at: 86400000, reason: 'heartbeat' }]);
    timers.advance(5000);
    policy.sessionDone({ ok: true });
    timers.advance(86400000 - 1);
    expect(starts).toHaveLength(1);
    timers.advance(1);
    expect(starts[1]).toEqual({ at: 86400000 * 2 + 5000, reason: 'heartbeat' });
  });

  it('backs off exponentially with jitter up to the cap, then resets on success', () => {
    const { timers, policy, starts } = setup({ random: () => 0 });
    // random 0: the delay is exactly half the exponential term (equal jitter, fixed half)
    policy.symptom();
    timers.advance(0);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = timers.now;
      policy.sessionDone({ ok: false });
      timers.advance(10 * 3600 * 1000);
      delays.push(starts[starts.length - 1].at - before);
      expect(starts[starts.length - 1].reason).toBe('retry');
    }
    expect(delays).toEqual([30000, 60000, 120000, 240000, 480000, 960000, 1800000, 1800000]);
    policy.sessionDone({ ok: true });
    expect(policy.failures).toBe(0);
  });

  it('jitter spreads devices between half and the full delay, reproducibly from the seed', () => {
    const a = setup({ random: createRandom(42) }).policy;
    const b = setup({ random: createRandom(42) }).policy;
    const c = setup({ random: createRandom(7) }).policy;
    const da = [1, 2, 3, 4, 5, 6].map((n) => a.backoffMs(n));
    expect([1, 2, 3, 4, 5, 6].map((n) => b.backoffMs(n))).toEqual(da);
    expect([1, 2, 3, 4, 5, 6].map((n) => c.backoffMs(n))).not.toEqual(da);
    da.forEach((d, i) => {
      const exp = Math.min(3600000, 60000 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(exp / 2);
      expect(d).toBeLessThanOrEqual(exp);
    });
  });

  it('lid closings during backoff wait for it; a symptom does not', () => {
    const { timers, policy, starts } = setup({ random: () => 1 });
    policy.symptom();
    timers.advance(0);
    policy.sessionDone({ ok: false }); // backoff 60 s
    policy.sessionDone({ ok: false }); // pretend a second failure: backoff 120 s from now
    policy.lidClosed();
    timers.advance(100000);
    expect(starts).toHaveLength(1);
    timers.advance(20000);
    expect(starts).toHaveLength(2);
    policy.sessionDone({ ok: false });
    policy.symptom();
    timers.advance(0);
    expect(starts).toHaveLength(3);
    expect(starts[2].reason).toBe('symptom');
  });

  it('never starts a second session while one runs; runs again at once when asked', () => {
    const { timers, policy, starts } = setup();
    policy.symptom();
    timers.advance(0);
    policy.symptom();
    policy.lidClosed();
    timers.advance(600000);
    expect(starts).toHaveLength(1);
    policy.sessionDone({ ok: true, again: true });
    timers.advance(0);
    expect(starts).toHaveLength(2);
    expect(starts[1].reason).toBe('symptom'); // the trigger that came in during the session
    policy.sessionDone({ ok: true, again: true });
    timers.advance(0);
    expect(starts[2].reason).toBe('command');
  });
});
