/** Append-only audit log: who did what to which target, with a JSON detail. */
import type { Queryable } from '../db/database.ts';

export interface AuditEntry {
  actor: string; // 'user:<id>', 'token:<id>', 'cli:<user>', 'ingestor' or 'clinical-engine'
  orgId?: string | null;
  /** The person, when a signed-in user (or a personal token) made the change. */
  userId?: string | null;
  action: string; // e.g. 'device.register', 'patient.enrol'
  target?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'detail'>> {
  id: number;
  at: Date;
  detail: Record<string, unknown>;
}

export async function appendAudit(q: Queryable, entry: AuditEntry): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    'INSERT INTO audit_log (actor, org_id, user_id, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [entry.actor, entry.orgId ?? null, entry.userId ?? null, entry.action, entry.target ?? null, JSON.stringify(entry.detail ?? {})],
  );
  return rows[0]!.id;
}

export async function listAudit(q: Queryable, filter: { orgId?: string; target?: string; userId?: string; limit?: number } = {}): Promise<AuditRecord[]> {
  const { rows } = await q.query<{
    id: number;
    at: Date;
    actor: string;
    org_id: string | null;
    user_id: string | null;
    action: string;
    target: string | null;
    detail: Record<string, unknown>;
  }>(
    `SELECT id, at, actor, org_id, user_id, action, target, detail FROM audit_log
      WHERE ($1::uuid IS NULL OR org_id = $1) AND ($2::text IS NULL OR target = $2) AND ($3::uuid IS NULL OR user_id = $3)
      ORDER BY id DESC LIMIT $4`,
    [filter.orgId ?? null, filter.target ?? null, filter.userId ?? null, filter.limit ?? 100],
  );
  return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, orgId: r.org_id, userId: r.user_id, action: r.action, target: r.target, detail: r.detail }));
}
