/**
 * Turns the adherence and symptom answers into the two charts' aligned series on one time axis. The axis
 * is patient-local wall time written as UTC seconds (a local date at 00:00 "UTC"), so a dose at 08:00 in
 * Denver sits at 08:00 on its day for every viewer, and the charts format the axis in UTC.
 */
import { SymptomPattern } from '../../../../protocol/src/messages.ts';
import type { Adherence, AdherenceDay, Symptom } from './patient-data-types.ts';

const DAY_S = 86_400;

/** Seconds of a patient-local date (YYYY-MM-DD) and optional HH:MM on the chart's axis. */
export function axisSeconds(date: string, time = '00:00'): number {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  return Date.UTC(y!, m! - 1, d!, hh ?? 0, mm ?? 0) / 1000;
}

const hourOf = (time: string): number => {
  const [hh, mm] = time.split(':').map(Number);
  return (hh ?? 0) + (mm ?? 0) / 60;
};

const percent = (part: number | null, whole: number | null): number | null => (part === null || whole === null || whole <= 0 ? null : Math.min(100, Math.round((part / whole) * 100)));

export type Grouping = 'day' | 'week';

export interface AdherencePoint {
  /** first date of the day or week */
  from: string;
  to: string;
  observedDays: number;
  expected: number;
  taken: number;
  onTime: number | null;
  taking: number | null;
  timing: number | null;
}

/** Per day, or per 7-day block counted back from the last day (so the latest week is whole). */
export function adherencePoints(days: readonly AdherenceDay[], grouping: Grouping): AdherencePoint[] {
  const size = grouping === 'day' ? 1 : 7;
  const groups: AdherenceDay[][] = [];
  for (let end = days.length; end > 0; end -= size) groups.unshift(days.slice(Math.max(0, end - size), end));
  return groups.map((group) => {
    const observed = group.filter((d) => d.observed && d.expected !== null);
    const expected = observed.reduce((n, d) => n + (d.expected ?? 0), 0);
    const taken = observed.reduce((n, d) => n + (d.taken ?? 0), 0);
    const timed = observed.filter((d) => d.onTime !== null);
    const onTime = timed.length > 0 ? timed.reduce((n, d) => n + (d.onTime ?? 0), 0) : null;
    const timedExpected = timed.reduce((n, d) => n + (d.expected ?? 0), 0);
    return {
      from: group[0]!.date,
      to: group[group.length - 1]!.date,
      observedDays: observed.length,
      expected,
      taken,
      onTime,
      taking: observed.length > 0 ? percent(taken, expected) : null,
      timing: onTime === null ? null : percent(onTime, timedExpected),
    };
  });
}

/** Chart 1: taking and timing adherence (%), each point at the middle of its day or week. */
export function adherenceSeries(points: readonly AdherencePoint[]): [number[], (number | null)[], (number | null)[]] {
  const x = points.map((p) => (axisSeconds(p.from) + axisSeconds(p.to) + DAY_S) / 2);
  return [x, points.map((p) => p.taking), points.map((p) => p.timing)];
}

/**
 * Chart 2: when in the day each dose was taken and each symptom pressed (hour 0-24 against the day),
 * one aligned table: doses, "feels fine/unwell" presses, and "needs help" presses as separate series.
 */
export function timesSeries(days: readonly AdherenceDay[], symptoms: readonly Symptom[]): [number[], (number | null)[], (number | null)[], (number | null)[]] {
  const rows = new Map<number, [number | null, number | null, number | null]>();
  const put = (x: number, column: 0 | 1 | 2, y: number) => {
    let at = x;
    // two marks in the same minute: nudge the later one a minute on so both stay on the chart
    while (rows.get(at)?.[column] != null) at += 60;
    const row = rows.get(at) ?? [null, null, null];
    row[column] = y;
    rows.set(at, row);
  };
  for (const day of days) for (const time of day.doseTimes) put(axisSeconds(day.date, time), 0, hourOf(time));
  for (const s of symptoms) put(axisSeconds(s.localDate, s.localTime), s.pattern === SymptomPattern.Long ? 2 : 1, hourOf(s.localTime));
  const xs = [...rows.keys()].sort((a, b) => a - b);
  return [xs, xs.map((x) => rows.get(x)![0]), xs.map((x) => rows.get(x)![1]), xs.map((x) => rows.get(x)![2])];
}

/** The x range both charts share: the first day's start to the last day's end. */
export function sharedRange(adherence: Pick<Adherence, 'from' | 'to'>): { min: number; max: number } {
  return { min: axisSeconds(adherence.from), max: axisSeconds(adherence.to) + DAY_S };
}

/** The regimen's dose times as hours of the day (minutes after midnight from the API's regimen, else HH:MM). */
export function scheduledHours(regimen: Adherence['regimen'], planDoseTimes: readonly string[]): number[] {
  if (regimen.reminderMinutes && regimen.reminderMinutes.length > 0) return [...regimen.reminderMinutes].sort((a, b) => a - b).map((m) => m / 60);
  return planDoseTimes.map(hourOf).sort((a, b) => a - b);
}

export const clockOf = (hour: number): string => `${String(Math.floor(hour)).padStart(2, '0')}:${String(Math.round((hour % 1) * 60)).padStart(2, '0')}`;
