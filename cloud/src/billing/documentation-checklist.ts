/**
 * The documentation questions a claim needs (product brief; billing-rules.md §3.6, §2.10 enforcement):
 * why monitored, what was collected, what was reviewed, what communication took place, what changed.
 * "What was collected" and the list of interactive communications are derived from data; the others come
 * from the clinic's monthly documentation. Unanswered questions are listed in `missing` so a report shows
 * the gap instead of hiding it.
 */
import { localDateOf, monthOf, type LocalDate, type LocalMonth } from './local-date.ts';

export interface MonthlyDocumentation {
  month: LocalMonth;
  whyMonitored?: string | null;
  whatCollected?: string | null;
  whatReviewed?: string | null;
  communication?: string | null;
  whatChanged?: string | null;
}

export interface InteractiveCommunication {
  id?: number;
  at: Date;
  minutes: number;
  modality: 'phone' | 'video';
  staff: string;
  note?: string | null;
}

export const CHECKLIST_KEYS = ['whyMonitored', 'whatCollected', 'whatReviewed', 'communication', 'whatChanged'] as const;
export type ChecklistKey = (typeof CHECKLIST_KEYS)[number];

export interface DocumentationChecklist {
  whyMonitored: string | null;
  whatCollected: string;
  whatReviewed: string | null;
  communication: string | null;
  whatChanged: string | null;
  communications: { id?: number; date: LocalDate; minutes: number; modality: string; staff: string; note: string | null }[];
  missing: ChecklistKey[];
  complete: boolean;
}

function joinAnswers(docs: readonly MonthlyDocumentation[], key: Exclude<ChecklistKey, never>): string | null {
  const parts = docs
    .map((d) => ({ month: d.month, text: d[key]?.trim() }))
    .filter((p): p is { month: string; text: string } => !!p.text);
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]!.text : parts.map((p) => `${p.month}: ${p.text}`).join(' | ');
}

export function buildChecklist(input: {
  startDate: LocalDate;
  endDate: LocalDate;
  zone: string;
  diagnosis: string | null;
  bodySystem: string;
  collectedSummary: string;
  documentation: readonly MonthlyDocumentation[];
  communications: readonly InteractiveCommunication[];
}): DocumentationChecklist {
  const firstMonth = monthOf(input.startDate);
  const lastMonth = monthOf(input.endDate);
  const docs = input.documentation.filter((d) => d.month >= firstMonth && d.month <= lastMonth).sort((a, b) => a.month.localeCompare(b.month));
  const comms = input.communications
    .map((c) => ({ id: c.id, date: localDateOf(c.at, input.zone), minutes: c.minutes, modality: c.modality, staff: c.staff, note: c.note ?? null }))
    .filter((c) => c.date >= input.startDate && c.date <= input.endDate)
    .sort((a, b) => a.date.localeCompare(b.date));

  const why = joinAnswers(docs, 'whyMonitored') ?? (input.diagnosis ? `Diagnosis on file: ${input.diagnosis} (${input.bodySystem})` : null);
  const collectedNote = joinAnswers(docs, 'whatCollected');
  const commsText = comms.map((c) => `${c.date} ${c.modality} ${c.minutes} min by ${c.staff}${c.note ? `: ${c.note}` : ''}`).join('; ');
  const commsNote = joinAnswers(docs, 'communication');
  const communication = [commsText, commsNote].filter((s) => s && s.length > 0).join(' | ') || null;
  const checklist = {
    whyMonitored: why,
    whatCollected: collectedNote ? `${input.collectedSummary} | ${collectedNote}` : input.collectedSummary,
    whatReviewed: joinAnswers(docs, 'whatReviewed'),
    communication,
    whatChanged: joinAnswers(docs, 'whatChanged'),
    communications: comms,
  };
  const missing = CHECKLIST_KEYS.filter((k) => checklist[k] === null);
  return { ...checklist, missing, complete: missing.length === 0 };
}
