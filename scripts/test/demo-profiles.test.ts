/**
 * The demo's clinical profiles, from what their simulated patients and caps will do (the plan the simulator
 * draws with the demo's own seed for each cap, and the cap's network conditions): each one must produce the
 * case the clinical engine is there to catch, with the engine's default thresholds.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../../cloud/src/clinical/alert-rules.ts';
import { HIGH_TIER_MIN_DAYS } from '../../cloud/src/billing/supply-code.ts';
import { networkConditionsFor, OUTAGE_RSRP_DBM } from '../../simulator/src/coverage.ts';
import { parseNetworkConditions } from '../../simulator/src/modem/network-conditions.ts';
import { planPatient, type PatientPlan } from '../../simulator/src/patient.ts';
import { Prng } from '../../simulator/src/prng.ts';
import { DEMO_DAYS, DEMO_SEED, demoFleet, localDate, type DemoCap, type DemoProfile } from '../demo/demo-fleet.ts';

const DAY = 86_400_000;
const end = DEMO_DAYS;
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
/** The plan the demo's cap draws (same seed and stream as SimulatedCap). */
const planOf = (cap: DemoCap): PatientPlan => planPatient(cap.scenario, cap.scenario.days, new Prng(`${DEMO_SEED}/${cap.serial}`).fork('patient'));

/** Share of scheduled doses with a dose opening, over virtual days [from, to). */
function doseShare(cap: DemoCap, plan: PatientPlan, from: number, to: number): number {
  const taken = plan.openings.filter((o) => o.reason !== 'curiosity' && o.atMs >= from * DAY && o.atMs < to * DAY).length;
  return taken / ((to - from) * cap.scenario.patient.doseTimes.length);
}

// The demo starts 45 days before whenever `npm start` runs: the cases must hold at any time of day and year.
describe.each(['2026-10-12T22:49:00Z', '2026-03-01T04:10:00Z', '2026-07-15T13:30:00Z', '2027-01-20T09:05:00Z'])('demo started %s', (startIso) => {
  const start = Date.parse(startIso);
  const nowMs = start + end * DAY;
  const fleet = demoFleet(start, DEMO_DAYS);
  const capOf = (profile: DemoProfile): DemoCap => fleet.find((c) => c.profile === profile)!;

  describe('demo clinical profiles', () => {
    it('sliding: weeks of good adherence, then falling off in the last ten days', () => {
      const cap = capOf('sliding');
      const plan = planOf(cap);
      expect(doseShare(cap, plan, 1, end - 10)).toBeGreaterThan(0.85);
      const recent = doseShare(cap, plan, end - 8, end - 1);
      expect(recent).toBeLessThan(0.5);
      // A drop far beyond the engine's threshold (points of taking adherence against the patient's baseline).
      expect((doseShare(cap, plan, end - 36, end - 8) - recent) * 100).toBeGreaterThan(DEFAULT_RULES.adherence_drop.dropPoints + 10);
    });

    it('silent: the patient goes on taking doses, but the cap has no coverage from 2.5 days before now on', () => {
      const cap = capOf('silent');
      const plan = planOf(cap);
      expect(plan.openings.filter((o) => o.atMs >= (end - 2) * DAY && o.atMs < end * DAY).length).toBeGreaterThan(2);
      const network = parseNetworkConditions(networkConditionsFor(cap.scenario, cap.scenario.days, new Prng(1)));
      const rsrpAt = (day: number) => [...network.coverage].reverse().find((step) => step.fromMs <= day * DAY)!.rsrpDbm;
      expect(rsrpAt(end - 3)).toBeGreaterThan(OUTAGE_RSRP_DBM);
      for (const day of [end - 2.4, end - 1, end, end + 30]) expect(rsrpAt(day)).toBe(OUTAGE_RSRP_DBM);
      // Longer than the engine waits before it calls a cap silent.
      expect(2.5 * 24).toBeGreaterThan(DEFAULT_RULES.cap_silent.hours);
    });

    it('needs help: one long press, within the last day', () => {
      const plan = planOf(capOf('needs-help'));
      const long = plan.presses.filter((p) => p.pattern === 'long');
      expect(long).toHaveLength(1);
      expect(long[0]!.atMs).toBe(Math.round((end - 0.3) * DAY));
      expect(long[0]!.phases[0]![1]).toBeGreaterThanOrEqual(2500);
      expect(plan.presses.some((p) => p.pattern !== 'long')).toBe(true);
    });

    it('the needs-help press is the only one the engine looks back for: no random "needs help" anywhere', () => {
      const lookbackFrom = (end - DEFAULT_RULES.needs_help.lookbackDays) * DAY;
      const urgent = fleet.flatMap((cap) => planOf(cap).presses.filter((p) => p.pattern === 'long' && p.atMs >= lookbackFrom && p.atMs < (end + 30) * DAY).map(() => cap.profile));
      expect(urgent).toEqual(['needs-help']);
    });

    it('period at risk: a full first period, then two monitored days in the second with fifteen left', () => {
      const cap = capOf('period-at-risk');
      const plan = planOf(cap);
      const zone = cap.timeZone;
      const first = localDate(zone, start);
      const dates = new Set([...plan.openings.map((o) => o.atMs), ...plan.presses.map((p) => p.atMs)].filter((at) => at < end * DAY).map((at) => localDate(zone, start + at)));
      const today = localDate(zone, nowMs);
      const periodStart = addDays(first, 30);
      const inFirst = [...dates].filter((d) => d < periodStart).length;
      const inCurrent = [...dates].filter((d) => d >= periodStart && d <= today);
      expect(inFirst).toBeGreaterThanOrEqual(HIGH_TIER_MIN_DAYS);
      expect(inCurrent).toHaveLength(2);
      expect(inCurrent).not.toContain(today);
      // As the rule counts: today is still open, so it is one of the days left.
      const daysLeft = daysBetween(today, addDays(periodStart, 29)) + 1;
      const needed = HIGH_TIER_MIN_DAYS - inCurrent.length;
      expect(needed).toBeLessThanOrEqual(daysLeft);
      expect(needed + DEFAULT_RULES.period_at_risk.slackDays).toBeGreaterThan(daysLeft);
    });

    it('rising symptoms: "unwell" reports this week at least double the week before', () => {
      const cap = capOf('rising-symptoms');
      const plan = planOf(cap);
      const unwell = plan.presses.filter((p) => p.pattern === 'double' || p.pattern === 'long').map((p) => localDate(cap.timeZone, start + p.atMs));
      const today = localDate(cap.timeZone, nowMs);
      const recentFrom = addDays(today, -(DEFAULT_RULES.symptom_trend.recentDays - 1));
      const previousFrom = addDays(recentFrom, -DEFAULT_RULES.symptom_trend.recentDays);
      const recent = unwell.filter((d) => d >= recentFrom && d <= today).length;
      const previous = unwell.filter((d) => d >= previousFrom && d < recentFrom).length;
      expect(recent).toBeGreaterThanOrEqual(DEFAULT_RULES.symptom_trend.minReports);
      expect(recent).toBeGreaterThanOrEqual(DEFAULT_RULES.symptom_trend.factor * previous);
      expect(plan.presses.some((p) => p.pattern === 'long')).toBe(false);
    });

    it('low battery: the cap starts nearly flat (its firmware reports low battery below 3.5 V, about 8 % charge)', () => {
      expect(capOf('low-battery').scenario.device.initialSoc).toBeLessThan(0.1);
    });

    it('every patient lives on after the replayed days: doses keep coming in the live week after now', () => {
      for (const cap of fleet.filter((c) => c.profile !== 'unused' && c.profile !== 'period-at-risk')) {
        const plan = planOf(cap);
        expect(plan.openings.filter((o) => o.atMs > end * DAY && o.atMs < (end + 7) * DAY).length, cap.profile).toBeGreaterThan(0);
      }
    });

    it('each patient has a goal in their own words, and care plan regimens follow the caps', () => {
      const goals = fleet.flatMap((c) => c.patients.map((p) => p.goal));
      expect(goals.every((g) => g.length > 10)).toBe(true);
      expect(new Set(goals).size).toBeGreaterThan(15);
    });
  });
});

describe('a short demo (--days 5)', () => {
  it('clips the stories to its days instead of placing them before the start', () => {
    const fleet = demoFleet(Date.parse('2026-11-20T10:00:00Z'), 5);
    expect(fleet.find((c) => c.profile === 'sliding')!.scenario.patient.phases).toEqual([{ fromDay: 0, adherence: 0.3, curiosityPerDay: 0 }]);
    expect(fleet.find((c) => c.profile === 'needs-help')!.scenario.patient.pressesAt).toEqual([{ atDay: 4.7, pattern: 'long' }]);
  });
});
