/**
 * Bearer tokens. The secret is shown once at creation; only its SHA-256 is stored (api_tokens.token_hash),
 * so a database leak does not leak usable tokens. Format: `pct_` + 43 base64url characters (32 random bytes),
 * checked before any database lookup so malformed input never reaches SQL.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import { findOrganisationBySlug } from '../../repositories/organisations.ts';
import { findLiveTokenByHash, insertToken, revokeTokenInOrg } from '../../repositories/tokens.ts';
import { findUserInOrg } from '../../repositories/users.ts';
import { isRole, isUserRole, type Principal, type Role } from './roles.ts';

const TOKEN_PATTERN = /^pct_[A-Za-z0-9_-]{43}$/;

export class TokenError extends Error {
  constructor(
    readonly code: 'unknown_org' | 'invalid_role' | 'invalid_expiry' | 'unknown_user',
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
  options: { orgSlug: string; role?: Role | string; label?: string; expiresAt?: Date | null; userId?: string },
): Promise<IssuedToken> {
  if (options.expiresAt && Number.isNaN(options.expiresAt.getTime())) throw new TokenError('invalid_expiry', 'expiry is not a valid date');
  const orgId = (await findOrganisationBySlug(db, options.orgSlug))?.id;
  if (!orgId) throw new TokenError('unknown_org', `no organisation with slug "${options.orgSlug}"`);
  // A personal token carries its user's role; a machine token names one (people's roles need a person).
  const user = options.userId ? await findUserInOrg(db, orgId, options.userId) : undefined;
  if (options.userId && (!user || user.disabledAt)) throw new TokenError('unknown_user', `no active user ${options.userId} in "${options.orgSlug}"`);
  const role = user ? user.role : options.role ?? '';
  if (!isRole(role)) throw new TokenError('invalid_role', `unknown role "${role}" (admin, clinic, support, manufacturing)`);
  if (!user && isUserRole(role) && (role === 'clinician' || role === 'coordinator')) {
    throw new TokenError('invalid_role', `a ${role} is a person: issue a personal token for the user instead`);
  }
  const token = `pct_${randomBytes(32).toString('base64url')}`;
  const label = options.label ?? '';
  const id = await insertToken(db, { orgId, role, tokenHash: hashToken(token), label, expiresAt: options.expiresAt ?? null, userId: user?.id ?? null });
  return { id, token, orgId, role, label, expiresAt: options.expiresAt ?? null };
}

/** Resolves a presented token to its principal, or null when unknown, expired, revoked or malformed. */
export async function authenticateToken(db: Queryable, token: string, now: Date = new Date()): Promise<Principal | null> {
  if (!isWellFormedToken(token)) return null;
  const row = await findLiveTokenByHash(db, hashToken(token), now);
  if (!row || !isRole(row.role)) return null;
  const user = row.user && isUserRole(row.user.role) ? { id: row.user.id, name: row.user.name, email: row.user.email, role: row.user.role } : null;
  if (row.user && !user) return null;
  return { tokenId: row.id, via: 'token', orgId: row.orgId, orgSlug: row.orgSlug, role: row.role, fleet: row.settings?.operator === true, user };
}

/** Revokes a token of the given organisation. Returns false when no such live token exists there. */
export async function revokeToken(db: Queryable, orgId: string, tokenId: string): Promise<boolean> {
  return revokeTokenInOrg(db, orgId, tokenId);
}
