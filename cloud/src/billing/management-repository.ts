/**
 * Clinic-entered billing inputs: staff management time, real-time interactive communications and the
 * monthly documentation checklist. Validated here (zod) because C3's API and the CLI pass user input straight
 * through. Months are computed in the patient's zone, never the server's.
 */
import { z } from 'zod';
import type { Queryable } from '../db/database.ts';
import { loadPatientContexts } from './billing-repository.ts';
import { isLocalMonth, localDateOf, monthOf } from './local-date.ts';
import { BillingInputError, PatientNotFoundError } from './billing-errors.ts';
import { TIME_CATEGORIES } from './time-categories.ts';

const text = z.string().trim().min(1).max(2000);

export const managementTimeInput = z
  .object({
    patientId: z.uuid(),
    staff: text,
    minutes: z.number().int().min(1).max(1440),
    activity: text,
    performedAt: z.date(),
    createdBy: text,
    /** the person the entry is attributed to (users.id); null for rows written by a machine or the CLI */
    userId: z.uuid().nullish(),
    category: z.enum(TIME_CATEGORIES).default('treatment_management'),
    /** measured span (a timer, or a manual entry with both times); performedAt is then startedAt */
    startedAt: z.date().nullish(),
    endedAt: z.date().nullish(),
    entryKind: z.enum(['timer', 'manual']).default('manual'),
    manualReason: z.string().trim().min(1).max(2000).nullish(),
  })
  .refine((v) => (v.startedAt == null) === (v.endedAt == null), { message: 'startedAt and endedAt go together', path: ['endedAt'] })
  .refine((v) => v.startedAt == null || v.endedAt == null || v.endedAt.getTime() > v.startedAt.getTime(), { message: 'endedAt must be after startedAt', path: ['endedAt'] });
export type ManagementTimeInput = z.input<typeof managementTimeInput>;

export const interactiveCommunicationInput = z.object({
  patientId: z.uuid(),
  at: z.date(),
  minutes: z.number().int().min(1).max(1440),
  modality: z.enum(['phone', 'video']),
  staff: text,
  note: z.string().max(2000).nullish(),
  createdBy: text,
  userId: z.uuid().nullish(),
});
export type InteractiveCommunicationInput = z.infer<typeof interactiveCommunicationInput>;

const answer = z.string().trim().max(4000).nullish();
export const monthlyDocumentationInput = z.object({
  patientId: z.uuid(),
  month: z.string().refine(isLocalMonth, 'month must be YYYY-MM'),
  whyMonitored: answer,
  whatCollected: answer,
  whatReviewed: answer,
  communication: answer,
  whatChanged: answer,
  updatedBy: text,
  updatedByUser: z.uuid().nullish(),
});
export type MonthlyDocumentationInput = z.infer<typeof monthlyDocumentationInput>;

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new BillingInputError(r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
  return r.data;
}

async function patientContext(q: Queryable, patientId: string) {
  const ctx = (await loadPatientContexts(q, [patientId])).get(patientId);
  if (!ctx) throw new PatientNotFoundError(patientId);
  return ctx;
}

export async function logManagementTime(q: Queryable, input: ManagementTimeInput): Promise<{ id: number; month: string }> {
  const v = parse(managementTimeInput, input);
  const ctx = await patientContext(q, v.patientId);
  const month = monthOf(localDateOf(v.performedAt, ctx.patient.timeZone));
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO management_time (patient_id, org_id, staff, minutes, activity, performed_at, month, created_by, user_id, category, started_at, ended_at, entry_kind, manual_reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
    [v.patientId, ctx.orgId, v.staff, v.minutes, v.activity, v.performedAt, month, v.createdBy, v.userId ?? null, v.category, v.startedAt ?? null, v.endedAt ?? null, v.entryKind, v.manualReason ?? null],
  );
  return { id: Number(rows[0]!.id), month };
}

export async function logInteractiveCommunication(q: Queryable, input: InteractiveCommunicationInput): Promise<{ id: number; month: string }> {
  const v = parse(interactiveCommunicationInput, input);
  const ctx = await patientContext(q, v.patientId);
  const month = monthOf(localDateOf(v.at, ctx.patient.timeZone));
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO interactive_communications (patient_id, org_id, at, minutes, modality, staff, note, month, created_by, user_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [v.patientId, ctx.orgId, v.at, v.minutes, v.modality, v.staff, v.note ?? null, month, v.createdBy, v.userId ?? null],
  );
  return { id: Number(rows[0]!.id), month };
}

/** Insert or replace the month's checklist answers (fields not given keep their stored value). */
export async function saveMonthlyDocumentation(q: Queryable, input: MonthlyDocumentationInput): Promise<void> {
  const v = parse(monthlyDocumentationInput, input);
  await patientContext(q, v.patientId);
  const given = (x: string | null | undefined) => x !== undefined;
  await q.query(
    `INSERT INTO monthly_documentation (patient_id, month, why_monitored, what_collected, what_reviewed, communication, what_changed, updated_by, updated_by_user)
     VALUES ($1, $2, $3, $5, $7, $9, $11, $13, $14)
     ON CONFLICT (patient_id, month) DO UPDATE SET
       why_monitored = CASE WHEN $4::boolean THEN EXCLUDED.why_monitored ELSE monthly_documentation.why_monitored END,
       what_collected = CASE WHEN $6::boolean THEN EXCLUDED.what_collected ELSE monthly_documentation.what_collected END,
       what_reviewed = CASE WHEN $8::boolean THEN EXCLUDED.what_reviewed ELSE monthly_documentation.what_reviewed END,
       communication = CASE WHEN $10::boolean THEN EXCLUDED.communication ELSE monthly_documentation.communication END,
       what_changed = CASE WHEN $12::boolean THEN EXCLUDED.what_changed ELSE monthly_documentation.what_changed END,
       updated_by = EXCLUDED.updated_by, updated_by_user = EXCLUDED.updated_by_user, updated_at = now()`,
    [
      v.patientId,
      v.month,
      v.whyMonitored ?? null,
      given(v.whyMonitored),
      v.whatCollected ?? null,
      given(v.whatCollected),
      v.whatReviewed ?? null,
      given(v.whatReviewed),
      v.communication ?? null,
      given(v.communication),
      v.whatChanged ?? null,
      given(v.whatChanged),
      v.updatedBy,
      v.updatedByUser ?? null,
    ],
  );
}
