/**
 * Care plans (docs/clinical.md, "Care plans"): one per patient. Saving a plan writes patients.regimen in the
 * same transaction (the cap's reminders follow the plan's dose times) and, after the commit, pushes the new
 * device config to the patient's cap the way an assignment change does.
 *
 * Consent comes before monitoring. A plan without consent is 'awaiting_consent': the alert engine does not
 * evaluate the patient, and once consent is recorded nothing before consent_at counts as alert evidence.
 * Recorded consent cannot be erased by a later save (a correction replaces it, with who recorded it), and
 * consent cannot be dated in the future.
 */
import { refreshWorkItems } from './work-queue-repository.ts';
import type { Database, Queryable } from '../db/database.ts';
import { pushConfigsForPatient, type ConfigDownlink } from '../device-config/config-service.ts';
import { appendAudit } from '../repositories/audit.ts';
import { localDateOf, toLocalDate } from '../billing/local-date.ts';
import { sanitiseOverrides, type RuleOverrides } from './alert-rules.ts';

export type Monitors = 'adherence' | 'symptoms' | 'both';
export type CarePlanCategory = 'respiratory' | 'musculoskeletal' | 'cbt';
export type ConsentMethod = 'verbal' | 'written' | 'electronic';

export interface CarePlanInput {
  monitors: Monitors;
  dosesPerDay: number;
  /** patient-local "HH:MM", one per dose */
  doseTimes: string[];
  toleranceMinutes: number;
  category: CarePlanCategory;
  clinicalOwnerId: string;
  coordinatorId: string;
  /** omitted or null: keep the consent already recorded (if any) */
  consent?: { by: string; method: ConsentMethod; at: Date | string } | null;
  goal?: string | null;
  rules?: RuleOverrides;
}

export interface CarePlan {
  patientId: string;
  orgId: string;
  status: 'awaiting_consent' | 'active';
  monitors: Monitors;
  dosesPerDay: number;
  doseTimes: string[];
  toleranceMinutes: number;
  category: CarePlanCategory;
  clinicalOwnerId: string | null;
  coordinatorId: string | null;
  consent: { by: string; method: ConsentMethod | null; at: Date; recordedBy: string | null } | null;
  goal: string | null;
  rules: RuleOverrides;
  /** Facts a reviewer should see (e.g. consent recorded after the monitoring start date). */
  warnings: string[];
  updatedBy: string | null;
  updatedAt: Date;
  createdAt: Date;
}

export type CarePlanErrorCode = 'not_found' | 'invalid_staff' | 'invalid_regimen' | 'consent_in_future' | 'category_mismatch';

export class CarePlanError extends Error {
  override readonly name = 'CarePlanError';
  constructor(
    readonly code: CarePlanErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface PlanRow {
  patient_id: string;
  org_id: string;
  monitors: Monitors;
  doses_per_day: number;
  dose_minutes: number[];
  tolerance_min: number;
  category: CarePlanCategory;
  clinical_owner_id: string | null;
  coordinator_id: string | null;
  consent_at: Date | null;
  consent_by: string | null;
  consent_method: ConsentMethod | null;
  consent_recorded_by: string | null;
  goal: string | null;
  rules: unknown;
  updated_by: string | null;
  updated_at: Date;
  created_at: Date;
  time_zone: string;
  monitoring_start: string | Date;
}

const pad = (n: number) => String(n).padStart(2, '0');
export const minutesToTime = (m: number): string => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
export function timeToMinutes(t: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(t);
  if (!m) throw new CarePlanError('invalid_regimen', `dose time must be HH:MM (00:00-23:59), got ${JSON.stringify(t)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function toPlan(r: PlanRow): CarePlan {
  const warnings: string[] = [];
  const start = toLocalDate(r.monitoring_start);
  if (r.consent_at && localDateOf(r.consent_at, r.time_zone) > start) {
    warnings.push(`consent was recorded on ${localDateOf(r.consent_at, r.time_zone)}, after monitoring started on ${start}: data before consent is not used for alerts`);
  }
  if (!r.consent_at) warnings.push('no consent recorded: the patient is not monitored for alerts until consent is recorded');
  return {
    patientId: r.patient_id,
    orgId: r.org_id,
    status: r.consent_at ? 'active' : 'awaiting_consent',
    monitors: r.monitors,
    dosesPerDay: r.doses_per_day,
    doseTimes: r.dose_minutes.map(minutesToTime),
    toleranceMinutes: r.tolerance_min,
    category: r.category,
    clinicalOwnerId: r.clinical_owner_id,
    coordinatorId: r.coordinator_id,
    consent: r.consent_at ? { by: r.consent_by!, method: r.consent_method, at: r.consent_at, recordedBy: r.consent_recorded_by } : null,
    goal: r.goal,
    rules: sanitiseOverrides(r.rules),
    warnings,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
    createdAt: r.created_at,
  };
}

const SELECT_PLAN = `SELECT c.*, p.time_zone, p.monitoring_start FROM care_plans c JOIN patients p ON p.id = c.patient_id`;

/** The patient's care plan when the patient belongs to `orgId`; undefined when there is none (or another org's). */
export async function loadCarePlan(q: Queryable, orgId: string, patientId: string): Promise<CarePlan | undefined> {
  const { rows } = await q.query<PlanRow>(`${SELECT_PLAN} WHERE c.patient_id = $1 AND c.org_id = $2`, [patientId, orgId]);
  return rows[0] && toPlan(rows[0]);
}

async function checkStaff(q: Queryable, orgId: string, plan: CarePlanInput): Promise<void> {
  const { rows } = await q.query<{ id: string; role: string }>(
    'SELECT id, role FROM users WHERE org_id = $1 AND id = ANY($2::uuid[]) AND disabled_at IS NULL',
    [orgId, [plan.clinicalOwnerId, plan.coordinatorId]],
  );
  const role = new Map(rows.map((r) => [r.id, r.role]));
  if (role.get(plan.clinicalOwnerId) !== 'clinician') throw new CarePlanError('invalid_staff', 'clinicalOwnerId must be an active clinician of the organisation');
  const coordinator = role.get(plan.coordinatorId);
  if (coordinator !== 'coordinator' && coordinator !== 'clinician') throw new CarePlanError('invalid_staff', 'coordinatorId must be an active coordinator or clinician of the organisation');
}

export interface SaveCarePlanInput {
  orgId: string;
  patientId: string;
  plan: CarePlanInput;
  /** the person saving it (care_plans.updated_by, the audit log); null only for system writes */
  userId: string | null;
  now?: Date;
  /** When given, the patient's cap gets the new reminders at once (else at its next Hello). */
  downlink?: ConfigDownlink;
  /** audit actor; default `user:<userId>` */
  actor?: string;
}

export async function saveCarePlan(db: Database, input: SaveCarePlanInput): Promise<CarePlan> {
  const { orgId, patientId, plan, userId } = input;
  const now = input.now ?? new Date();
  const actor = input.actor ?? (userId ? `user:${userId}` : 'system');
  const minutes = [...new Set(plan.doseTimes.map(timeToMinutes))].sort((a, b) => a - b);
  if (minutes.length !== plan.dosesPerDay) throw new CarePlanError('invalid_regimen', `doseTimes must hold ${plan.dosesPerDay} distinct times, one per dose`);
  if (plan.dosesPerDay === 0 && plan.monitors !== 'symptoms') throw new CarePlanError('invalid_regimen', 'a plan that monitors adherence needs at least one dose a day');
  const consentAt = plan.consent ? new Date(plan.consent.at) : null;
  if (consentAt && (Number.isNaN(consentAt.getTime()) || consentAt > now)) throw new CarePlanError('consent_in_future', 'consent cannot be recorded for a time after now');

  const { saved, regimenChanged } = await db.transaction(async (tx) => {
    const { rows: patients } = await tx.query<{ body_system: string; regimen: { reminderMinutes?: number[]; dosesPerDay?: number } }>(
      'SELECT body_system, regimen FROM patients WHERE id = $1 AND org_id = $2 FOR UPDATE',
      [patientId, orgId],
    );
    const patient = patients[0];
    if (!patient) throw new CarePlanError('not_found', 'patient not found');
    if (patient.body_system !== plan.category) {
      throw new CarePlanError('category_mismatch', `the RTM category must match the patient's body system (${patient.body_system}), which billing codes follow`);
    }
    await checkStaff(tx, orgId, plan);
    const { rows: before } = await tx.query<PlanRow>(`${SELECT_PLAN} WHERE c.patient_id = $1`, [patientId]);
    const previous = before[0] ? toPlan(before[0]) : undefined;
    const consentChanged = consentAt !== null && (!previous?.consent || previous.consent.at.getTime() !== consentAt.getTime() || previous.consent.by !== plan.consent!.by || previous.consent.method !== plan.consent!.method);
    const { rows } = await tx.query<{ patient_id: string }>(
      `INSERT INTO care_plans (patient_id, org_id, monitors, doses_per_day, dose_minutes, tolerance_min, category, clinical_owner_id, coordinator_id,
                               consent_at, consent_by, consent_method, consent_recorded_by, goal, rules, updated_by, updated_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
       ON CONFLICT (patient_id) DO UPDATE SET
         monitors = EXCLUDED.monitors, doses_per_day = EXCLUDED.doses_per_day, dose_minutes = EXCLUDED.dose_minutes,
         tolerance_min = EXCLUDED.tolerance_min, category = EXCLUDED.category, clinical_owner_id = EXCLUDED.clinical_owner_id,
         coordinator_id = EXCLUDED.coordinator_id,
         consent_at = CASE WHEN $18 THEN EXCLUDED.consent_at ELSE care_plans.consent_at END,
         consent_by = CASE WHEN $18 THEN EXCLUDED.consent_by ELSE care_plans.consent_by END,
         consent_method = CASE WHEN $18 THEN EXCLUDED.consent_method ELSE care_plans.consent_method END,
         consent_recorded_by = CASE WHEN $18 THEN EXCLUDED.consent_recorded_by ELSE care_plans.consent_recorded_by END,
         goal = EXCLUDED.goal, rules = EXCLUDED.rules, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
       RETURNING patient_id`,
      [
        patientId, orgId, plan.monitors, plan.dosesPerDay, minutes, plan.toleranceMinutes, plan.category, plan.clinicalOwnerId, plan.coordinatorId,
        consentChanged ? consentAt : (previous?.consent?.at ?? null),
        consentChanged ? plan.consent!.by : (previous?.consent?.by ?? null),
        consentChanged ? plan.consent!.method : (previous?.consent?.method ?? null),
        consentChanged ? userId : (previous?.consent?.recordedBy ?? null),
        plan.goal ?? null, JSON.stringify(plan.rules ?? {}), userId, now, consentChanged,
      ],
    );
    const oldMinutes = [...(patient.regimen?.reminderMinutes ?? [])].sort((a, b) => a - b);
    const regimenChanged = patient.regimen?.dosesPerDay !== plan.dosesPerDay || oldMinutes.join(',') !== minutes.join(',');
    await tx.query('UPDATE patients SET regimen = $2 WHERE id = $1', [patientId, JSON.stringify({ dosesPerDay: plan.dosesPerDay, reminderMinutes: minutes })]);
    // the plan shapes the month's work and alerts: have them re-evaluated soon
    await tx.query('INSERT INTO alert_evaluation_queue (patient_id) VALUES ($1) ON CONFLICT (patient_id) DO NOTHING', [patientId]);
    // owner and coordinator show on the queue at once; alerts follow when the queue is drained
    await refreshWorkItems(tx, { patientIds: [patientId], now });
    await appendAudit(tx, {
      actor,
      orgId,
      userId,
      action: previous ? 'care_plan.update' : 'care_plan.create',
      target: patientId,
      detail: { consentRecorded: consentChanged, regimenChanged, monitors: plan.monitors, doseTimes: minutes.map(minutesToTime) },
    });
    const { rows: after } = await tx.query<PlanRow>(`${SELECT_PLAN} WHERE c.patient_id = $1`, [rows[0]!.patient_id]);
    return { saved: toPlan(after[0]!), regimenChanged };
  });
  if (regimenChanged && input.downlink) {
    // the plan is committed either way: a cap that misses the push is offered the config again at its next Hello
    try {
      const pushed = await pushConfigsForPatient(db, input.downlink, patientId, now, { actor, reason: 'care_plan' });
      for (const p of pushed) if (p.publishError) saved.warnings.push(`the new reminders for cap ${p.serial} were stored but not published (${p.publishError}); the cap gets them at its next Hello`);
    } catch (error) {
      saved.warnings.push(`the cap's config could not be updated (${(error as Error).message}); it is offered again at the cap's next Hello`);
    }
  }
  return saved;
}
