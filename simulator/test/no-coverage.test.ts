/**
 * The capacity case from the brief: a heavy patient (8 openings and 2 symptom reports a day) with no
 * coverage for 90 days. With the real flash region everything is held; with a deliberately small region the
 * log overflows and the drops are counted and reported, never silent.
 */
import { describe, expect, it } from 'vitest';
import { EventKind } from '../../protocol/src/messages.ts';
import { loadScenario } from '../src/scenario.ts';
import { simulate } from '../src/simulate.ts';
import type { SimulatedCap } from '../src/simulated-cap.ts';

describe('90 days without coverage', () => {
  it('holds every therapy event of a heavy patient in the flash log', async () => {
    let cap: SimulatedCap | undefined;
    const result = await simulate({ scenario: 'no-coverage-90d', seed: 3, onCap: (c) => (cap = c) });
    const summary = result.caps[0];
    const { events } = cap!.inspectLog();
    const count = (kind: number) => events.filter((e) => e.kind === kind).length;
    expect(result.days).toBe(90);
    expect(result.connectivity).toBe(false);
    expect(summary.patient.openings).toBeGreaterThanOrEqual(90 * 8 - 2);
    expect(summary.patient.presses).toBeGreaterThanOrEqual(90 * 2 - 2);
    // Every opening and every symptom report is in flash, none dropped, none lost.
    expect(count(EventKind.LidOpened)).toBe(summary.patient.openings);
    expect(count(EventKind.Symptom)).toBe(summary.patient.presses);
    expect(summary.dropped).toBe(0);
    expect(summary.lost).toBe(0);
    expect(summary.acknowledged).toBe(0);
    expect(summary.uploaded).toBe(0);
    expect(summary.pending).toBe(summary.recorded);
    expect(summary.pending).toBe(events.length);
    expect(summary.flashBytesUsed).toBeGreaterThan(0);
    expect(summary.flashBytesUsed).toBeLessThanOrEqual(summary.flashCapacityBytes);
    // Seqs are 1..n without a gap.
    const seqs = events.map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });

  it('counts and reports drops when the log region is too small, keeping the newest therapy events', async () => {
    const base = await loadScenario('no-coverage-90d');
    // 10 blocks: 4 for identity/config, a 6-block log (one spare): far less than 90 heavy days need.
    const scenario = { ...base, device: { ...base.device, flash: { blockSize: 4096, blockCount: 10, writeAlign: 4 } } };
    let cap: SimulatedCap | undefined;
    const result = await simulate({ scenario, seed: 3, onCap: (c) => (cap = c) });
    const summary = result.caps[0];
    const { events, stats } = cap!.inspectLog();
    expect(summary.dropped).toBeGreaterThan(0);
    expect(summary.dropped).toBe(stats.droppedTotal);
    // Nothing vanishes silently: every seq ever assigned is either still pending or counted as dropped.
    expect(summary.recorded).toBe(summary.pending + summary.dropped);
    expect(summary.lost).toBe(0);
    const overflows = events.filter((e) => e.kind === EventKind.Overflow);
    expect(overflows.length).toBeGreaterThan(0);
    expect(overflows.every((e) => e.args[0] > 0)).toBe(true);
    expect(overflows.reduce((sum, e) => sum + e.args[0], 0)).toBeLessThanOrEqual(summary.dropped);
    // The log keeps a contiguous window of the newest openings: every planned opening after the oldest kept
    // one is present (one boot, so uptime = virtual seconds).
    const openings = events.filter((e) => e.kind === EventKind.LidOpened);
    expect(summary.boots).toBe(1);
    const oldestKept = Math.min(...openings.map((e) => e.uptimeS));
    const plannedSince = cap!.plan.openings.filter((o) => Math.floor(o.atMs / 1000) >= oldestKept - 1).length;
    expect(openings.length).toBe(plannedSince);
    expect(openings.length).toBeLessThan(cap!.plan.openings.length);
  });
});
