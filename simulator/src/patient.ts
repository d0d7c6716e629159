/**
 * The simulated patient: turns a scenario's behaviour into a plan of lid openings and button presses in
 * virtual time, drawn from a seeded stream, and plays the plan on the cap's inputs.
 *
 * The plan is made up front for the whole run so that the same scenario and seed give the same patient
 * whatever the firmware does (and in either runtime).
 */
import type { Level } from '../../firmware/src/ports/ports.ts';
import { Prng } from './prng.ts';
import { minutesOfDay, type PatientBehaviour, type Scenario } from './scenario.ts';
import type { SimInput } from './sim-gpio.ts';
import type { VirtualTime } from './virtual-time.ts';

const MIN = 60_000;
const DAY = 86_400_000;

export type OpeningReason = 'dose' | 'late-dose' | 'curiosity' | 'left-open';
export type PressPattern = 'short' | 'double' | 'long';

export interface PlannedOpening {
  atMs: number;
  durationMs: number;
  reason: OpeningReason;
}

export interface PlannedPress {
  atMs: number;
  pattern: PressPattern;
  /** [press, release] offsets from atMs. */
  phases: [number, number][];
}

export interface PatientPlan {
  openings: PlannedOpening[];
  presses: PlannedPress[];
  /** Doses scheduled / taken. */
  dosesScheduled: number;
  dosesTaken: number;
}

/** Virtual ms of local midnight for local day `d` (day 0 holds the start instant). */
export function localMidnightMs(scenario: Scenario, d: number): number {
  const startUnixMs = Date.parse(scenario.start);
  const offsetMs = scenario.utcOffsetMin * MIN;
  const firstLocalMidnightUnix = Math.floor((startUnixMs + offsetMs) / DAY) * DAY - offsetMs;
  return firstLocalMidnightUnix - startUnixMs + d * DAY;
}

type Phased = Pick<PatientBehaviour, 'adherence' | 'curiosityPerDay' | 'symptomsPerDay' | 'symptomPatterns'>;

/** The behaviour in force on the local day whose midnight is `midnightMs` (the base, overlaid by its phases). */
export function behaviourOn(patient: PatientBehaviour, midnightMs: number): Phased {
  const out: Phased = { adherence: patient.adherence, curiosityPerDay: patient.curiosityPerDay, symptomsPerDay: patient.symptomsPerDay, symptomPatterns: patient.symptomPatterns };
  for (const phase of patient.phases) {
    // A phase from day 0 holds from the start, including the part of the first local day before the run.
    if (phase.fromDay > 0 && midnightMs < phase.fromDay * DAY) continue;
    if (phase.adherence !== undefined) out.adherence = phase.adherence;
    if (phase.curiosityPerDay !== undefined) out.curiosityPerDay = phase.curiosityPerDay;
    if (phase.symptomsPerDay !== undefined) out.symptomsPerDay = phase.symptomsPerDay;
    if (phase.symptomPatterns !== undefined) out.symptomPatterns = phase.symptomPatterns;
  }
  return out;
}

export function planPatient(scenario: Scenario, days: number, rng: Prng): PatientPlan {
  const base = scenario.patient;
  const openings: PlannedOpening[] = [];
  const presses: PlannedPress[] = [];
  let dosesScheduled = 0;
  let dosesTaken = 0;
  const endMs = days * DAY;
  const wake = minutesOfDay(base.wake) * MIN;
  const sleep = Math.max(minutesOfDay(base.sleep) * MIN, wake + MIN);
  const openFor = (): number => Math.round(rng.uniform(base.lidOpenSeconds.min, base.lidOpenSeconds.max) * 1000);
  for (let d = 0; d <= days + 1; d++) {
    const midnight = localMidnightMs(scenario, d);
    const p = { ...base, ...behaviourOn(base, midnight) };
    for (const time of p.doseTimes) {
      const due = midnight + minutesOfDay(time) * MIN;
      if (due < 0 || due >= endMs) continue;
      dosesScheduled++;
      if (!rng.chance(p.adherence)) continue;
      dosesTaken++;
      const late = rng.chance(p.lateProbability);
      const offset = late ? rng.uniform(30, 180) * MIN : rng.normal(p.biasMinutes, p.jitterMinutes) * MIN;
      const leftOpen = rng.chance(p.leftOpenProbability);
      openings.push({
        atMs: Math.round(due + offset),
        durationMs: leftOpen ? Math.round(rng.uniform(p.leftOpenMinutes.min, p.leftOpenMinutes.max) * MIN) : openFor(),
        reason: leftOpen ? 'left-open' : late ? 'late-dose' : 'dose',
      });
    }
    const curious = rng.poisson(p.curiosityPerDay);
    for (let i = 0; i < curious; i++) {
      openings.push({ atMs: Math.round(midnight + rng.uniform(wake, sleep)), durationMs: openFor(), reason: 'curiosity' });
    }
    const symptoms = rng.poisson(p.symptomsPerDay);
    const symptomAt: number[] = p.symptomTimes.map((t) => midnight + minutesOfDay(t) * MIN + rng.uniform(0, 5 * MIN));
    for (let i = 0; i < symptoms; i++) symptomAt.push(midnight + rng.uniform(wake, sleep));
    for (const when of symptomAt) {
      const pattern = rng.weighted(p.symptomPatterns);
      const at = Math.round(when);
      const r = (x: { min: number; max: number }): number => Math.round(rng.uniform(x.min, x.max));
      const phases: [number, number][] = [];
      if (pattern === 'short') phases.push([0, r(p.press.shortMs)]);
      else if (pattern === 'long') phases.push([0, r(p.press.longMs)]);
      else {
        const first = r(p.press.shortMs);
        const second = first + r(p.press.doubleGapMs);
        phases.push([0, first], [second, second + r(p.press.shortMs)]);
      }
      presses.push({ atMs: at, pattern, phases });
    }
  }
  // Fixed presses take no draws from the stream (mid-range timings), so adding one moves nothing else.
  const mid = (x: { min: number; max: number }): number => Math.round((x.min + x.max) / 2);
  for (const fixed of base.pressesAt) {
    const phases: [number, number][] =
      fixed.pattern === 'short' ? [[0, mid(base.press.shortMs)]]
      : fixed.pattern === 'long' ? [[0, mid(base.press.longMs)]]
      : [[0, mid(base.press.shortMs)], [mid(base.press.shortMs) + mid(base.press.doubleGapMs), 2 * mid(base.press.shortMs) + mid(base.press.doubleGapMs)]];
    presses.push({ atMs: Math.round(fixed.atDay * DAY), pattern: fixed.pattern, phases });
  }
  // Keep events inside the run, in order, and physically possible: an opening starts after the previous one
  // closed (plus a few seconds), and presses are at least 10 s apart so patterns do not merge.
  const inRun = (t: number): boolean => t > 1000 && t < endMs - 60_000;
  openings.sort((a, b) => a.atMs - b.atMs);
  const keptOpenings: PlannedOpening[] = [];
  for (const o of openings) {
    const prev = keptOpenings[keptOpenings.length - 1];
    if (!inRun(o.atMs) || !inRun(o.atMs + o.durationMs)) continue;
    if (prev && o.atMs < prev.atMs + prev.durationMs + 5000) continue;
    keptOpenings.push(o);
  }
  presses.sort((a, b) => a.atMs - b.atMs);
  const keptPresses: PlannedPress[] = [];
  for (const press of presses) {
    const prev = keptPresses[keptPresses.length - 1];
    if (!inRun(press.atMs)) continue;
    if (prev && press.atMs < prev.atMs + prev.phases[prev.phases.length - 1][1] + 10_000) continue;
    keptPresses.push(press);
  }
  return { openings: keptOpenings, presses: keptPresses, dosesScheduled, dosesTaken };
}

/** Schedule the plan on the inputs. Bounce comes from its own stream so it cannot shift the plan. */
export function playPatient(vt: VirtualTime, plan: PatientPlan, scenario: Scenario, lid: SimInput, button: SimInput, rng: Prng): void {
  const b = scenario.patient.bounce;
  const bounce = () => (rng.chance(b.probability) ? { edges: rng.int(1, Math.max(1, b.maxEdges)), windowMs: b.windowMs } : undefined);
  const drive = (input: SimInput, level: Level) => input.set(level, b.maxEdges > 0 ? bounce() : undefined, rng);
  for (const o of plan.openings) {
    vt.at(o.atMs, () => drive(lid, 1));
    vt.at(o.atMs + o.durationMs, () => drive(lid, 0));
  }
  for (const press of plan.presses) {
    for (const [down, up] of press.phases) {
      vt.at(press.atMs + down, () => drive(button, 1));
      vt.at(press.atMs + up, () => drive(button, 0));
    }
  }
}
