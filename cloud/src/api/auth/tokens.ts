/**
 * Bearer tokens. The secret is shown once at creation; only its SHA-256 is stored (api_tokens.token_hash),
 * so a database leak does not leak usable tokens. Format: `pct_` + 43 base64url characters (32 random bytes),
 * checked before any database lookup so malformed input never reaches SQL.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import { findOrganisationBySlug } from '../../repositories/organisations.ts';
import { findLiveTokenByHash, insertToken, revokeTokenInOrg } from '../../repositories/tokens.ts';
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
  const orgId = (await findOrganisationBySlug(db, options.orgSlug))?.id;
  if (!orgId) throw new TokenError('unknown_org', `no organisation with slug "${options.orgSlug}"`);
  const token = `pct_${randomBytes(32).toString('base64url')}`;
  const label = options.label ?? '';
  const id = await insertToken(db, { orgId, role: options.role, tokenHash: hashToken(token), label, expiresAt: options.expiresAt ?? null });
  return { id, token, orgId, role: options.role, label, expiresAt: options.expiresAt ?? null };
}

/** Resolves a presented token to its principal, or null when unknown, expired, revoked or malformed. */
export async function authenticateToken(db: Queryable, token: string, now: Date = new Date()): Promise<Principal | null> {
  if (!isWellFormedToken(token)) return null;
  const row = await findLiveTokenByHash(db, hashToken(token), now);
  if (!row || !isRole(row.role)) return null;
  return { tokenId: row.id, orgId: row.orgId, orgSlug: row.orgSlug, role: row.role, fleet: row.settings?.operator === true };
}

/** Revokes a token of the given organisation. Returns false when no such live token exists there. */
export async function revokeToken(db: Queryable, orgId: string, tokenId: string): Promise<boolean> {
  return revokeTokenInOrg(db, orgId, tokenId);
}
