/**
 * The enrolment form's state and the two API bodies it becomes: the patient (POST /v1/patients) and the
 * care plan with consent (PUT /v1/patients/:id/care-plan). Consent time is entered on the PATIENT's wall
 * clock and sent as the instant it names there.
 */
import type { In } from '../api/endpoints.ts';
import type * as carePlans from '../../../src/api/routes/care-plans/schemas.ts';
import type * as patients from '../../../src/api/routes/patients/schemas.ts';
import type { StaffUser } from '../api/endpoints.ts';
import { instantFromLocal } from '../patient-work/zoned-time.ts';

export type Category = 'respiratory' | 'musculoskeletal' | 'cbt';
export type Monitors = 'adherence' | 'symptoms' | 'both';
export type ConsentMethod = 'verbal' | 'written' | 'electronic';

export interface EnrolDraft {
  reference: string;
  name: string;
  timeZone: string;
  bodySystem: Category;
  monitoringStart: string;
  diagnosis: string;
  monitors: Monitors;
  dosesPerDay: number;
  doseTimes: string[];
  toleranceMinutes: number;
  goal: string;
  clinicalOwnerId: string;
  coordinatorId: string;
  consentNow: boolean;
  consentBy: string;
  consentMethod: ConsentMethod;
  /** datetime-local on the patient's wall clock */
  consentAt: string;
}

/** Sensible dose times for n doses a day (the clinic edits them). */
export function defaultDoseTimes(n: number): string[] {
  const presets: Record<number, string[]> = { 0: [], 1: ['08:00'], 2: ['08:00', '20:00'], 3: ['08:00', '14:00', '20:00'], 4: ['08:00', '12:00', '16:00', '20:00'] };
  if (presets[n]) return presets[n]!;
  // spread 5-8 doses over the waking day, 07:00 to 22:00
  return Array.from({ length: n }, (_, i) => {
    const minutes = 7 * 60 + Math.round((i * 15 * 60) / (n - 1));
    return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  });
}

/** Keeps the times already entered when the number of doses changes. */
export function resizeDoseTimes(times: readonly string[], n: number): string[] {
  const defaults = defaultDoseTimes(n);
  return Array.from({ length: n }, (_, i) => times[i] ?? defaults[i]!);
}

/** "Dr. Dana Reyes (NPI 1234567893)": how billing names the practitioner on every period. */
export const practitionerName = (user: Pick<StaffUser, 'name' | 'npi'>): string => (user.npi ? `${user.name} (NPI ${user.npi})` : user.name);

export function patientBody(draft: EnrolDraft, owner: StaffUser | undefined): In<typeof patients.EnrolPatientBody> {
  return {
    reference: draft.reference,
    name: draft.name,
    timeZone: draft.timeZone.trim(),
    bodySystem: draft.bodySystem,
    monitoringStart: draft.monitoringStart,
    billingPractitioner: owner ? practitionerName(owner) : '',
    ...(draft.diagnosis.trim() ? { diagnosis: draft.diagnosis } : {}),
  };
}

export function consentBody(draft: Pick<EnrolDraft, 'consentBy' | 'consentMethod' | 'consentAt'>, timeZone: string): { by: string; method: ConsentMethod; at: string } {
  let at: Date | null = null;
  try {
    at = instantFromLocal(draft.consentAt, timeZone);
  } catch {
    // an unknown zone: the patient's own field already says so; send the value for the API to refuse
  }
  return { by: draft.consentBy, method: draft.consentMethod, at: at ? at.toISOString() : draft.consentAt };
}

export function carePlanBody(draft: EnrolDraft): In<typeof carePlans.CarePlanBody> {
  return {
    monitors: draft.monitors,
    dosesPerDay: draft.dosesPerDay,
    doseTimes: draft.doseTimes,
    toleranceMinutes: draft.toleranceMinutes,
    category: draft.bodySystem,
    clinicalOwnerId: draft.clinicalOwnerId,
    coordinatorId: draft.coordinatorId,
    goal: draft.goal.trim() ? draft.goal : null,
    ...(draft.consentNow ? { consent: consentBody(draft, draft.timeZone.trim()) } : {}),
  };
}
