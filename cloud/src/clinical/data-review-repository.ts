/**
 * Data reviews: a clinician or coordinator reviewed the patient's data for a patient-local month. One
 * recorded review closes the month's "data review due" work item.
 */
import type { Queryable } from '../db/database.ts';

export interface DataReview {
  id: number;
  patientId: string;
  userId: string;
  userName: string;
  reviewedAt: Date;
  month: string;
  note: string | null;
}

interface ReviewRow {
  id: number; patient_id: string; user_id: string; user_name: string; reviewed_at: Date; month: string; note: string | null;
}
const toReview = (r: ReviewRow): DataReview => ({ id: Number(r.id), patientId: r.patient_id, userId: r.user_id, userName: r.user_name, reviewedAt: r.reviewed_at, month: r.month, note: r.note });
const SELECT = 'SELECT r.id, r.patient_id, r.user_id, u.name AS user_name, r.reviewed_at, r.month, r.note FROM data_reviews r JOIN users u ON u.id = r.user_id';

export async function recordDataReview(tx: Queryable, input: { orgId: string; patientId: string; userId: string; month: string; note?: string | null; now: Date }): Promise<DataReview> {
  const { rows } = await tx.query<{ id: number }>(
    'INSERT INTO data_reviews (org_id, patient_id, user_id, reviewed_at, month, note) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [input.orgId, input.patientId, input.userId, input.now, input.month, input.note ?? null],
  );
  const created = await tx.query<ReviewRow>(`${SELECT} WHERE r.id = $1`, [rows[0]!.id]);
  return toReview(created.rows[0]!);
}

export async function listDataReviews(q: Queryable, orgId: string, patientId: string, month?: string): Promise<DataReview[]> {
  const { rows } = await q.query<ReviewRow>(`${SELECT} WHERE r.org_id = $1 AND r.patient_id = $2 AND ($3::text IS NULL OR r.month = $3) ORDER BY r.reviewed_at, r.id`, [
    orgId, patientId, month ?? null,
  ]);
  return rows.map(toReview);
}
