/**
 * Implementation metrics from electronic monitoring (billing-rules.md §4.2, §4.5), pure:
 * - taking adherence: doses taken (capped at the expected number per day) / expected doses;
 * - correct dosing: share of observed days with exactly the expected number of doses;
 * - timing adherence: share of scheduled doses with a dose within +/- timingWindowMin, plus inter-dose
 *   intervals within +/- intervalTolerance of the ideal interval and the "too short" share;
 * - drug holidays, persistence (first/last dose), extra doses, raw vs merged counts;
 * - non-monitored days (no cap assigned) are NA, not zero (§4.3).
 * The optional 00:00-02:59 rule moves a dose to the previous day here only; billing never uses it.
 */
import { addDays, dateRange, instantOfLocalTime, localDateTimeOf, type LocalDate } from '../billing/local-date.ts';
import type { AdherenceOptions } from './adherence-options.ts';
import { mergeOpenings, type Dose, type Opening } from './dose-merge.ts';
import { findDrugHolidays, type DrugHoliday } from './drug-holidays.ts';

export interface Regimen {
  dosesPerDay: number;
  /** scheduled times, minutes after local midnight */
  reminderMinutes?: number[];
}

export interface AdherenceInput {
  zone: string;
  from: LocalDate;
  to: LocalDate;
  regimen: Regimen;
  openings: readonly Opening[];
  /** dates with a cap assigned (observed); undefined = every date observed */
  observedDates?: ReadonlySet<LocalDate>;
  options: AdherenceOptions;
}

export interface AdherenceDay {
  date: LocalDate;
  observed: boolean;
  expected: number | null;
  rawOpenings: number | null;
  doses: number | null;
  taken: number | null;
  extra: number | null;
  correct: boolean | null;
  onTime: number | null;
  doseTimes: string[]; // local HH:MM of each dose
}

export interface AdherenceSummary {
  observedDays: number;
  nonMonitoredDays: number;
  expectedDoses: number;
  rawOpenings: number;
  doses: number;
  takenDoses: number;
  extraDoses: number;
  takingAdherence: number | null;
  correctDosingDays: number;
  correctDosingShare: number | null;
  timingAdherence: number | null;
  onTimeDoses: number;
  intervals: { count: number; withinWindow: number; tooShort: number; tooLong: number; idealHours: number; withinShare: number | null; tooShortShare: number | null };
  drugHolidays: { count: number; longestDays: number; list: DrugHoliday[] };
  persistence: { firstDose: string | null; lastDose: string | null; days: number | null };
}

export interface AdherenceResult {
  from: LocalDate;
  to: LocalDate;
  zone: string;
  regimen: Regimen;
  options: AdherenceOptions;
  days: AdherenceDay[];
  summary: AdherenceSummary;
}

const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

function analyticsDateOf(dose: Dose, zone: string, options: AdherenceOptions): { date: LocalDate; time: string } {
  const local = localDateTimeOf(dose.at, zone);
  const shift = options.earlyMorningBelongsToPreviousDay && local.minuteOfDay < options.earlyMorningEndMin;
  return { date: shift ? addDays(local.date, -1) : local.date, time: local.time };
}

/** Greedy nearest matching of doses to scheduled instants, each used at most once. */
function countOnTime(doses: readonly Dose[], scheduled: readonly number[], windowMs: number): number {
  const pairs: { gap: number; d: number; s: number }[] = [];
  scheduled.forEach((t, s) =>
    doses.forEach((dose, d) => {
      const gap = Math.abs(dose.at.getTime() - t);
      if (gap <= windowMs) pairs.push({ gap, d, s });
    }),
  );
  pairs.sort((a, b) => a.gap - b.gap);
  const usedD = new Set<number>();
  const usedS = new Set<number>();
  for (const p of pairs) {
    if (usedD.has(p.d) || usedS.has(p.s)) continue;
    usedD.add(p.d);
    usedS.add(p.s);
  }
  return usedS.size;
}

export function computeAdherence(input: AdherenceInput): AdherenceResult {
  const { zone, options, regimen } = input;
  if (!Number.isInteger(regimen.dosesPerDay) || regimen.dosesPerDay < 1) throw new RangeError(`dosesPerDay must be a positive integer, got ${regimen.dosesPerDay}`);
  if (input.to < input.from) throw new RangeError(`'to' (${input.to}) is before 'from' (${input.from})`);
  const allDoses = mergeOpenings(input.openings, options.mergeWindowMin);
  const byDate = new Map<LocalDate, { doses: Dose[]; times: string[] }>();
  for (const dose of allDoses) {
    const { date, time } = analyticsDateOf(dose, zone, options);
    let b = byDate.get(date);
    if (!b) byDate.set(date, (b = { doses: [], times: [] }));
    b.doses.push(dose);
    b.times.push(time);
  }
  const schedule = (regimen.reminderMinutes ?? []).slice().sort((a, b) => a - b);
  const timed = schedule.length > 0;
  const windowMs = options.timingWindowMin * 60_000;
  const days: AdherenceDay[] = dateRange(input.from, input.to).map((date) => {
    const observed = input.observedDates ? input.observedDates.has(date) : true;
    const b = byDate.get(date) ?? { doses: [], times: [] };
    if (!observed) return { date, observed, expected: null, rawOpenings: null, doses: null, taken: null, extra: null, correct: null, onTime: null, doseTimes: b.times };
    const expected = regimen.dosesPerDay;
    const doses = b.doses.length;
    const scheduled = schedule.map((m) => instantOfLocalTime(date, m, zone).getTime());
    // a dose near midnight may serve a slot on the neighbouring date: match against doses of adjacent dates too
    const near = [...(byDate.get(addDays(date, -1))?.doses ?? []), ...b.doses, ...(byDate.get(addDays(date, 1))?.doses ?? [])];
    return {
      date,
      observed,
      expected,
      rawOpenings: b.doses.reduce((n, d) => n + d.openings, 0),
      doses,
      taken: Math.min(doses, expected),
      extra: Math.max(0, doses - expected),
      correct: doses === expected,
      onTime: timed ? countOnTime(near, scheduled, windowMs) : null,
      doseTimes: b.times,
    };
  });

  const observedDays = days.filter((d) => d.observed);
  const sum = (f: (d: AdherenceDay) => number | null) => observedDays.reduce((n, d) => n + (f(d) ?? 0), 0);
  const expectedDoses = sum((d) => d.expected);
  const takenDoses = sum((d) => d.taken);
  const onTimeDoses = sum((d) => d.onTime);
  const correctDays = observedDays.filter((d) => d.correct).length;

  // inter-dose intervals between consecutive doses inside the range, both on observed days
  const idealMs = (24 / regimen.dosesPerDay) * 3_600_000;
  const inRange = allDoses.filter((dose) => {
    const { date } = analyticsDateOf(dose, zone, options);
    return date >= input.from && date <= input.to && (input.observedDates ? input.observedDates.has(date) : true);
  });
  let within = 0;
  let tooShort = 0;
  let tooLong = 0;
  for (let i = 1; i < inRange.length; i++) {
    const gap = inRange[i]!.at.getTime() - inRange[i - 1]!.at.getTime();
    if (gap < idealMs * (1 - options.intervalTolerance)) tooShort++;
    else if (gap > idealMs * (1 + options.intervalTolerance)) tooLong++;
    else within++;
  }
  const intervalCount = Math.max(0, inRange.length - 1);
  const holidays = findDrugHolidays(
    days.map((d) => ({ date: d.date, doses: d.doses })),
    options.drugHolidayMinDays,
  );
  const dosed = days.filter((d) => (d.doses ?? 0) > 0);
  const firstDose = dosed[0]?.date ?? null;
  const lastDose = dosed[dosed.length - 1]?.date ?? null;
  return {
    from: input.from,
    to: input.to,
    zone,
    regimen,
    options,
    days,
    summary: {
      observedDays: observedDays.length,
      nonMonitoredDays: days.length - observedDays.length,
      expectedDoses,
      rawOpenings: sum((d) => d.rawOpenings),
      doses: sum((d) => d.doses),
      takenDoses,
      extraDoses: sum((d) => d.extra),
      takingAdherence: ratio(takenDoses, expectedDoses),
      correctDosingDays: correctDays,
      correctDosingShare: ratio(correctDays, observedDays.length),
      timingAdherence: timed ? ratio(onTimeDoses, observedDays.length * schedule.length) : null,
      onTimeDoses,
      intervals: {
        count: intervalCount,
        withinWindow: within,
        tooShort,
        tooLong,
        idealHours: 24 / regimen.dosesPerDay,
        withinShare: ratio(within, intervalCount),
        tooShortShare: ratio(tooShort, intervalCount),
      },
      drugHolidays: { count: holidays.length, longestDays: holidays.reduce((m, h) => Math.max(m, h.days), 0), list: holidays },
      persistence: {
        firstDose,
        lastDose,
        days: firstDose && lastDose ? Math.round((Date.parse(lastDose) - Date.parse(firstDose)) / 86_400_000) + 1 : null,
      },
    },
  };
}
