/**
 * The month's five documentation questions (billing-rules.md §3.6) and which are still missing, by the rule
 * the work queue and the claim checklist use (cloud/src/clinical/work-items.ts missingDocumentation): "why
 * monitored" falls back to the diagnosis on file, "what communication" to the month's logged calls, and
 * "what was collected" is derived from the cap's data, so it is never missing.
 */
import type { DocumentationAnswers } from './work-types.ts';

export type QuestionKey = keyof DocumentationAnswers;

export interface Question {
  key: QuestionKey;
  label: string;
  hint: string;
}

export const QUESTIONS: readonly Question[] = [
  { key: 'whyMonitored', label: 'Why is the patient monitored?', hint: 'The condition and the goal that remote monitoring serves.' },
  { key: 'whatCollected', label: 'What data was collected?', hint: "The cap's data is summarised on the claim automatically; add anything else collected." },
  { key: 'whatReviewed', label: 'What data was reviewed, and what did it show?', hint: 'Who reviewed which data, and the findings.' },
  { key: 'communication', label: 'What communication took place?', hint: 'Logged calls are included automatically; add anything else (e.g. talking with a caregiver).' },
  { key: 'whatChanged', label: 'What changed in the care this month?', hint: 'Therapy changes and their reasons; write "No change" when nothing changed.' },
];

export const QUESTION_LABEL: Readonly<Record<QuestionKey, string>> = Object.fromEntries(QUESTIONS.map((q) => [q.key, q.label])) as Record<QuestionKey, string>;

const blank = (s: string | null | undefined) => !s || s.trim().length === 0;

export function missingQuestions(answers: DocumentationAnswers, facts: { diagnosis: string | null; communications: number }): QuestionKey[] {
  const missing: QuestionKey[] = [];
  if (blank(answers.whyMonitored) && blank(facts.diagnosis)) missing.push('whyMonitored');
  if (blank(answers.whatReviewed)) missing.push('whatReviewed');
  if (blank(answers.communication) && facts.communications === 0) missing.push('communication');
  if (blank(answers.whatChanged)) missing.push('whatChanged');
  return missing;
}
