/**
 * API tokens: only the SHA-256 of each secret is stored (token_hash), so these functions take and match hashes;
 * creating and checking the secrets themselves is cloud/src/api/auth/tokens.ts.
 */
import type { Queryable } from '../db/database.ts';

export interface TokenRecord {
  id: string;
  role: string;
  userId: string | null;
  label: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** A live token's holder: the token id, its organisation and that organisation's settings. */
export interface TokenHolder {
  id: string;
  orgId: string;
  orgSlug: string;
  role: string;
  settings: Record<string, unknown> | null;
  /** The user a personal token belongs to (null for a machine token). */
  user: { id: string; name: string; email: string | null; role: string } | null;
}

export async function insertToken(
  q: Queryable,
  input: { orgId: string; role: string; tokenHash: Uint8Array; label: string; expiresAt: Date | null; userId?: string | null },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO api_tokens (org_id, role, token_hash, label, expires_at, user_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [input.orgId, input.role, input.tokenHash, input.label, input.expiresAt, input.userId ?? null],
  );
  return rows[0]!.id;
}

/**
 * The holder of the token with this hash if it is neither revoked nor expired at `now`. A personal token acts
 * with its user's current role and dies with the user (disabled, or moved to another organisation).
 */
export async function findLiveTokenByHash(q: Queryable, tokenHash: Uint8Array, now: Date): Promise<TokenHolder | undefined> {
  const { rows } = await q.query<{
    id: string; org_id: string; slug: string; role: string; settings: Record<string, unknown> | null;
    user_id: string | null; user_name: string | null; user_email: string | null; user_role: string | null;
  }>(
    `SELECT t.id, t.org_id, o.slug, t.role, o.settings, u.id AS user_id, u.name AS user_name, u.email AS user_email, u.role AS user_role
       FROM api_tokens t JOIN organisations o ON o.id = t.org_id
       LEFT JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
        AND (t.user_id IS NULL OR (u.disabled_at IS NULL AND u.org_id = t.org_id))`,
    [tokenHash, now],
  );
  const r = rows[0];
  if (!r) return undefined;
  const user = r.user_id ? { id: r.user_id, name: r.user_name!, email: r.user_email, role: r.user_role! } : null;
  return { id: r.id, orgId: r.org_id, orgSlug: r.slug, role: user ? user.role : r.role, settings: r.settings, user };
}

/** Revokes a live token of the organisation. False when that organisation has no such live token. */
export async function revokeTokenInOrg(q: Queryable, orgId: string, tokenId: string): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL', [tokenId, orgId]);
  return rowCount > 0;
}

/** The organisation's tokens, oldest first (hashes are never returned). */
export async function listTokensInOrg(q: Queryable, orgId: string): Promise<TokenRecord[]> {
  const { rows } = await q.query<{ id: string; role: string; user_id: string | null; label: string; created_at: Date; expires_at: Date | null; revoked_at: Date | null }>(
    'SELECT id, role, user_id, label, created_at, expires_at, revoked_at FROM api_tokens WHERE org_id = $1 ORDER BY created_at',
    [orgId],
  );
  return rows.map((r) => ({ id: r.id, role: r.role, userId: r.user_id, label: r.label, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at }));
}
