/**
 * Late data after export (billing-rules.md §3.7): an exported period keeps its snapshot; when the recomputed
 * result differs, the period is flagged amended and the difference is shown. The comparison covers what a
 * claim rests on: day count, the dates themselves, codes, serials and practitioner.
 */
import type { LocalDate } from './local-date.ts';

export interface PeriodSnapshot {
  index: number;
  startDate: LocalDate;
  endDate: LocalDate;
  monitoredDays: number;
  qualifyingDates: LocalDate[];
  supplyCode: string | null;
  setupCode: string | null;
  serials: string[];
  practitioner: string;
}

export interface FieldChange {
  field: keyof PeriodSnapshot;
  before: unknown;
  after: unknown;
}

export interface PeriodAmendment {
  changes: FieldChange[];
  addedDates: LocalDate[];
  removedDates: LocalDate[];
}

const COMPARED: (keyof PeriodSnapshot)[] = ['startDate', 'endDate', 'monitoredDays', 'supplyCode', 'setupCode', 'serials', 'practitioner', 'qualifyingDates'];

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** null when the current result matches the exported snapshot. */
export function diffPeriod(exported: PeriodSnapshot, current: PeriodSnapshot): PeriodAmendment | null {
  const changes: FieldChange[] = [];
  for (const field of COMPARED) {
    if (!same(exported[field] ?? null, current[field] ?? null)) changes.push({ field, before: exported[field] ?? null, after: current[field] ?? null });
  }
  if (changes.length === 0) return null;
  const before = new Set(exported.qualifyingDates ?? []);
  const after = new Set(current.qualifyingDates);
  return {
    changes,
    addedDates: [...after].filter((d) => !before.has(d)).sort(),
    removedDates: [...before].filter((d) => !after.has(d)).sort(),
  };
}
