/** Audit trail for every change made through the API (who, which organisation, what, on what). */
import type { Queryable } from '../db/database.ts';
import type { Principal } from './auth/roles.ts';

export async function audit(db: Queryable, principal: Principal, action: string, target: string, detail: Record<string, unknown> = {}): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, org_id, action, target, detail) VALUES ($1, $2, $3, $4, $5)', [
    `token:${principal.tokenId}`,
    principal.orgId,
    action,
    target,
    JSON.stringify(detail),
  ]);
}
