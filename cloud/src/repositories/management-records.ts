/**
 * One patient-local month of treatment-management records, as the clinic's documentation view shows them:
 * the checklist answers, staff time and interactive communications. The billing engine writes these tables
 * (cloud/src/billing/management-repository.ts) and reads them in bulk; `month` is the patient-local month
 * stored with each record when it was logged.
 */
import type { Queryable } from '../db/database.ts';

export interface DocumentationAnswers {
  whyMonitored: string | null;
  whatCollected: string | null;
  whatReviewed: string | null;
  communication: string | null;
  whatChanged: string | null;
}

export interface TimeEntryRecord {
  id: number;
  staff: string;
  minutes: number;
  activity: string;
  performedAt: Date;
  month: string;
}

export interface CommunicationRecord {
  id: number;
  at: Date;
  minutes: number;
  modality: 'phone' | 'video';
  staff: string;
  note: string | null;
  month: string;
}

export interface MonthRecords {
  /** undefined when nothing was documented for the month yet */
  answers: DocumentationAnswers | undefined;
  timeEntries: TimeEntryRecord[];
  communications: CommunicationRecord[];
}

export async function loadMonthRecords(q: Queryable, patientId: string, month: string): Promise<MonthRecords> {
  const docs = await q.query<{ why_monitored: string | null; what_collected: string | null; what_reviewed: string | null; communication: string | null; what_changed: string | null }>(
    'SELECT why_monitored, what_collected, what_reviewed, communication, what_changed FROM monthly_documentation WHERE patient_id = $1 AND month = $2',
    [patientId, month],
  );
  const time = await q.query<{ id: number; staff: string; minutes: number; activity: string; performed_at: Date; month: string }>(
    'SELECT id, staff, minutes, activity, performed_at, month FROM management_time WHERE patient_id = $1 AND month = $2 ORDER BY performed_at, id',
    [patientId, month],
  );
  const comms = await q.query<{ id: number; at: Date; minutes: number; modality: 'phone' | 'video'; staff: string; note: string | null; month: string }>(
    'SELECT id, at, minutes, modality, staff, note, month FROM interactive_communications WHERE patient_id = $1 AND month = $2 ORDER BY at, id',
    [patientId, month],
  );
  const d = docs.rows[0];
  return {
    answers: d && { whyMonitored: d.why_monitored, whatCollected: d.what_collected, whatReviewed: d.what_reviewed, communication: d.communication, whatChanged: d.what_changed },
    timeEntries: time.rows.map((t) => ({ id: t.id, staff: t.staff, minutes: t.minutes, activity: t.activity, performedAt: t.performed_at, month: t.month })),
    communications: comms.rows.map((c) => ({ id: c.id, at: c.at, minutes: c.minutes, modality: c.modality, staff: c.staff, note: c.note, month: c.month })),
  };
}
