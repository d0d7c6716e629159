/**
 * Size budgets from the issue, measured on realistic content (samples.ts: 8 openings from 07:00 to 22:00 with
 * +-20 min jitter, each open 5..40 s; a 10-character serial; seq in the thousands; weeks of uptime).
 */
import { describe, expect, it } from 'vitest';
import { encodeUplink } from '../src/device-codec.ts';
import { dailyBatch, dailyHeartbeat } from '../src/samples.ts';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('compactness', () => {
  it('an opening in a daily batch of 8 costs at most 6 bytes on average', () => {
    const month = Array.from({ length: 30 }, (_, day) => dailyBatch({ seed: day + 1 }));
    let marginal = 0;
    let allIn = 0;
    for (const batch of month) {
      expect(batch.events.length).toBe(8);
      for (const e of batch.events) expect(e.args[0]).toBeGreaterThanOrEqual(5);
      const bytes = encodeUplink(batch).length;
      // Marginal cost: what the 7 openings after the first add to the batch (kind, signed dt, duration).
      const first = encodeUplink({ ...batch, events: batch.events.slice(0, 1) }).length;
      expect((bytes - first) / 7).toBeLessThanOrEqual(6.15); // worst day: every duration >= 24 s (2-byte uint)
      marginal += (bytes - first) / 7;
      // All-in: including the batch's one CONTEXT marker (~10 bytes) shared by the 8 openings.
      allIn += (bytes - encodeUplink({ ...batch, events: [] }).length) / 8;
    }
    expect(marginal / month.length).toBeLessThanOrEqual(6);
    expect(allIn / month.length).toBeLessThan(7);
  });

  it('a whole day (8 openings, 1 symptom report, 1 heartbeat) fits in 200 bytes of payload', () => {
    for (const seed of SEEDS) {
      const batch = dailyBatch({ seed, symptoms: 1 });
      expect(batch.events.filter((e) => e.kind === 2).length).toBe(1);
      const heartbeat = dailyHeartbeat();
      expect(Object.keys(heartbeat.metrics).length).toBeGreaterThanOrEqual(15);
      const total = encodeUplink(batch).length + encodeUplink(heartbeat).length;
      expect(total, `seed ${seed}`).toBeLessThanOrEqual(200);
    }
  });
});
