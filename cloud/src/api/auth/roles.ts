/** Roles a bearer token can carry. Every token is also scoped to one organisation. */
export const ROLES = ['admin', 'clinic', 'support', 'manufacturing'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** Who is calling, resolved from the bearer token. `fleet` = the token's organisation operates the whole fleet. */
export interface Principal {
  tokenId: string;
  orgId: string;
  orgSlug: string;
  role: Role;
  /** true when the organisation is the fleet operator (settings.operator = true): sees every device. */
  fleet: boolean;
}

/** Who made a change, as the audit log records it (repositories/audit.ts `appendAudit`). */
export const auditActor = (principal: Principal): { actor: string; orgId: string } => ({ actor: `token:${principal.tokenId}`, orgId: principal.orgId });
