/** The demo fleet's layout, the resumed scenarios and the progress bar (pure parts of `pillcap start`). */
import { describe, expect, it } from 'vitest';
import { DEMO_DAYS, DEMO_LIVE_DAYS, PROFILES, REASSIGN_DAY, demoFleet, localDate, scenarioFromDay, utcOffsetMinutes } from '../demo/demo-fleet.ts';
import { ProgressBar } from '../demo/progress-bar.ts';
import { newDemoState } from '../demo/run-demo.ts';

const DAY = 86_400_000;

describe('demo fleet layout', () => {
  const start = Date.parse('2026-10-12T22:49:00Z');
  const fleet = demoFleet(start, DEMO_DAYS);

  it('has about 20 caps covering every profile, in US time zones whose offset at the start is the scenario offset', () => {
    expect(fleet).toHaveLength(20);
    expect(new Set(fleet.map((c) => c.profile))).toEqual(new Set(Object.keys(PROFILES)));
    expect(new Set(fleet.map((c) => c.serial)).size).toBe(20);
    for (const cap of fleet) {
      expect(cap.timeZone).toMatch(/^(America|Pacific)\//);
      expect(cap.scenario.utcOffsetMin).toBe(utcOffsetMinutes(cap.timeZone, start));
      expect(cap.scenario.start).toBe(new Date(start).toISOString());
      // The replayed days and the live ones after them.
      expect(cap.scenario.days).toBe(DEMO_DAYS + DEMO_LIVE_DAYS);
    }
    expect(new Set(fleet.map((c) => c.bodySystem))).toEqual(new Set(['respiratory', 'musculoskeletal', 'cbt']));
    const references = fleet.flatMap((c) => c.patients.map((p) => p.reference));
    expect(new Set(references).size).toBe(references.length);
  });

  it('hands the reassigned cap from one patient to the next without a gap', () => {
    const cap = fleet.find((c) => c.profile === 'reassigned')!;
    expect(cap.patients.map((p) => [p.fromDay, p.toDay])).toEqual([
      [0, REASSIGN_DAY],
      [REASSIGN_DAY, undefined],
    ]);
  });

  it('computes zone offsets and local dates across a DST change', () => {
    expect(utcOffsetMinutes('America/New_York', Date.parse('2026-10-12T12:00:00Z'))).toBe(-240);
    expect(utcOffsetMinutes('America/New_York', Date.parse('2026-11-26T12:00:00Z'))).toBe(-300);
    expect(utcOffsetMinutes('America/Phoenix', Date.parse('2026-07-01T12:00:00Z'))).toBe(-420);
    expect(localDate('Pacific/Honolulu', Date.parse('2026-11-27T05:00:00Z'))).toBe('2026-11-26');
  });

  it('starts a new demo whole minutes before now so that it ends today', () => {
    const now = Date.parse('2026-11-26T22:49:31.500Z');
    const state = newDemoState({ nowMs: now, caps: 20, days: 45 });
    expect(state.startUnixMs % 60_000).toBe(0);
    expect(now - state.startUnixMs).toBeGreaterThanOrEqual(45 * DAY);
    expect(now - state.startUnixMs).toBeLessThan(45 * DAY + 60_000);
  });
});

describe('scenarioFromDay (resuming)', () => {
  const start = Date.parse('2026-10-12T22:49:00Z');
  const weak = demoFleet(start, DEMO_DAYS).find((c) => c.profile === 'weak-coverage')!.scenario;
  const unset = demoFleet(start, DEMO_DAYS).find((c) => c.profile === 'clock-unset')!.scenario;

  it('moves the start and clips day-based coverage to the remaining days', () => {
    const resumed = scenarioFromDay(weak, 12, 1500);
    expect(Date.parse(resumed.start)).toBe(start + 12 * DAY);
    expect(resumed.days).toBe(DEMO_DAYS + DEMO_LIVE_DAYS - 12);
    expect(resumed.coverage.outages).toEqual([
      { fromDay: 0, toDay: 5.5 },
      { fromDay: 21, toDay: 21.6 },
    ]);
    expect(resumed.coverage.hungModemAtDays).toEqual([]);
    // Signal continues from where it was: -110 at day 0 to -121 at day 12.
    expect(resumed.coverage.rsrpDbm[0]).toEqual({ atDay: 0, dbm: -121 });
    expect(resumed.clock.initial).toEqual({ offsetS: 1.5 });
  });

  it('keeps an unset RTC unset and only the faults still to come', () => {
    const resumed = scenarioFromDay(unset, 15, undefined);
    expect(resumed.clock.initial).toBe('unset');
    expect(resumed.clock.jumps).toEqual([]);
    expect(resumed.clock.lossAtDays.map((d) => Math.round(d * 10) / 10)).toEqual([5.3]);
    expect(scenarioFromDay(unset, 0, undefined)).toBe(unset);
  });
});

describe('ProgressBar', () => {
  it('redraws one line on a terminal and prints plain lines otherwise', () => {
    const tty: string[] = [];
    const bar = new ProgressBar({ isTTY: true, columns: 80, write: (t) => tty.push(t) > 0 }, 10, { label: 'demo', width: 10 });
    bar.update(5, 'day 5/10');
    bar.finish();
    expect(tty[0]).toMatch(/^\rdemo \[#####\.\.\.\.\.\]  50% day 5\/10/);
    expect(tty[1]).toBe('\n');

    const pipe: string[] = [];
    const plain = new ProgressBar({ isTTY: false, write: (t) => pipe.push(t) > 0 }, 10, { label: 'demo', every: 5 });
    for (let d = 0; d <= 10; d++) plain.update(d, `day ${d}`);
    expect(pipe).toEqual(['demo   0% day 0\n', 'demo  50% day 5\n', 'demo 100% day 10\n']);
  });
});
