/**
 * What sign-in reads and writes on a user: the argon2id PHC string, consecutive failures and the lockout.
 * Only these queries ever select password_hash; everything else uses repositories/users.ts, which never does.
 */
import type { Queryable } from '../db/database.ts';
import { USER_COLUMNS, toUser, type User } from './users.ts';

export interface UserCredentials {
  user: User;
  orgSlug: string;
  orgSettings: Record<string, unknown> | null;
  passwordHash: string | null;
}

type CredentialRow = Parameters<typeof toUser>[0] & { password_hash: string | null; org_slug: string; org_settings: Record<string, unknown> | null };

const PREFIXED_COLUMNS = USER_COLUMNS.split(',').map((c) => `u.${c.trim()}`).join(', ');

/** The account with this email (compared lowercase), in whichever organisation it is. */
export async function findCredentialsByEmail(q: Queryable, email: string): Promise<UserCredentials | undefined> {
  const { rows } = await q.query<CredentialRow>(
    `SELECT ${PREFIXED_COLUMNS}, u.password_hash, o.slug AS org_slug, o.settings AS org_settings
       FROM users u JOIN organisations o ON o.id = u.org_id
      WHERE lower(u.email) = lower($1)`,
    [email],
  );
  const r = rows[0];
  return r && { user: toUser(r), orgSlug: r.org_slug, orgSettings: r.org_settings, passwordHash: r.password_hash };
}

export async function findPasswordHash(q: Queryable, userId: string): Promise<string | null> {
  const { rows } = await q.query<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE id = $1', [userId]);
  return rows[0]?.password_hash ?? null;
}

/**
 * Counts a failed sign-in; the `max`-th consecutive one locks the account until `lockUntil` and starts the
 * count again, so after the lock the account has `max` tries before the next one. Returns the lock, if any.
 */
export async function recordFailedSignIn(q: Queryable, userId: string, max: number, lockUntil: Date): Promise<{ lockedUntil: Date | null; locked: boolean }> {
  const { rows } = await q.query<{ locked_until: Date | null; locked: boolean }>(
    `UPDATE users
        SET failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $2 THEN 0 ELSE failed_sign_ins + 1 END,
            locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3 ELSE locked_until END
      WHERE id = $1
      RETURNING locked_until, (failed_sign_ins = 0) AS locked`,
    [userId, max, lockUntil],
  );
  return { lockedUntil: rows[0]?.locked_until ?? null, locked: rows[0]?.locked ?? false };
}

export async function recordSignIn(q: Queryable, userId: string, now: Date): Promise<void> {
  await q.query('UPDATE users SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = $2 WHERE id = $1', [userId, now]);
}

/** Stores a new password hash; a new password also ends any lockout and the failure count. */
export async function updatePasswordHash(q: Queryable, input: { orgId: string; userId: string; passwordHash: string; mustChangePassword: boolean; now: Date }): Promise<User | undefined> {
  const { rows } = await q.query<Parameters<typeof toUser>[0]>(
    `UPDATE users SET password_hash = $3, password_changed_at = $5, must_change_password = $4, failed_sign_ins = 0, locked_until = NULL
      WHERE id = $1 AND org_id = $2
      RETURNING ${USER_COLUMNS}`,
    [input.userId, input.orgId, input.passwordHash, input.mustChangePassword, input.now],
  );
  return rows[0] && toUser(rows[0]);
}
