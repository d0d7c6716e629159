/**
 * Staff users of the caller's organisation. Clinical staff and admins see who works there (never a hash);
 * only an admin creates users, changes them, resets a password or issues a personal token. A user of
 * another organisation is "not found".
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { appendAudit } from '../../../repositories/audit.ts';
import { findUserInOrg, listUsersInOrg, type User } from '../../../repositories/users.ts';
import { generatePassword } from '../../auth/passwords.ts';
import { CLINICAL_ROLES, auditActor } from '../../auth/roles.ts';
import { createStaffUser, resetPassword, StaffUserError, updateStaffUser } from '../../auth/staff-users.ts';
import { issueToken } from '../../auth/tokens.ts';
import { badRequest, notFound } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { ErrorBody, iso } from '../common-schemas.ts';
import { CreatedToken } from '../tokens/schemas.ts';
import { CreatedUser, CreateUserBody, IssueUserTokenBody, PasswordReset, ResetPasswordBody, StaffUser, UpdateUserBody, UserList, UserParams } from './schemas.ts';

const toStaffUser = (u: User) => ({
  id: u.id,
  name: u.name,
  email: u.email,
  role: u.role,
  npi: u.npi,
  mustChangePassword: u.mustChangePassword,
  lockedUntil: iso(u.lockedUntil),
  lastSignInAt: iso(u.lastSignInAt),
  disabledAt: iso(u.disabledAt),
  createdAt: iso(u.createdAt)!,
});

export async function userRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/users', { schema: { tags: ['users'], summary: "This organisation's staff users (no password hashes)", response: { 200: UserList } }, config: { roles: CLINICAL_ROLES } }, async (request) => {
    const principal = principalOf(request);
    return { users: (await listUsersInOrg(app.db, principal.orgId)).map(toStaffUser) };
  });

  r.post(
    '/users',
    {
      schema: { tags: ['users'], summary: 'Create a staff user (a generated temporary password is answered once)', body: CreateUserBody, response: { 201: CreatedUser, 409: ErrorBody, 422: ErrorBody } },
      config: { roles: ['admin'] },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { password, ...body } = request.body;
      const temporaryPassword = password === undefined ? generatePassword() : null;
      const user = await createStaffUser(app.db, { orgId: principal.orgId, ...body, password: password ?? temporaryPassword });
      await appendAudit(app.db, { ...auditActor(principal), action: 'user.create', target: user.id, detail: { role: user.role, generatedPassword: temporaryPassword !== null } });
      return reply.code(201).send({ user: toStaffUser(user), temporaryPassword });
    },
  );

  r.patch(
    '/users/:userId',
    {
      schema: { tags: ['users'], summary: 'Change a user: name, role, NPI, disabled (disabling ends their sessions)', params: UserParams, body: UpdateUserBody, response: { 200: StaffUser, 404: ErrorBody, 422: ErrorBody } },
      config: { roles: ['admin'] },
    },
    async (request) => {
      const principal = principalOf(request);
      const changes = request.body;
      // An admin cannot take away their own way in; another admin can.
      if (principal.user?.id === request.params.userId && (changes.disabled === true || (changes.role !== undefined && changes.role !== 'admin'))) {
        throw new StaffUserError('cannot_lock_out_self', 'an admin cannot disable or demote their own account');
      }
      const user = await updateStaffUser(app.db, { orgId: principal.orgId, userId: request.params.userId, changes, now: new Date() });
      await appendAudit(app.db, { ...auditActor(principal), action: 'user.update', target: user.id, detail: { ...changes } });
      return toStaffUser(user);
    },
  );

  r.post(
    '/users/:userId/password-reset',
    {
      schema: {
        tags: ['users'],
        summary: "Reset a user's password to a temporary one (generated unless given): ends the lockout and their sessions, they must change it",
        params: UserParams,
        body: ResetPasswordBody,
        response: { 200: PasswordReset, 404: ErrorBody, 422: ErrorBody },
      },
      config: { roles: ['admin'] },
    },
    async (request) => {
      const principal = principalOf(request);
      const reset = await resetPassword(app.db, { orgId: principal.orgId, userId: request.params.userId, password: request.body.password ?? null, now: new Date() });
      await appendAudit(app.db, { ...auditActor(principal), action: 'user.password_reset', target: reset.user.id, detail: { generatedPassword: reset.generated } });
      return { user: toStaffUser(reset.user), temporaryPassword: reset.generated ? reset.temporaryPassword : null };
    },
  );

  r.post(
    '/users/:userId/tokens',
    {
      schema: { tags: ['users'], summary: 'Issue a personal token for the user (acts as that user; shown once)', params: UserParams, body: IssueUserTokenBody, response: { 201: CreatedToken, 400: ErrorBody, 404: ErrorBody } },
      config: { roles: ['admin'] },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await findUserInOrg(app.db, principal.orgId, request.params.userId);
      if (!user || user.disabledAt) throw notFound('user');
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw badRequest('expiresAt must be in the future');
      const issued = await issueToken(app.db, { orgSlug: principal.orgSlug, userId: user.id, label: request.body.label || `personal ${user.email ?? user.name}`, expiresAt });
      await appendAudit(app.db, { ...auditActor(principal), action: 'token.issue', target: issued.id, detail: { role: issued.role, label: issued.label, userId: user.id } });
      return reply.code(201).send({ id: issued.id, token: issued.token, role: issued.role, label: issued.label, expiresAt: iso(issued.expiresAt) });
    },
  );
}
