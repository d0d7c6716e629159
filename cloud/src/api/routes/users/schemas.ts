import { z } from 'zod';
import { USER_ROLES } from '../../auth/roles.ts';
import { PASSWORD_MAX_LENGTH } from '../../auth/passwords.ts';
import { Timestamp } from '../common-schemas.ts';

export const UserParams = z.object({ userId: z.uuid() });

// The password policy (length, not the email) answers 422 weak_password; the schema only bounds the size.
const Password = z.string().min(1).max(PASSWORD_MAX_LENGTH * 4);
const Npi = z.string().trim().max(10);

export const StaffUser = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: z.string(),
  npi: z.string().nullable(),
  mustChangePassword: z.boolean(),
  lockedUntil: z.string().nullable(),
  lastSignInAt: z.string().nullable(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
});
export const UserList = z.object({ users: z.array(StaffUser) });

export const CreateUserBody = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.string().trim().min(3).max(254),
  role: z.enum(USER_ROLES),
  npi: Npi.nullable().optional(),
  /** Omitted: a temporary password is generated and answered once. */
  password: Password.optional(),
  /** Whether the user must choose a new password at the first sign-in (default: yes, an admin knows this one). */
  mustChangePassword: z.boolean().default(true),
});
export const CreatedUser = z.object({ user: StaffUser, temporaryPassword: z.string().nullable() });

export const UpdateUserBody = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  role: z.enum(USER_ROLES).optional(),
  npi: Npi.nullable().optional(),
  disabled: z.boolean().optional(),
});

export const ResetPasswordBody = z.object({ password: Password.optional() }).default({});
export const PasswordReset = z.object({ user: StaffUser, temporaryPassword: z.string().nullable() });

export const IssueUserTokenBody = z.object({ label: z.string().trim().max(100).default(''), expiresAt: Timestamp.optional() }).default({ label: '' });
