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
  category: string;
  entryKind: 'timer' | 'manual';
  startedAt: Date | null;
  endedAt: Date | null;
  manualReason: string | null;
  userId: string | null;
}

export interface CommunicationRecord {
  id: number;
  at: Date;
  minutes: number;
  modality: 'phone' | 'video';
  staff: string;
  note: string | null;
  month: string;
  userId: string | null;
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
  // soft-deleted time entries are kept for the audit trail, not shown as the month's time
  const time = await q.query<{
    id: number; staff: string; minutes: number; activity: string; performed_at: Date; month: string; category: string; entry_kind: 'timer' | 'manual';
    started_at: Date | null; ended_at: Date | null; manual_reason: string | null; user_id: string | null;
  }>(
    `SELECT id, staff, minutes, activity, performed_at, month, category, entry_kind, started_at, ended_at, manual_reason, user_id
       FROM management_time WHERE patient_id = $1 AND month = $2 AND deleted_at IS NULL ORDER BY performed_at, id`,
    [patientId, month],
  );
  const comms = await q.query<{ id: number; at: Date; minutes: number; modality: 'phone' | 'video'; staff: string; note: string | null; month: string; user_id: string | null }>(
    'SELECT id, at, minutes, modality, staff, note, month, user_id FROM interactive_communications WHERE patient_id = $1 AND month = $2 ORDER BY at, id',
    [patientId, month],
  );
  const d = docs.rows[0];
  return {
    answers: d && { whyMonitored: d.why_monitored, whatCollected: d.what_collected, whatReviewed: d.what_reviewed, communication: d.communication, whatChanged: d.what_changed },
    timeEntries: time.rows.map((t) => ({
      id: Number(t.id), staff: t.staff, minutes: t.minutes, activity: t.activity, performedAt: t.performed_at, month: t.month, category: t.category, entryKind: t.entry_kind,
      startedAt: t.started_at, endedAt: t.ended_at, manualReason: t.manual_reason, userId: t.user_id,
    })),
    communications: comms.rows.map((c) => ({ id: Number(c.id), at: c.at, minutes: c.minutes, modality: c.modality, staff: c.staff, note: c.note, month: c.month, userId: c.user_id })),
  };
}
