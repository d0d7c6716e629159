/**
 * Consecutive 30-day supply periods from the period anchor (billing-rules.md §2.2 [S], §3.3): period k covers
 * anchor + 30k .. anchor + 30k + 29 (patient-local dates, both inclusive). Day 30 is the last day of period 0;
 * day 31 is the first day of period 1. Supply periods ignore calendar months, so two can end in one month.
 */
import { addDays, daysBetween, type LocalDate } from './local-date.ts';
import { PERIOD_DAYS } from './supply-code.ts';

export interface PeriodBounds {
  index: number;
  startDate: LocalDate;
  endDate: LocalDate;
}

/** Index of the period holding `date`, or -1 when `date` is before the anchor. */
export function periodIndexOf(anchor: LocalDate, date: LocalDate): number {
  const d = daysBetween(anchor, date);
  return d < 0 ? -1 : Math.floor(d / PERIOD_DAYS);
}

export function periodBounds(anchor: LocalDate, index: number): PeriodBounds {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`period index must be a non-negative integer, got ${index}`);
  const startDate = addDays(anchor, index * PERIOD_DAYS);
  return { index, startDate, endDate: addDays(startDate, PERIOD_DAYS - 1) };
}

/** Every period that has started on or before `asOfDate`, in order. */
export function periodsUpTo(anchor: LocalDate, asOfDate: LocalDate): PeriodBounds[] {
  const last = periodIndexOf(anchor, asOfDate);
  const out: PeriodBounds[] = [];
  for (let i = 0; i <= last; i++) out.push(periodBounds(anchor, i));
  return out;
}
