/**
 * Therapy changes: what changed, why, when, who decided, and the data that prompted it (an alert of this
 * patient, event ids, dates). The month is the patient-local month of `changedAt`; the month's changes
 * pre-fill "what changed" in its documentation.
 */
import type { Queryable } from '../db/database.ts';
import { localDateOf, monthOf } from '../billing/local-date.ts';
import { ClinicalWorkError } from './clinical-work-error.ts';

export interface TherapyChangeEvidence {
  eventIds?: number[];
  dates?: string[];
}

export interface TherapyChange {
  id: number;
  patientId: string;
  userId: string;
  userName: string;
  changedAt: Date;
  month: string;
  what: string;
  why: string;
  alertId: number | null;
  evidence: TherapyChangeEvidence;
  createdAt: Date;
}

export interface NewTherapyChange {
  orgId: string;
  patientId: string;
  timeZone: string;
  userId: string;
  changedAt: Date;
  what: string;
  why: string;
  alertId?: number | null;
  evidence?: TherapyChangeEvidence;
}

interface ChangeRow {
  id: number; patient_id: string; user_id: string; user_name: string; changed_at: Date; month: string; what: string; why: string; alert_id: number | null;
  evidence: TherapyChangeEvidence; created_at: Date;
}
const toChange = (r: ChangeRow): TherapyChange => ({
  id: Number(r.id), patientId: r.patient_id, userId: r.user_id, userName: r.user_name, changedAt: r.changed_at, month: r.month, what: r.what, why: r.why,
  alertId: r.alert_id === null ? null : Number(r.alert_id), evidence: r.evidence ?? {}, createdAt: r.created_at,
});

const SELECT = `SELECT c.id, c.patient_id, c.user_id, u.name AS user_name, c.changed_at, c.month, c.what, c.why, c.alert_id, c.evidence, c.created_at
                  FROM therapy_changes c JOIN users u ON u.id = c.user_id`;

/** Refuses links to data that is not this patient's: an alert of another patient (or organisation), foreign events. */
async function checkEvidence(q: Queryable, input: NewTherapyChange): Promise<void> {
  if (input.alertId != null) {
    const { rows } = await q.query('SELECT 1 FROM alerts WHERE id = $1 AND patient_id = $2 AND org_id = $3', [input.alertId, input.patientId, input.orgId]);
    if (rows.length === 0) throw new ClinicalWorkError(422, 'invalid_alert', `alert ${input.alertId} is not an alert of this patient`);
  }
  const ids = [...new Set(input.evidence?.eventIds ?? [])];
  if (ids.length > 0) {
    const { rows } = await q.query<{ id: number }>('SELECT id FROM events WHERE id = ANY($1::bigint[]) AND patient_id = $2', [ids, input.patientId]);
    const found = new Set(rows.map((r) => Number(r.id)));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw new ClinicalWorkError(422, 'invalid_evidence', `event(s) ${missing.join(', ')} are not this patient's`);
  }
}

export async function recordTherapyChange(tx: Queryable, input: NewTherapyChange): Promise<TherapyChange> {
  await checkEvidence(tx, input);
  const month = monthOf(localDateOf(input.changedAt, input.timeZone));
  const evidence: TherapyChangeEvidence = {};
  if (input.evidence?.eventIds?.length) evidence.eventIds = [...new Set(input.evidence.eventIds)].sort((a, b) => a - b);
  if (input.evidence?.dates?.length) evidence.dates = [...new Set(input.evidence.dates)].sort();
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO therapy_changes (org_id, patient_id, user_id, changed_at, month, what, why, alert_id, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [input.orgId, input.patientId, input.userId, input.changedAt, month, input.what, input.why, input.alertId ?? null, JSON.stringify(evidence)],
  );
  const created = await tx.query<ChangeRow>(`${SELECT} WHERE c.id = $1`, [rows[0]!.id]);
  return toChange(created.rows[0]!);
}

export async function listTherapyChanges(q: Queryable, orgId: string, patientId: string, month?: string): Promise<TherapyChange[]> {
  const { rows } = await q.query<ChangeRow>(`${SELECT} WHERE c.org_id = $1 AND c.patient_id = $2 AND ($3::text IS NULL OR c.month = $3) ORDER BY c.changed_at, c.id`, [
    orgId, patientId, month ?? null,
  ]);
  return rows.map(toChange);
}

/** "What changed" as the documentation suggests it: the month's changes, one line each. */
export function whatChangedText(changes: readonly Pick<TherapyChange, 'changedAt' | 'what' | 'why'>[], timeZone: string): string | null {
  if (changes.length === 0) return null;
  return changes.map((c) => `${localDateOf(c.changedAt, timeZone)}: ${c.what} (why: ${c.why})`).join('; ');
}
