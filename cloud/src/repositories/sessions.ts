/**
 * Server-side sessions (migration 007). The cookie's secret and the CSRF token are stored only as SHA-256
 * hashes; creating and checking the secrets is cloud/src/api/auth/sessions.ts.
 */
import type { Queryable } from '../db/database.ts';

export interface SessionRecord {
  id: string;
  userId: string;
  csrfHash: Buffer;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** A session with the user and organisation it acts for, as authentication needs them. */
export interface SessionHolder extends SessionRecord {
  user: { id: string; name: string; email: string | null; role: string; mustChangePassword: boolean; disabledAt: Date | null };
  orgId: string;
  orgSlug: string;
  orgSettings: Record<string, unknown> | null;
}

interface SessionRow {
  id: string;
  user_id: string;
  csrf_hash: Uint8Array;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 's.id, s.user_id, s.csrf_hash, s.created_at, s.last_seen_at, s.expires_at, s.revoked_at';

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.user_id,
  csrfHash: Buffer.from(r.csrf_hash),
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export async function insertSession(
  q: Queryable,
  input: { userId: string; tokenHash: Uint8Array; csrfHash: Uint8Array; now: Date; expiresAt: Date; ip: string | null; userAgent: string | null },
): Promise<SessionRecord> {
  const { rows } = await q.query<SessionRow>(
    `INSERT INTO sessions AS s (user_id, token_hash, csrf_hash, created_at, last_seen_at, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [input.userId, input.tokenHash, input.csrfHash, input.now, input.expiresAt, input.ip, input.userAgent],
  );
  return toSession(rows[0]!);
}

/** The session with this token hash and its user, revoked or not: the caller decides what counts as live. */
export async function findSessionByTokenHash(q: Queryable, tokenHash: Uint8Array): Promise<SessionHolder | undefined> {
  const { rows } = await q.query<
    SessionRow & { name: string; email: string | null; role: string; must_change_password: boolean; disabled_at: Date | null; org_id: string; slug: string; settings: Record<string, unknown> | null }
  >(
    `SELECT ${COLUMNS}, u.name, u.email, u.role, u.must_change_password, u.disabled_at, u.org_id, o.slug, o.settings
       FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.org_id
      WHERE s.token_hash = $1`,
    [tokenHash],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    ...toSession(r),
    user: { id: r.user_id, name: r.name, email: r.email, role: r.role, mustChangePassword: r.must_change_password, disabledAt: r.disabled_at },
    orgId: r.org_id,
    orgSlug: r.slug,
    orgSettings: r.settings,
  };
}

export async function findSessionOfUser(q: Queryable, userId: string, sessionId: string): Promise<SessionRecord | undefined> {
  const { rows } = await q.query<SessionRow>(`SELECT ${COLUMNS} FROM sessions s WHERE s.id = $1 AND s.user_id = $2`, [sessionId, userId]);
  return rows[0] && toSession(rows[0]);
}

/** Moves last_seen_at to `now` only when it is at least `minIntervalMs` old, so a busy page writes once a minute, not per request. */
export async function touchSession(q: Queryable, sessionId: string, now: Date, minIntervalMs: number): Promise<void> {
  await q.query(`UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND revoked_at IS NULL AND last_seen_at <= $2::timestamptz - make_interval(secs => $3::double precision)`, [
    sessionId,
    now,
    minIntervalMs / 1000,
  ]);
}

export async function replaceCsrfHash(q: Queryable, sessionId: string, csrfHash: Uint8Array): Promise<void> {
  await q.query('UPDATE sessions SET csrf_hash = $2 WHERE id = $1', [sessionId, csrfHash]);
}

/** Revokes one live session; false when it was already revoked or does not exist. */
export async function revokeSession(q: Queryable, sessionId: string, reason: string, now: Date): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE sessions SET revoked_at = $3, revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL', [sessionId, reason, now]);
  return rowCount > 0;
}

/** Revokes every live session of the user except `keepSessionId` (the one making the change). Returns how many. */
export async function revokeSessionsOfUser(q: Queryable, userId: string, reason: string, now: Date, keepSessionId: string | null = null): Promise<number> {
  const { rowCount } = await q.query(
    'UPDATE sessions SET revoked_at = $3, revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid)',
    [userId, reason, now, keepSessionId],
  );
  return rowCount;
}
