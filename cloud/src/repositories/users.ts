/**
 * Staff users: one role in one organisation. Passwords are stored only as argon2id PHC strings
 * (cloud/src/api/auth/passwords.ts makes and checks them); this repository never sees a password.
 */
import type { Queryable } from '../db/database.ts';
import { RepositoryError } from './repository-error.ts';

export interface User {
  id: string;
  orgId: string;
  name: string;
  email: string | null;
  role: string;
  npi: string | null;
  mustChangePassword: boolean;
  failedSignIns: number;
  lockedUntil: Date | null;
  lastSignInAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
}

interface UserRow {
  id: string;
  org_id: string;
  name: string;
  email: string | null;
  role: string;
  npi: string | null;
  must_change_password: boolean;
  failed_sign_ins: number;
  locked_until: Date | null;
  last_sign_in_at: Date | null;
  disabled_at: Date | null;
  created_at: Date;
}

export const USER_COLUMNS = `id, org_id, name, email, role, npi, must_change_password, failed_sign_ins, locked_until, last_sign_in_at, disabled_at, created_at`;

export const toUser = (r: UserRow): User => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  email: r.email,
  role: r.role,
  npi: r.npi,
  mustChangePassword: r.must_change_password,
  failedSignIns: r.failed_sign_ins,
  lockedUntil: r.locked_until,
  lastSignInAt: r.last_sign_in_at,
  disabledAt: r.disabled_at,
  createdAt: r.created_at,
});

export interface NewUser {
  orgId: string;
  name: string;
  email: string | null;
  role: string;
  npi?: string | null;
  /** argon2id PHC string, or null for an account that cannot sign in (personal tokens only). */
  passwordHash?: string | null;
  mustChangePassword?: boolean;
}

export async function insertUser(q: Queryable, input: NewUser): Promise<User> {
  try {
    const { rows } = await q.query<UserRow>(
      `INSERT INTO users (org_id, name, email, role, npi, password_hash, password_changed_at, must_change_password)
       VALUES ($1, $2, lower($3), $4, $5, $6, CASE WHEN $6::text IS NULL THEN NULL ELSE now() END, $7)
       RETURNING ${USER_COLUMNS}`,
      [input.orgId, input.name, input.email, input.role, input.npi ?? null, input.passwordHash ?? null, input.mustChangePassword ?? false],
    );
    return toUser(rows[0]!);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new RepositoryError('conflict', `a user with email ${input.email} already exists`);
    throw error;
  }
}

export async function findUserInOrg(q: Queryable, orgId: string, userId: string): Promise<User | undefined> {
  const { rows } = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 AND org_id = $2`, [userId, orgId]);
  return rows[0] && toUser(rows[0]);
}

export async function listUsersInOrg(q: Queryable, orgId: string): Promise<User[]> {
  const { rows } = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY name, id`, [orgId]);
  return rows.map(toUser);
}

export async function findUserByEmailInOrg(q: Queryable, orgId: string, email: string): Promise<User | undefined> {
  const { rows } = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1) AND org_id = $2`, [email, orgId]);
  return rows[0] && toUser(rows[0]);
}

/** Changes the fields given (undefined = unchanged); `disabledAt: null` enables the account again. */
export async function updateUserInOrg(
  q: Queryable,
  orgId: string,
  userId: string,
  changes: { name?: string; role?: string; npi?: string | null; disabledAt?: Date | null },
): Promise<User | undefined> {
  const { rows } = await q.query<UserRow>(
    `UPDATE users SET
        name = CASE WHEN $3::boolean THEN $4::text ELSE name END,
        role = CASE WHEN $5::boolean THEN $6::text ELSE role END,
        npi = CASE WHEN $7::boolean THEN $8::text ELSE npi END,
        disabled_at = CASE WHEN $9::boolean THEN $10::timestamptz ELSE disabled_at END
      WHERE id = $1 AND org_id = $2
      RETURNING ${USER_COLUMNS}`,
    [
      userId, orgId,
      changes.name !== undefined, changes.name ?? null,
      changes.role !== undefined, changes.role ?? null,
      changes.npi !== undefined, changes.npi ?? null,
      changes.disabledAt !== undefined, changes.disabledAt ?? null,
    ],
  );
  return rows[0] && toUser(rows[0]);
}
