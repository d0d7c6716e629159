/**
 * What the data already says for each documentation question, so staff confirm and edit instead of typing:
 * the API's suggestions (why monitored: the care plan's goal; what changed: the month's therapy changes),
 * the month's recorded data reviews for "what was reviewed", and the parts of the claim that are derived
 * and always included (the cap's data summary per period, the logged calls). A suggestion is only a draft:
 * it becomes an answer when staff save the form.
 */
import type { Documentation } from '../api/endpoints.ts';
import { formatDate, formatTime } from '../components/format.ts';
import type { QuestionKey } from './documentation-questions.ts';
import type { DataReviewRow } from './work-types.ts';
import { localDateIn } from './zoned-time.ts';

export interface Suggested {
  text: string;
  /** where the draft comes from, in staff's words */
  from: string;
}

export interface Prefill {
  suggestions: Partial<Record<QuestionKey, Suggested>>;
  /** what the claim includes for the question without any answer (shown beside it) */
  derived: Partial<Record<QuestionKey, string[]>>;
}

export function prefillOf(doc: Documentation, reviews: DataReviewRow[], patient: { timeZone: string; diagnosis: string | null }): Prefill {
  const suggestions: Prefill['suggestions'] = {};
  if (doc.suggestions.whyMonitored) suggestions.whyMonitored = { text: doc.suggestions.whyMonitored.text, from: "the care plan's goal" };
  if (doc.suggestions.whatChanged) suggestions.whatChanged = { text: doc.suggestions.whatChanged.text, from: "this month's therapy changes" };
  if (reviews.length > 0) {
    const text = reviews
      .map((r) => `Data reviewed ${formatDate(localDateIn(new Date(r.reviewedAt), patient.timeZone))} by ${r.userName}${r.note ? `: ${r.note}` : '.'}`)
      .join(' ');
    suggestions.whatReviewed = { text, from: "this month's recorded data reviews" };
  }

  const derived: Prefill['derived'] = {};
  if (patient.diagnosis) derived.whyMonitored = [`Diagnosis on file: ${patient.diagnosis}`];
  // a period that has not started yet has collected nothing: leave it out
  const today = localDateIn(new Date(), patient.timeZone);
  const collected = doc.periods
    .filter((p) => p.startDate <= today)
    .map((p) => (typeof p.checklist.whatCollected === 'string' ? `${formatDate(p.startDate)} to ${formatDate(p.endDate)}: ${p.checklist.whatCollected.split(' | ')[0]}` : null))
    .filter((s): s is string => s !== null);
  if (collected.length > 0) derived.whatCollected = collected;
  if (doc.communications.length > 0) {
    derived.communication = doc.communications.map((c) => `${formatTime(c.at, patient.timeZone)}: ${c.modality} call, ${c.minutes} min, by ${c.staff}${c.note ? ` (${c.note})` : ''}`);
  }
  return { suggestions, derived };
}
