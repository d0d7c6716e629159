/**
 * Symptom reports, kept apart from adherence (billing-rules.md §4.5): each button press with its local time
 * and meaning. Patient-reported data (source self_report, §2.7).
 */
import { SymptomPattern } from '../../../protocol/src/messages.ts';
import { localDateTimeOf, type LocalDate } from '../billing/local-date.ts';

export const SYMPTOM_LABELS: Readonly<Record<number, string>> = {
  [SymptomPattern.Short]: 'feels fine / took it',
  [SymptomPattern.Double]: 'feels unwell',
  [SymptomPattern.Long]: 'needs help / severe symptom',
};

export interface SymptomReport {
  eventId: number;
  at: Date;
  pattern: number;
  serial?: string;
}

export interface SymptomTimelineEntry {
  eventId: number;
  at: string;
  localDate: LocalDate;
  localTime: string;
  pattern: number;
  label: string;
  serial: string | null;
}

export function buildSymptomTimeline(reports: readonly SymptomReport[], zone: string, from: LocalDate, to: LocalDate): SymptomTimelineEntry[] {
  const seen = new Set<number>();
  return reports
    .filter((r) => !Number.isNaN(r.at.getTime()) && !seen.has(r.eventId) && seen.add(r.eventId))
    .map((r) => {
      const local = localDateTimeOf(r.at, zone);
      return {
        eventId: r.eventId,
        at: r.at.toISOString(),
        localDate: local.date,
        localTime: local.time,
        pattern: r.pattern,
        label: SYMPTOM_LABELS[r.pattern] ?? `unknown pattern ${r.pattern}`,
        serial: r.serial ?? null,
      };
    })
    .filter((e) => e.localDate >= from && e.localDate <= to)
    .sort((a, b) => a.at.localeCompare(b.at) || a.eventId - b.eventId);
}
