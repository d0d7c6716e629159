/**
 * Drug holidays (billing-rules.md §4.2): runs of at least `minDays` consecutive observed days with no dose.
 * Non-monitored days (NA) are neither doses nor misses, so they end a run.
 */
export interface DayDoses {
  date: string;
  doses: number | null; // null = not monitored (NA)
}

export interface DrugHoliday {
  from: string;
  to: string;
  days: number;
}

export function findDrugHolidays(days: readonly DayDoses[], minDays: number): DrugHoliday[] {
  const out: DrugHoliday[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= minDays) out.push({ from: run[0]!, to: run[run.length - 1]!, days: run.length });
    run = [];
  };
  for (const d of days) {
    if (d.doses === 0) run.push(d.date);
    else flush();
  }
  flush();
  return out;
}
