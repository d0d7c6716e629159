import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../../auth/passwords.ts';

// Sign-in takes what it is given (no format rules), so a malformed email gets the same 401 as a wrong one.
export const SignInBody = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(PASSWORD_MAX_LENGTH * 4) });

export const SessionUser = z.object({ id: z.string(), name: z.string(), email: z.string().nullable(), role: z.string() });

export const SessionInfo = z.object({
  user: SessionUser,
  organisation: z.string(),
  /** Send it back in x-csrf-token on every POST, PUT, PATCH and DELETE made with the cookie. */
  csrfToken: z.string(),
  expiresAt: z.string(),
  idleExpiresAt: z.string(),
  mustChangePassword: z.boolean(),
});

export const ChangePasswordBody = z.object({ currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH * 4), newPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH * 4) });
