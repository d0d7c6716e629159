/**
 * A newly enrolled patient's activation, from enrolment to the first data (docs/dashboard.md, Enrolment).
 * Consent comes before monitoring (clinical/care-plan-repository.ts), so a patient whose cap already reports
 * is still "awaiting consent" until consent is recorded. Once data has arrived the patient is active for good:
 * a later cap swap is a device problem, not an unfinished enrolment.
 */
import type { ActivationFacts } from '../repositories/activation-facts.ts';

export const ACTIVATION_STATUSES = ['awaiting_care_plan', 'awaiting_consent', 'awaiting_cap', 'waiting_for_first_data', 'active'] as const;
export type ActivationStatus = (typeof ACTIVATION_STATUSES)[number];

export function activationStatusOf(facts: Pick<ActivationFacts, 'hasCarePlan' | 'consent' | 'cap' | 'firstDataAt'>): ActivationStatus {
  if (!facts.hasCarePlan) return 'awaiting_care_plan';
  if (!facts.consent) return 'awaiting_consent';
  if (facts.firstDataAt) return 'active';
  if (!facts.cap) return 'awaiting_cap';
  return 'waiting_for_first_data';
}
