/**
 * Staff time that holds up: every entry is attributed to a person (users.id), carries its span (a timer's
 * start and stop, a manual entry's times, or a manual entry's performedAt + minutes with a reason), an
 * activity category, and is soft-deleted (deleted_at) rather than removed. One person cannot be in two
 * places: a new entry overlapping any live entry of the same user is refused with 409 `time_overlap`.
 *
 * The overlap check runs in SQL under a per-user transaction-scoped advisory lock taken before the check, so
 * two concurrent requests of one user are serialised: the second sees the first's committed row (READ
 * COMMITTED takes a new snapshot per statement) and is refused.
 */
import type { Queryable } from '../db/database.ts';
import { logManagementTime, type ManagementTimeInput } from '../billing/management-repository.ts';
import { countsTowardManagement } from '../billing/time-categories.ts';
import { ClinicalWorkError } from './clinical-work-error.ts';

/** First key of pg_advisory_xact_lock(int4, int4): 'time'. */
const TIME_LOCK_CLASS = 0x74696d65;

/** Span of an entry in SQL: measured times when present, else performed_at + minutes. */
const SPAN_START = 'COALESCE(started_at, performed_at)';
const SPAN_END = "COALESCE(ended_at, performed_at + minutes * interval '1 minute')";

export async function lockUserTime(tx: Queryable, userId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2::text))', [TIME_LOCK_CLASS, userId]);
}

export interface OverlappingEntry {
  id: number;
  patientId: string;
  startedAt: string;
  endedAt: string;
}

export async function findOverlaps(q: Queryable, userId: string, start: Date, end: Date): Promise<OverlappingEntry[]> {
  const { rows } = await q.query<{ id: number; patient_id: string; s: Date; e: Date }>(
    `SELECT id, patient_id, ${SPAN_START} AS s, ${SPAN_END} AS e FROM management_time
      WHERE user_id = $1 AND deleted_at IS NULL AND ${SPAN_START} < $3 AND ${SPAN_END} > $2
      ORDER BY s LIMIT 10`,
    [userId, start, end],
  );
  return rows.map((r) => ({ id: Number(r.id), patientId: r.patient_id, startedAt: r.s.toISOString(), endedAt: r.e.toISOString() }));
}

/**
 * Inserts a time entry; for a person's entry, first refuses overlaps under the user's lock. Must run inside
 * a transaction (the lock is released at commit).
 */
export async function recordTimeEntry(tx: Queryable, input: ManagementTimeInput): Promise<{ id: number; month: string }> {
  if (input.userId) {
    await lockUserTime(tx, input.userId);
    const start = input.startedAt ?? input.performedAt;
    const end = input.endedAt ?? new Date(input.performedAt.getTime() + input.minutes * 60_000);
    const overlaps = await findOverlaps(tx, input.userId, start, end);
    if (overlaps.length > 0) {
      throw new ClinicalWorkError(409, 'time_overlap', `this entry (${start.toISOString()} to ${end.toISOString()}) overlaps ${overlaps.length} entry(ies) of yours`, { overlaps });
    }
  }
  return logManagementTime(tx, input);
}

export interface TimeEntryView {
  id: number;
  patientId: string;
  month: string;
  staff: string;
  userId: string | null;
  userName: string | null;
  minutes: number;
  activity: string;
  category: string;
  /** false for device logistics: recorded, never counted toward 98979-98981 */
  countsTowardManagement: boolean;
  entryKind: 'timer' | 'manual';
  performedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  manualReason: string | null;
  deletedAt: Date | null;
}

interface EntryRow {
  id: number; patient_id: string; month: string; staff: string; user_id: string | null; user_name: string | null; minutes: number; activity: string; category: string;
  entry_kind: 'timer' | 'manual'; performed_at: Date; started_at: Date | null; ended_at: Date | null; manual_reason: string | null; deleted_at: Date | null;
}

const toView = (r: EntryRow): TimeEntryView => ({
  id: Number(r.id), patientId: r.patient_id, month: r.month, staff: r.staff, userId: r.user_id, userName: r.user_name, minutes: r.minutes, activity: r.activity,
  category: r.category, countsTowardManagement: countsTowardManagement(r.category), entryKind: r.entry_kind, performedAt: r.performed_at, startedAt: r.started_at,
  endedAt: r.ended_at, manualReason: r.manual_reason, deletedAt: r.deleted_at,
});

const ENTRY_SELECT = `SELECT t.id, t.patient_id, t.month, t.staff, t.user_id, u.name AS user_name, t.minutes, t.activity, t.category, t.entry_kind, t.performed_at,
                             t.started_at, t.ended_at, t.manual_reason, t.deleted_at
                        FROM management_time t LEFT JOIN users u ON u.id = t.user_id`;

export async function findTimeEntry(q: Queryable, orgId: string, patientId: string, entryId: number): Promise<TimeEntryView | undefined> {
  const { rows } = await q.query<EntryRow>(`${ENTRY_SELECT} WHERE t.org_id = $1 AND t.patient_id = $2 AND t.id = $3`, [orgId, patientId, entryId]);
  return rows[0] && toView(rows[0]);
}

export async function listTimeEntries(q: Queryable, orgId: string, patientId: string, filter: { month?: string; includeDeleted?: boolean } = {}): Promise<TimeEntryView[]> {
  const { rows } = await q.query<EntryRow>(
    `${ENTRY_SELECT} WHERE t.org_id = $1 AND t.patient_id = $2 AND ($3::text IS NULL OR t.month = $3) AND ($4::boolean OR t.deleted_at IS NULL)
      ORDER BY t.performed_at, t.id`,
    [orgId, patientId, filter.month ?? null, filter.includeDeleted ?? false],
  );
  return rows.map(toView);
}

/** Marks the entry deleted (kept for the audit trail). Undefined when it is not this patient's, or already deleted. */
export async function softDeleteTimeEntry(tx: Queryable, orgId: string, patientId: string, entryId: number, now: Date): Promise<{ id: number; month: string } | undefined> {
  const { rows } = await tx.query<{ id: number; month: string }>(
    'UPDATE management_time SET deleted_at = $4 WHERE org_id = $1 AND patient_id = $2 AND id = $3 AND deleted_at IS NULL RETURNING id, month',
    [orgId, patientId, entryId, now],
  );
  return rows[0] && { id: Number(rows[0].id), month: rows[0].month };
}
