/**
 * Staff accounts: create, change, disable, set and reset passwords. The rules a person's account follows
 * live here so the API, the CLI and the demo apply the same ones: emails are stored lowercase and unique,
 * a clinician bills under an NPI (10 digits, Luhn check over the 80840 prefix), passwords follow the policy
 * of passwords.ts and are stored only as argon2id hashes. Disabling a user, an admin reset and a password
 * change end the user's other sessions.
 */
import type { Queryable } from '../../db/database.ts';
import { RepositoryError } from '../../repositories/repository-error.ts';
import { revokeSessionsOfUser } from '../../repositories/sessions.ts';
import { updatePasswordHash } from '../../repositories/user-credentials.ts';
import { findUserInOrg, insertUser, updateUserInOrg, type User } from '../../repositories/users.ts';
import { ApiError, notFound } from '../errors.ts';
import { checkPasswordPolicy, generatePassword, hashPassword } from './passwords.ts';
import { isUserRole, type UserRole } from './roles.ts';

/** A user input the rules refuse: 422 with a specific code over the API. */
export class StaffUserError extends ApiError {
  constructor(code: 'invalid_email' | 'invalid_name' | 'invalid_role' | 'npi_required' | 'invalid_npi' | 'email_taken' | 'cannot_lock_out_self', message: string) {
    super(code === 'email_taken' ? 409 : 422, code, message);
    this.name = 'StaffUserError';
  }
}

// Deliberately loose: one @, something on both sides, a dot in the domain. Delivery proves the rest.
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(email: string): string {
  const normalised = email.trim().toLowerCase();
  if (normalised.length > 254 || !EMAIL_PATTERN.test(normalised)) throw new StaffUserError('invalid_email', `"${email}" is not an email address`);
  return normalised;
}

/**
 * The NPI check digit (CMS: Luhn over the 9 leading digits with the card-issuer prefix 80840 in front, which
 * is the same as adding 24 to the doubled-digit sum).
 */
export function isValidNpi(npi: string): boolean {
  if (!/^[0-9]{10}$/.test(npi)) return false;
  const digits = `80840${npi}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function checkNpi(role: string, npi: string | null): string | null {
  const value = npi?.trim() || null;
  if (value !== null && !isValidNpi(value)) throw new StaffUserError('invalid_npi', `"${value}" is not a valid NPI (10 digits with a valid check digit)`);
  if (role === 'clinician' && value === null) throw new StaffUserError('npi_required', 'a clinician bills under an NPI: give one');
  return value;
}

function checkName(name: string): string {
  const value = name.trim();
  if (value.length === 0 || value.length > 200) throw new StaffUserError('invalid_name', 'a name has 1 to 200 characters');
  return value;
}

function checkRole(role: string): UserRole {
  if (!isUserRole(role)) throw new StaffUserError('invalid_role', `unknown role "${role}" (admin, clinician, coordinator, support, manufacturing)`);
  return role;
}

export interface NewStaffUser {
  orgId: string;
  name: string;
  email: string;
  role: UserRole;
  npi?: string | null;
  /** null or absent: the account cannot sign in until a password is set (personal tokens still work). */
  password?: string | null;
  mustChangePassword?: boolean;
}

export async function createStaffUser(db: Queryable, input: NewStaffUser): Promise<User> {
  const email = normaliseEmail(input.email);
  const role = checkRole(input.role);
  const npi = checkNpi(role, input.npi ?? null);
  const name = checkName(input.name);
  if (input.password != null) checkPasswordPolicy(input.password, email);
  const passwordHash = input.password != null ? await hashPassword(input.password) : null;
  try {
    return await insertUser(db, { orgId: input.orgId, name, email, role, npi, passwordHash, mustChangePassword: input.mustChangePassword ?? false });
  } catch (error) {
    if (error instanceof RepositoryError && error.code === 'conflict') throw new StaffUserError('email_taken', `a user with email ${email} already exists`);
    throw error;
  }
}

export interface StaffUserChanges {
  name?: string;
  role?: UserRole;
  npi?: string | null;
  disabled?: boolean;
}

/**
 * Changes a user of the organisation; the result must still hold (a clinician keeps an NPI). Disabling ends
 * the user's sessions at once; their personal tokens stop working with the account.
 */
export async function updateStaffUser(db: Queryable, input: { orgId: string; userId: string; changes: StaffUserChanges; now: Date }): Promise<User> {
  const current = await findUserInOrg(db, input.orgId, input.userId);
  if (!current) throw notFound('user');
  const { changes } = input;
  const role = changes.role === undefined ? current.role : checkRole(changes.role);
  const npi = checkNpi(role, changes.npi === undefined ? current.npi : changes.npi);
  const name = changes.name === undefined ? undefined : checkName(changes.name);
  const disabledAt = changes.disabled === undefined ? undefined : changes.disabled ? (current.disabledAt ?? input.now) : null;
  const updated = await updateUserInOrg(db, input.orgId, input.userId, { name, role: changes.role === undefined ? undefined : role, npi, disabledAt });
  if (!updated) throw notFound('user');
  if (changes.disabled === true) await revokeSessionsOfUser(db, input.userId, 'disabled', input.now);
  return updated;
}

export async function disableUser(db: Queryable, input: { orgId: string; userId: string; now: Date }): Promise<User> {
  return updateStaffUser(db, { orgId: input.orgId, userId: input.userId, changes: { disabled: true }, now: input.now });
}

/**
 * Sets a user's password (policy checked). Every other session of the user ends: whoever knew the old
 * password is signed out everywhere but here (`keepSessionId`, the session making the change, if any).
 */
export async function setPassword(
  db: Queryable,
  input: { orgId: string; userId: string; password: string; mustChangePassword?: boolean; now: Date; keepSessionId?: string | null; reason?: string },
): Promise<User> {
  const user = await findUserInOrg(db, input.orgId, input.userId);
  if (!user) throw notFound('user');
  checkPasswordPolicy(input.password, user.email);
  const passwordHash = await hashPassword(input.password);
  const updated = await updatePasswordHash(db, { orgId: input.orgId, userId: input.userId, passwordHash, mustChangePassword: input.mustChangePassword ?? false, now: input.now });
  if (!updated) throw notFound('user');
  await revokeSessionsOfUser(db, input.userId, input.reason ?? 'password_changed', input.now, input.keepSessionId ?? null);
  return updated;
}

/**
 * An admin's reset: the given password or a generated one becomes a temporary password (the user must
 * change it at the next sign-in), the lockout ends and every session of the user is revoked.
 */
export async function resetPassword(
  db: Queryable,
  input: { orgId: string; userId: string; password?: string | null; now: Date },
): Promise<{ user: User; temporaryPassword: string; generated: boolean }> {
  const generated = input.password == null;
  const temporaryPassword = input.password ?? generatePassword();
  const user = await setPassword(db, { orgId: input.orgId, userId: input.userId, password: temporaryPassword, mustChangePassword: true, now: input.now, reason: 'password_reset' });
  return { user, temporaryPassword, generated };
}
