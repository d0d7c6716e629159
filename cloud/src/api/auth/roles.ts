/**
 * Roles and the caller. A request is made by a machine token (`clinic`, `admin`, `support`, `manufacturing`
 * without a user), by a user's personal token, or by a user signed in with a session cookie. People have a
 * role of their own: `clinician` (billing practitioner, NPI), `coordinator` (clinical staff under a
 * clinician's supervision), or `admin`, `support`, `manufacturing`.
 */
import { ApiError } from '../errors.ts';

export const ROLES = ['admin', 'clinic', 'clinician', 'coordinator', 'support', 'manufacturing'] as const;
export type Role = (typeof ROLES)[number];

/** Roles a user account can have (`clinic` is a machine role: scripts and integrations of a clinic). */
export const USER_ROLES = ['admin', 'clinician', 'coordinator', 'support', 'manufacturing'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Roles a machine token (no user behind it) can have: clinical roles belong to people. */
export const MACHINE_ROLES = ['admin', 'clinic', 'support', 'manufacturing'] as const satisfies readonly Role[];
export type MachineRole = (typeof MACHINE_ROLES)[number];
export const isMachineRole = (value: string): value is MachineRole => (MACHINE_ROLES as readonly string[]).includes(value);

/** Everyone who may see a clinic's patients: clinical staff, the clinic's machine tokens and its admins. */
export const CLINICAL_ROLES = ['clinic', 'clinician', 'coordinator', 'admin'] as const satisfies readonly Role[];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
export const isUserRole = (value: string): value is UserRole => (USER_ROLES as readonly string[]).includes(value);

/** The person behind a request, when there is one. */
export interface PrincipalUser {
  id: string;
  name: string;
  email: string | null;
  role: UserRole;
}

/** Who is calling, resolved from a bearer token or a session cookie. */
export interface Principal {
  /** The credential: the API token's id, or the session's id for a signed-in user. */
  tokenId: string;
  via: 'token' | 'session';
  orgId: string;
  orgSlug: string;
  role: Role;
  /** true when the organisation is the fleet operator (settings.operator = true): sees every device. */
  fleet: boolean;
  /** The user (session, or a token bound to a user); null for a machine token. */
  user: PrincipalUser | null;
}

/** Who made a change, as the audit log records it (repositories/audit.ts `appendAudit`). */
export const auditActor = (principal: Principal): { actor: string; orgId: string; userId: string | null } =>
  principal.user
    ? { actor: `user:${principal.user.id}`, orgId: principal.orgId, userId: principal.user.id }
    : { actor: `token:${principal.tokenId}`, orgId: principal.orgId, userId: null };

/**
 * The person a clinical record is attributed to. Clinical records (time, calls, documentation, alert
 * actions, therapy changes, reviews) need a person: a machine token gets 403 `user_required`.
 */
export function requireUser(principal: Principal): PrincipalUser {
  if (!principal.user) throw new ApiError(403, 'user_required', 'this record is attributed to a person: sign in, or use a personal token of a user');
  return principal.user;
}
