/**
 * Bearer tokens. The secret is shown once at creation; only its SHA-256 is stored (api_tokens.token_hash),
 * so a database leak does not leak usable tokens. Format: `pct_` + 43 base64url characters (32 random bytes),
 * checked before any database lookup so malformed input never reaches SQL.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import { isRole, type Principal, type Role } from './roles.ts';

const TOKEN_PATTERN = /^pct_[A-Za-z0-9_-]{43}$/;

export class TokenError extends Error {
  constructor(
    readonly code: 'unknown_org' | 'invalid_role' | 'invalid_expiry',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export const isWellFormedToken = (token: string): boolean => TOKEN_PATTERN.test(token);

export interface IssuedToken {
  id: string;
  token: string; // the secret: shown once, never stored
  orgId: string;
  role: Role;
  label: string;
  expiresAt: Date | null;
}

export async function issueToken(
  db: Queryable,
  options: { orgSlug: string; role: Role | string; label?: string; expiresAt?: Date | null },
): Promise<IssuedToken> {
  if (!isRole(options.role)) throw new TokenError('invalid_role', `unknown role "${options.role}" (admin, clinic, support, manufacturing)`);
  if (options.expiresAt && Number.isNaN(options.expiresAt.getTime())) throw new TokenError('invalid_expiry', 'expiry is not a valid date');
  const org = await db.query<{ id: string }>('SELECT id FROM organisations WHERE slug = $1', [options.orgSlug]);
  const orgId = org.rows[0]?.id;
  if (!orgId) throw new TokenError('unknown_org', `no organisation with slug "${options.orgSlug}"`);
  const token = `pct_${randomBytes(32).toString('base64url')}`;
  const label = options.label ?? '';
  const inserted = await db.query<{ id: string }>(
    'INSERT INTO api_tokens (org_id, role, token_hash, label, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [orgId, options.role, hashToken(token), label, options.expiresAt ?? null],
  );
  return { id: inserted.rows[0]!.id, token, orgId, role: options.role, label, expiresAt: options.expiresAt ?? null };
}

/** Resolves a presented token to its principal, or null when unknown, expired, revoked or malformed. */
export async function authenticateToken(db: Queryable, token: string, now: Date = new Date()): Promise<Principal | null> {
  if (!isWellFormedToken(token)) return null;
  const result = await db.query<{ id: string; org_id: string; slug: string; role: string; settings: Record<string, unknown> | null }>(
    `SELECT t.id, t.org_id, o.slug, t.role, o.settings
       FROM api_tokens t JOIN organisations o ON o.id = t.org_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)`,
    [hashToken(token), now],
  );
  const row = result.rows[0];
  if (!row || !isRole(row.role)) return null;
  return { tokenId: row.id, orgId: row.org_id, orgSlug: row.slug, role: row.role, fleet: row.settings?.operator === true };
}

/** Revokes a token of the given organisation. Returns false when no such live token exists there. */
export async function revokeToken(db: Queryable, orgId: string, tokenId: string): Promise<boolean> {
  const result = await db.query(
    'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL',
    [tokenId, orgId],
  );
  return result.rowCount > 0;
}
