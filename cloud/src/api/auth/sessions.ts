/**
 * Sign-in with email and password, and the server-side session behind the `pillcap_session` cookie.
 *
 * The cookie holds a random secret (`pcs_` + 43 base64url characters); the sessions table keeps only its
 * SHA-256, and the SHA-256 of the session's CSRF token (synchronizer token: state-changing cookie requests
 * must send it in `x-csrf-token`). A session ends at its absolute expiry, after an idle gap, on sign-out,
 * or when the user is disabled, reset or changes the password.
 *
 * Sign-in answers every failure (unknown email, wrong password, disabled, locked, no password) with the same
 * 401 `invalid_credentials`, and checks a password against a dummy hash when there is no account, so neither
 * the answer nor its timing tells which emails exist.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import { appendAudit } from '../../repositories/audit.ts';
import { findCredentialsByEmail, recordFailedSignIn, recordSignIn } from '../../repositories/user-credentials.ts';
import { findSessionByTokenHash, insertSession, replaceCsrfHash, revokeSession, touchSession } from '../../repositories/sessions.ts';
import type { User } from '../../repositories/users.ts';
import { ApiError } from '../errors.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { isUserRole, type Principal, type PrincipalUser } from './roles.ts';

export const SESSION_COOKIE = 'pillcap_session';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The cookie's attributes: JavaScript cannot read it, it travels only over HTTPS (browsers count
 * http://localhost as secure, so the dashboard works there too) and never on a request from another site.
 */
export const SESSION_COOKIE_ATTRIBUTES = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' } as const;

const SESSION_TOKEN_PATTERN = /^pcs_[A-Za-z0-9_-]{43}$/;

export interface SessionPolicy {
  /** A session unused for this long is over. */
  idleMs: number;
  /** A session is over this long after sign-in, used or not. */
  maxMs: number;
  /** last_seen_at is written at most this often. */
  touchIntervalMs: number;
  /** Consecutive failed sign-ins that lock the account... */
  lockAfterFailures: number;
  /** ...for this long. */
  lockMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, maxMs: 12 * 3_600_000, touchIntervalMs: 60_000, lockAfterFailures: 5, lockMs: 15 * 60_000 };

const positive = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number, got "${value}"`);
  return n;
};

/** SESSION_IDLE_MINUTES (default 30) and SESSION_MAX_HOURS (default 12). */
export function sessionPolicyFromEnv(env: Record<string, string | undefined>): SessionPolicy {
  const idle = positive(env.SESSION_IDLE_MINUTES);
  const max = positive(env.SESSION_MAX_HOURS);
  return { ...DEFAULT_SESSION_POLICY, ...(idle ? { idleMs: idle * 60_000 } : {}), ...(max ? { maxMs: max * 3_600_000 } : {}) };
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const secret = (): string => randomBytes(32).toString('base64url');

export const invalidCredentials = (): ApiError => new ApiError(401, 'invalid_credentials', 'email or password is wrong, or the account cannot sign in now');

export interface IssuedSession {
  id: string;
  /** The cookie value: shown once, never stored. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
  idleExpiresAt: Date;
}

export interface SignedIn {
  session: IssuedSession;
  user: User;
  organisation: string;
}

/** When a session seen last at `lastSeenAt` goes idle: never after its absolute expiry. */
export const idleExpiryOf = (lastSeenAt: Date, expiresAt: Date, policy: SessionPolicy): Date => new Date(Math.min(lastSeenAt.getTime() + policy.idleMs, expiresAt.getTime()));

export async function signIn(
  db: Queryable,
  input: { email: string; password: string; now: Date; policy: SessionPolicy; ip?: string | null; userAgent?: string | null },
): Promise<SignedIn> {
  const { now, policy } = input;
  const found = await findCredentialsByEmail(db, input.email.trim());
  if (!found || !found.passwordHash || found.user.disabledAt || !isUserRole(found.user.role)) {
    await verifyAgainstDummy(input.password);
    throw invalidCredentials();
  }
  const { user } = found;
  const audit = { actor: `user:${user.id}`, orgId: user.orgId, userId: user.id, target: user.id };
  // A locked account still pays for a real verification, so a locked one answers as slowly as any other.
  const correct = await verifyPassword(found.passwordHash, input.password);
  if (user.lockedUntil && user.lockedUntil > now) {
    await appendAudit(db, { ...audit, action: 'session.sign_in_refused', detail: { reason: 'locked', lockedUntil: user.lockedUntil.toISOString() } });
    throw invalidCredentials();
  }
  if (!correct) {
    const lock = await recordFailedSignIn(db, user.id, policy.lockAfterFailures, new Date(now.getTime() + policy.lockMs));
    await appendAudit(db, { ...audit, action: 'session.sign_in_failed', detail: lock.locked ? { locked: true, lockedUntil: lock.lockedUntil?.toISOString() } : {} });
    throw invalidCredentials();
  }
  const session = await createSession(db, { userId: user.id, now, policy, ip: input.ip ?? null, userAgent: input.userAgent ?? null });
  await recordSignIn(db, user.id, now);
  await appendAudit(db, { ...audit, action: 'session.sign_in', detail: { sessionId: session.id } });
  return { session, user: { ...user, failedSignIns: 0, lockedUntil: null, lastSignInAt: now }, organisation: found.orgSlug };
}

export async function createSession(
  db: Queryable,
  input: { userId: string; now: Date; policy: SessionPolicy; ip: string | null; userAgent: string | null },
): Promise<IssuedSession> {
  const token = `pcs_${secret()}`;
  const csrfToken = secret();
  const expiresAt = new Date(input.now.getTime() + input.policy.maxMs);
  const stored = await insertSession(db, {
    userId: input.userId,
    tokenHash: sha256(token),
    csrfHash: sha256(csrfToken),
    now: input.now,
    expiresAt,
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
  });
  return { id: stored.id, token, csrfToken, expiresAt, idleExpiresAt: idleExpiryOf(input.now, expiresAt, input.policy) };
}

export interface AuthenticatedSession {
  principal: Principal;
  csrfHash: Buffer;
  mustChangePassword: boolean;
}

/**
 * The principal behind a session cookie, or null when the value is malformed, unknown, revoked, past its
 * absolute or idle expiry, or its user is disabled. A session found expired is revoked with the reason.
 */
export async function authenticateSession(db: Queryable, token: string, now: Date, policy: SessionPolicy): Promise<AuthenticatedSession | null> {
  if (!SESSION_TOKEN_PATTERN.test(token)) return null;
  const session = await findSessionByTokenHash(db, sha256(token));
  if (!session || session.revokedAt) return null;
  const expired = session.expiresAt <= now ? 'expired' : idleExpiryOf(session.lastSeenAt, session.expiresAt, policy) <= now ? 'idle' : null;
  if (expired) {
    await revokeSession(db, session.id, expired, now);
    return null;
  }
  if (session.user.disabledAt || !isUserRole(session.user.role)) return null;
  // Most requests fall inside the interval and write nothing; the query re-checks it for concurrent requests.
  if (now.getTime() - session.lastSeenAt.getTime() >= policy.touchIntervalMs) await touchSession(db, session.id, now, policy.touchIntervalMs);
  const user: PrincipalUser = { id: session.user.id, name: session.user.name, email: session.user.email, role: session.user.role };
  return {
    principal: { tokenId: session.id, via: 'session', orgId: session.orgId, orgSlug: session.orgSlug, role: user.role, fleet: session.orgSettings?.operator === true, user },
    csrfHash: session.csrfHash,
    mustChangePassword: session.user.mustChangePassword,
  };
}

/** Compares a presented CSRF token with the session's stored hash in constant time. */
export function csrfMatches(stored: Buffer, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 128) return false;
  const hashed = sha256(presented);
  return hashed.length === stored.length && timingSafeEqual(hashed, stored);
}

/** Issues a new CSRF token for the session (the old one stops working): how a reloaded page gets one back. */
export async function rotateCsrfToken(db: Queryable, sessionId: string): Promise<string> {
  const csrfToken = secret();
  await replaceCsrfHash(db, sessionId, sha256(csrfToken));
  return csrfToken;
}
