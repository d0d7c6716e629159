/**
 * Alerts as staff see and act on them: list, one with its history, and the lifecycle actions of a person
 * (acknowledge, resolve with an outcome and note, dismiss with a reason, assign). Every action is checked
 * against the alert's status under a row lock, written to alert_history with the user, and audited.
 *
 *   open --acknowledge--> acknowledged
 *   open | acknowledged --resolve--> resolved     (outcome + note; the engine resolves with 'condition_cleared')
 *   open | acknowledged --dismiss--> dismissed    (reason)
 *   open | acknowledged --assign--> same status, new assignee
 * Anything else is an illegal transition (AlertActionError 'illegal_transition').
 */
import { refreshWorkItems } from './work-queue-repository.ts';
import type { Database, Queryable } from '../db/database.ts';
import { appendAudit } from '../repositories/audit.ts';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'dismissed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
/** What a person did about the alert; 'condition_cleared' is the engine's own outcome. */
export const RESOLVE_OUTCOMES = ['contacted_patient', 'therapy_changed', 'device_issue_fixed', 'referred', 'no_action_needed', 'other'] as const;
export type ResolveOutcome = (typeof RESOLVE_OUTCOMES)[number];

export interface AlertRecord {
  id: number;
  orgId: string;
  patient: { id: string; reference: string; name: string };
  rule: string;
  episodeKey: string;
  severity: string;
  status: AlertStatus;
  title: string;
  detail: string;
  evidence: Record<string, unknown>;
  conditionSince: Date;
  raisedAt: Date;
  lastSeenAt: Date;
  assigneeId: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  closedBy: string | null;
  closedAt: Date | null;
  outcome: string | null;
  note: string | null;
  dismissReason: string | null;
  escalatedAt: Date | null;
  escalatedTo: string | null;
}

export interface AlertHistoryEntry {
  id: number;
  at: Date;
  action: string;
  userId: string | null;
  note: string | null;
  detail: Record<string, unknown>;
}

interface AlertRow {
  id: number;
  org_id: string;
  patient_id: string;
  reference: string;
  name: string;
  rule: string;
  episode_key: string;
  severity: string;
  status: AlertStatus;
  title: string;
  detail: string;
  evidence: Record<string, unknown>;
  condition_since: Date;
  raised_at: Date;
  last_seen_at: Date;
  assignee_id: string | null;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  closed_by: string | null;
  closed_at: Date | null;
  outcome: string | null;
  note: string | null;
  dismiss_reason: string | null;
  escalated_at: Date | null;
  escalated_to: string | null;
}

const COLUMNS = `a.id, a.org_id, a.patient_id, p.reference, p.name, a.rule, a.episode_key, a.severity, a.status, a.title, a.detail, a.evidence,
  a.condition_since, a.raised_at, a.last_seen_at, a.assignee_id, a.acknowledged_by, a.acknowledged_at, a.closed_by, a.closed_at, a.outcome, a.note,
  a.dismiss_reason, a.escalated_at, a.escalated_to`;

const toAlert = (r: AlertRow): AlertRecord => ({
  id: r.id,
  orgId: r.org_id,
  patient: { id: r.patient_id, reference: r.reference, name: r.name },
  rule: r.rule,
  episodeKey: r.episode_key,
  severity: r.severity,
  status: r.status,
  title: r.title,
  detail: r.detail,
  evidence: r.evidence,
  conditionSince: r.condition_since,
  raisedAt: r.raised_at,
  lastSeenAt: r.last_seen_at,
  assigneeId: r.assignee_id,
  acknowledgedBy: r.acknowledged_by,
  acknowledgedAt: r.acknowledged_at,
  closedBy: r.closed_by,
  closedAt: r.closed_at,
  outcome: r.outcome,
  note: r.note,
  dismissReason: r.dismiss_reason,
  escalatedAt: r.escalated_at,
  escalatedTo: r.escalated_to,
});

export interface AlertFilter {
  statuses: AlertStatus[];
  severity?: string;
  rule?: string;
  patientId?: string;
  /** a user id, or 'unassigned' */
  assignee?: string;
  limit: number;
  /** the last id of the previous page (newest first) */
  before?: number;
}

/** The organisation's alerts, newest first, one page (limit + 1 rows tell the caller there is more). */
export async function listAlerts(q: Queryable, orgId: string, filter: AlertFilter): Promise<{ alerts: AlertRecord[]; next: number | null }> {
  const unassigned = filter.assignee === 'unassigned';
  const { rows } = await q.query<AlertRow>(
    `SELECT ${COLUMNS} FROM alerts a JOIN patients p ON p.id = a.patient_id
      WHERE a.org_id = $1 AND a.status = ANY($2::text[])
        AND ($3::text IS NULL OR a.severity = $3) AND ($4::text IS NULL OR a.rule = $4) AND ($5::uuid IS NULL OR a.patient_id = $5)
        AND ($6::uuid IS NULL OR a.assignee_id = $6) AND (NOT $7 OR a.assignee_id IS NULL)
        AND ($8::int8 IS NULL OR a.id < $8)
      ORDER BY a.id DESC LIMIT $9`,
    [
      orgId, filter.statuses, filter.severity ?? null, filter.rule ?? null, filter.patientId ?? null,
      !unassigned && filter.assignee ? filter.assignee : null, unassigned, filter.before ?? null, filter.limit + 1,
    ],
  );
  const page = rows.slice(0, filter.limit).map(toAlert);
  return { alerts: page, next: rows.length > filter.limit ? page[page.length - 1]!.id : null };
}

export async function findAlert(q: Queryable, orgId: string, alertId: number): Promise<{ alert: AlertRecord; history: AlertHistoryEntry[] } | undefined> {
  const { rows } = await q.query<AlertRow>(`SELECT ${COLUMNS} FROM alerts a JOIN patients p ON p.id = a.patient_id WHERE a.id = $1 AND a.org_id = $2`, [alertId, orgId]);
  if (!rows[0]) return undefined;
  const { rows: history } = await q.query<{ id: number; at: Date; action: string; user_id: string | null; note: string | null; detail: Record<string, unknown> }>(
    'SELECT id, at, action, user_id, note, detail FROM alert_history WHERE alert_id = $1 ORDER BY at, id',
    [alertId],
  );
  return { alert: toAlert(rows[0]), history: history.map((h) => ({ id: h.id, at: h.at, action: h.action, userId: h.user_id, note: h.note, detail: h.detail })) };
}

export type AlertActionErrorCode = 'not_found' | 'illegal_transition' | 'invalid_assignee';

export class AlertActionError extends Error {
  override readonly name = 'AlertActionError';
  constructor(
    readonly code: AlertActionErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export type AlertAction =
  | { kind: 'acknowledge' }
  | { kind: 'resolve'; outcome: ResolveOutcome; note: string }
  | { kind: 'dismiss'; reason: string }
  | { kind: 'assign'; userId: string };

const ALLOWED_FROM: Record<AlertAction['kind'], readonly AlertStatus[]> = {
  acknowledge: ['open'],
  resolve: ['open', 'acknowledged'],
  dismiss: ['open', 'acknowledged'],
  assign: ['open', 'acknowledged'],
};

export interface ActOnAlertInput {
  orgId: string;
  alertId: number;
  userId: string;
  /** audit actor ('user:<id>') */
  actor: string;
  action: AlertAction;
  now?: Date;
}

/** Applies a person's action to an alert of `orgId`, or throws AlertActionError. Returns the alert with its history. */
export async function actOnAlert(db: Database, input: ActOnAlertInput): Promise<{ alert: AlertRecord; history: AlertHistoryEntry[] }> {
  const now = input.now ?? new Date();
  const { action } = input;
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ status: AlertStatus; assignee_id: string | null; patient_id: string }>('SELECT status, assignee_id, patient_id FROM alerts WHERE id = $1 AND org_id = $2 FOR UPDATE', [
      input.alertId,
      input.orgId,
    ]);
    const current = rows[0];
    if (!current) throw new AlertActionError('not_found', 'alert not found');
    if (!ALLOWED_FROM[action.kind].includes(current.status)) {
      throw new AlertActionError('illegal_transition', `cannot ${action.kind} an alert that is ${current.status}`, { status: current.status, action: action.kind });
    }
    let note: string | null = null;
    let detail: Record<string, unknown> = {};
    switch (action.kind) {
      case 'acknowledge':
        // whoever acknowledges an unassigned alert takes it
        await tx.query(
          `UPDATE alerts SET status = 'acknowledged', acknowledged_by = $2, acknowledged_at = $3, assignee_id = COALESCE(assignee_id, $2) WHERE id = $1`,
          [input.alertId, input.userId, now],
        );
        break;
      case 'resolve':
        await tx.query(`UPDATE alerts SET status = 'resolved', closed_by = $2, closed_at = $3, outcome = $4, note = $5 WHERE id = $1`, [
          input.alertId, input.userId, now, action.outcome, action.note,
        ]);
        note = action.note;
        detail = { outcome: action.outcome };
        break;
      case 'dismiss':
        await tx.query(`UPDATE alerts SET status = 'dismissed', closed_by = $2, closed_at = $3, dismiss_reason = $4 WHERE id = $1`, [input.alertId, input.userId, now, action.reason]);
        note = action.reason;
        break;
      case 'assign': {
        const { rows: users } = await tx.query<{ role: string }>('SELECT role FROM users WHERE id = $1 AND org_id = $2 AND disabled_at IS NULL', [action.userId, input.orgId]);
        if (!users[0] || !['clinician', 'coordinator', 'admin'].includes(users[0].role)) {
          throw new AlertActionError('invalid_assignee', 'the assignee must be an active clinician, coordinator or admin of the organisation');
        }
        await tx.query('UPDATE alerts SET assignee_id = $2 WHERE id = $1', [input.alertId, action.userId]);
        detail = { from: current.assignee_id, to: action.userId };
        break;
      }
    }
    const verb = action.kind === 'acknowledge' ? 'acknowledged' : action.kind === 'resolve' ? 'resolved' : action.kind === 'dismiss' ? 'dismissed' : 'assigned';
    await tx.query('INSERT INTO alert_history (alert_id, at, action, user_id, note, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
      input.alertId, now, verb, input.userId, note, JSON.stringify(detail),
    ]);
    await appendAudit(tx, { actor: input.actor, orgId: input.orgId, userId: input.userId, action: `alert.${action.kind}`, target: String(input.alertId), detail });
    // the queue item this alert feeds changes with it (an urgent alert closed is no longer the month's first job)
    await refreshWorkItems(tx, { patientIds: [current.patient_id], now });
  });
  return (await findAlert(db, input.orgId, input.alertId))!;
}
