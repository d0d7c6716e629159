/**
 * Suggested answers for a month's documentation, shown while the question is unanswered and never saved
 * by themselves: "why monitored" from the care plan's goal (the patient's own words), "what changed" from
 * the month's recorded therapy changes. A suggestion becomes an answer only when staff save it.
 */
import type { Queryable } from '../db/database.ts';
import { listTherapyChanges, whatChangedText } from './therapy-change-repository.ts';

export interface Suggestion {
  text: string;
  source: 'care_plan.goal' | 'therapy_changes';
  suggested: true;
}

export interface DocumentationSuggestions {
  whyMonitored: Suggestion | null;
  whatChanged: Suggestion | null;
}

const blank = (s: string | null | undefined) => !s || s.trim().length === 0;

export async function documentationSuggestions(
  q: Queryable,
  input: { orgId: string; patientId: string; month: string; timeZone: string; answers: { whyMonitored: string | null; whatChanged: string | null } | undefined },
): Promise<DocumentationSuggestions> {
  let whyMonitored: Suggestion | null = null;
  let whatChanged: Suggestion | null = null;
  if (blank(input.answers?.whyMonitored)) {
    const { rows } = await q.query<{ goal: string | null }>('SELECT goal FROM care_plans WHERE patient_id = $1 AND org_id = $2', [input.patientId, input.orgId]);
    const goal = rows[0]?.goal;
    if (!blank(goal)) whyMonitored = { text: goal!.trim(), source: 'care_plan.goal', suggested: true };
  }
  if (blank(input.answers?.whatChanged)) {
    const text = whatChangedText(await listTherapyChanges(q, input.orgId, input.patientId, input.month), input.timeZone);
    if (text) whatChanged = { text, source: 'therapy_changes', suggested: true };
  }
  return { whyMonitored, whatChanged };
}
