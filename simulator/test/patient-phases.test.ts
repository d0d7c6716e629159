/** Behaviour that changes during a run (phases) and presses at fixed moments (pressesAt). */
import { describe, expect, it } from 'vitest';
import { behaviourOn, localMidnightMs, planPatient } from '../src/patient.ts';
import { Prng } from '../src/prng.ts';
import { parseScenario } from '../src/scenario.ts';

const DAY = 86_400_000;
const base = { start: '2026-03-02T05:00:00Z', utcOffsetMin: -300, days: 40 };

describe('patient phases', () => {
  it('later phases override earlier ones field by field, from the local day whose midnight is at or after fromDay', () => {
    const s = parseScenario({ ...base, patient: { adherence: 0.9, symptomsPerDay: 0.1, phases: [{ fromDay: 10, adherence: 0.2 }, { fromDay: 20, symptomsPerDay: 3 }] } });
    expect(behaviourOn(s.patient, 9 * DAY)).toMatchObject({ adherence: 0.9, symptomsPerDay: 0.1 });
    expect(behaviourOn(s.patient, 10 * DAY)).toMatchObject({ adherence: 0.2, symptomsPerDay: 0.1 });
    expect(behaviourOn(s.patient, 25 * DAY)).toMatchObject({ adherence: 0.2, symptomsPerDay: 3 });
    // A phase from day 0 holds from the very start, before the first local midnight too.
    const fromStart = parseScenario({ ...base, patient: { adherence: 0.9, phases: [{ fromDay: 0, adherence: 0 }] } });
    expect(behaviourOn(fromStart.patient, localMidnightMs(fromStart, 0))).toMatchObject({ adherence: 0 });
  });

  it('a plan follows its phases: doses stop when adherence falls to 0, symptoms start when they rise', () => {
    const s = parseScenario({ ...base, patient: { doseTimes: ['09:00'], adherence: 1, curiosityPerDay: 0, symptomsPerDay: 0, phases: [{ fromDay: 20, adherence: 0, symptomsPerDay: 4 }] } });
    const plan = planPatient(s, 40, new Prng(3));
    // The first local day in the phase: the first whose midnight is at or after day 20.
    const phaseStart = [19, 20, 21].map((d) => localMidnightMs(s, d)).find((m) => m >= 20 * DAY)!;
    expect(plan.openings.filter((o) => o.atMs >= phaseStart)).toEqual([]);
    expect(plan.openings.filter((o) => o.atMs < phaseStart).length).toBeGreaterThanOrEqual(19);
    expect(plan.presses.filter((p) => p.atMs < phaseStart)).toEqual([]);
    expect(plan.presses.filter((p) => p.atMs >= phaseStart).length).toBeGreaterThan(40);
  });

  it('without phases the plan is what it always was (the stream of draws is unchanged)', () => {
    const plain = parseScenario({ ...base, patient: { adherence: 0.7 } });
    const withEmpty = parseScenario({ ...base, patient: { adherence: 0.7, phases: [] } });
    expect(planPatient(withEmpty, 30, new Prng(5))).toEqual(planPatient(plain, 30, new Prng(5)));
  });
});

describe('pressesAt', () => {
  it('adds presses at the given moments with mid-range timings and moves no random draw', () => {
    const without = parseScenario({ ...base, patient: { symptomsPerDay: 0.5 } });
    const withFixed = parseScenario({ ...base, patient: { symptomsPerDay: 0.5, pressesAt: [{ atDay: 12.25, pattern: 'long' }, { atDay: 3.5, pattern: 'double' }] } });
    const a = planPatient(without, 30, new Prng(8));
    const b = planPatient(withFixed, 30, new Prng(8));
    expect(b.openings).toEqual(a.openings);
    const added = b.presses.filter((p) => !a.presses.some((q) => q.atMs === p.atMs));
    expect(added.map((p) => [p.atMs, p.pattern])).toEqual([
      [3.5 * DAY, 'double'],
      [12.25 * DAY, 'long'],
    ]);
    expect(added[1]!.phases).toEqual([[0, 3250]]);
    expect(added[0]!.phases).toEqual([[0, 210], [435, 645]]);
  });

  it('rejects an unknown pattern', () => {
    expect(() => parseScenario({ ...base, patient: { pressesAt: [{ atDay: 1, pattern: 'triple' }] } })).toThrow(/pressesAt/);
  });
});
