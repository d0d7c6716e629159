/**
 * Sign-in, the current session, sign-out and changing one's own password. Sign-in is the only public /v1
 * route; it sets the `pillcap_session` cookie (HttpOnly, Secure, SameSite=Strict, Path=/) and answers the
 * CSRF token once. `GET /v1/session` issues a fresh CSRF token (the old one stops working), so a page that
 * was reloaded, and lost the token it kept in memory, recovers one without signing in again.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../../repositories/audit.ts';
import { findSessionOfUser, revokeSession } from '../../../repositories/sessions.ts';
import { findPasswordHash, recordFailedSignIn } from '../../../repositories/user-credentials.ts';
import { findUserInOrg } from '../../../repositories/users.ts';
import { PasswordPolicyError, verifyPassword } from '../../auth/passwords.ts';
import { ROLES, USER_ROLES, auditActor, requireUser, type Principal } from '../../auth/roles.ts';
import { idleExpiryOf, rotateCsrfToken, SESSION_COOKIE, SESSION_COOKIE_ATTRIBUTES, signIn } from '../../auth/sessions.ts';
import { setPassword } from '../../auth/staff-users.ts';
import { ApiError } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { ErrorBody } from '../common-schemas.ts';
import { ChangePasswordBody, SessionInfo, SignInBody } from './schemas.ts';

const noSession = (): ApiError => new ApiError(404, 'not_found', 'no session: this request was made with a token, not a session cookie');

/** The caller's own session (a personal token has none). */
function sessionIdOf(principal: Principal): string {
  if (principal.via !== 'session') throw noSession();
  return principal.tokenId;
}

export async function sessionRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/session',
    {
      schema: { tags: ['session'], summary: 'Sign in with email and password: sets the session cookie, answers the CSRF token', security: [], body: SignInBody, response: { 201: SessionInfo, 401: ErrorBody } },
      // Public: anyone may try to sign in (throttled per IP, accounts lock after repeated failures).
      config: { public: true, roles: ROLES },
    },
    async (request, reply) => {
      const signed = await signIn(app.db, {
        email: request.body.email,
        password: request.body.password,
        now: new Date(),
        policy: app.sessionPolicy,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      reply.setCookie(SESSION_COOKIE, signed.session.token, { ...SESSION_COOKIE_ATTRIBUTES, expires: signed.session.expiresAt });
      const { user } = signed;
      return reply.code(201).send({
        user: { id: user.id, name: user.name, email: user.email, role: user.role },
        organisation: signed.organisation,
        csrfToken: signed.session.csrfToken,
        expiresAt: signed.session.expiresAt.toISOString(),
        idleExpiresAt: signed.session.idleExpiresAt.toISOString(),
        mustChangePassword: user.mustChangePassword,
      });
    },
  );

  r.get(
    '/session',
    { schema: { tags: ['session'], summary: 'The current session, with a new CSRF token (the previous one stops working)', response: { 200: SessionInfo, 404: ErrorBody } }, config: { roles: USER_ROLES, person: true } },
    async (request) => {
      const principal = principalOf(request);
      const person = requireUser(principal);
      const session = await findSessionOfUser(app.db, person.id, sessionIdOf(principal));
      const user = await findUserInOrg(app.db, principal.orgId, person.id);
      if (!session || !user) throw noSession();
      const csrfToken = await rotateCsrfToken(app.db, session.id);
      return {
        user: { id: user.id, name: user.name, email: user.email, role: user.role },
        organisation: principal.orgSlug,
        csrfToken,
        expiresAt: session.expiresAt.toISOString(),
        idleExpiresAt: idleExpiryOf(session.lastSeenAt, session.expiresAt, app.sessionPolicy).toISOString(),
        mustChangePassword: user.mustChangePassword,
      };
    },
  );

  r.delete(
    '/session',
    { schema: { tags: ['session'], summary: 'Sign out: revoke this session and clear its cookie', response: { 204: z.null(), 404: ErrorBody } }, config: { roles: USER_ROLES, person: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      const sessionId = sessionIdOf(principal);
      await revokeSession(app.db, sessionId, 'signed_out', new Date());
      await appendAudit(app.db, { ...auditActor(principal), action: 'session.sign_out', target: sessionId });
      reply.clearCookie(SESSION_COOKIE, SESSION_COOKIE_ATTRIBUTES);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/session/password',
    {
      schema: {
        tags: ['session'],
        summary: "Change one's own password (the current one is required); ends the user's other sessions",
        body: ChangePasswordBody,
        response: { 204: z.null(), 403: ErrorBody, 422: ErrorBody },
      },
      config: { roles: USER_ROLES, person: true },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const person = requireUser(principal);
      const now = new Date();
      const stored = await findPasswordHash(app.db, person.id);
      if (!stored || !(await verifyPassword(stored, request.body.currentPassword))) {
        // Guessing through a stolen session counts toward the same lockout as guessing at sign-in.
        await recordFailedSignIn(app.db, person.id, app.sessionPolicy.lockAfterFailures, new Date(now.getTime() + app.sessionPolicy.lockMs));
        await appendAudit(app.db, { ...auditActor(principal), action: 'user.password_change_failed', target: person.id });
        throw new ApiError(403, 'wrong_password', 'the current password is wrong');
      }
      if (request.body.newPassword === request.body.currentPassword) throw new PasswordPolicyError('the new password must differ from the current one');
      await setPassword(app.db, { orgId: principal.orgId, userId: person.id, password: request.body.newPassword, now, keepSessionId: principal.via === 'session' ? principal.tokenId : null });
      await appendAudit(app.db, { ...auditActor(principal), action: 'user.password_change', target: person.id });
      return reply.code(204).send(null);
    },
  );
}
