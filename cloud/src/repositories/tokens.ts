/**
 * API tokens: only the SHA-256 of each secret is stored (token_hash), so these functions take and match hashes;
 * creating and checking the secrets themselves is cloud/src/api/auth/tokens.ts.
 */
import type { Queryable } from '../db/database.ts';

export interface TokenRecord {
  id: string;
  role: string;
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
}

export async function insertToken(
  q: Queryable,
  input: { orgId: string; role: string; tokenHash: Uint8Array; label: string; expiresAt: Date | null },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO api_tokens (org_id, role, token_hash, label, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [input.orgId, input.role, input.tokenHash, input.label, input.expiresAt],
  );
  return rows[0]!.id;
}

/** The holder of the token with this hash if it is neither revoked nor expired at `now`. */
export async function findLiveTokenByHash(q: Queryable, tokenHash: Uint8Array, now: Date): Promise<TokenHolder | undefined> {
  const { rows } = await q.query<{ id: string; org_id: string; slug: string; role: string; settings: Record<string, unknown> | null }>(
    `SELECT t.id, t.org_id, o.slug, t.role, o.settings
       FROM api_tokens t JOIN organisations o ON o.id = t.org_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)`,
    [tokenHash, now],
  );
  const r = rows[0];
  return r && { id: r.id, orgId: r.org_id, orgSlug: r.slug, role: r.role, settings: r.settings };
}

/** Revokes a live token of the organisation. False when that organisation has no such live token. */
export async function revokeTokenInOrg(q: Queryable, orgId: string, tokenId: string): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL', [tokenId, orgId]);
  return rowCount > 0;
}

/** The organisation's tokens, oldest first (hashes are never returned). */
export async function listTokensInOrg(q: Queryable, orgId: string): Promise<TokenRecord[]> {
  const { rows } = await q.query<{ id: string; role: string; label: string; created_at: Date; expires_at: Date | null; revoked_at: Date | null }>(
    'SELECT id, role, label, created_at, expires_at, revoked_at FROM api_tokens WHERE org_id = $1 ORDER BY created_at',
    [orgId],
  );
  return rows.map((r) => ({ id: r.id, role: r.role, label: r.label, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at }));
}
