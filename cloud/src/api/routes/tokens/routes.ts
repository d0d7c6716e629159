/** Tokens: who am I (any role), and for admins: issue, list (never the secrets) and revoke their organisation's tokens. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../../repositories/audit.ts';
import { listTokensInOrg } from '../../../repositories/tokens.ts';
import { ROLES, auditActor } from '../../auth/roles.ts';
import { issueToken, revokeToken } from '../../auth/tokens.ts';
import { badRequest, notFound } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { ErrorBody, iso } from '../common-schemas.ts';
import { CreateTokenBody, CreatedToken, Me, TokenList, TokenParams } from './schemas.ts';

export async function tokenRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/me', { schema: { tags: ['tokens'], summary: 'The caller: organisation, role and the user, if a person', response: { 200: Me } }, config: { roles: ROLES } }, async (request) => {
    const principal = principalOf(request);
    return { organisation: principal.orgSlug, role: principal.role, tokenId: principal.tokenId, via: principal.via, user: principal.user };
  });

  r.post(
    '/tokens',
    { schema: { tags: ['tokens'], summary: 'Issue a machine token for this organisation (shown once; admin, clinic, support or manufacturing)', body: CreateTokenBody, response: { 201: CreatedToken, 400: ErrorBody } }, config: { roles: ['admin'] } },
    async (request, reply) => {
      const principal = principalOf(request);
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw badRequest('expiresAt must be in the future');
      const issued = await issueToken(app.db, { orgSlug: principal.orgSlug, role: request.body.role, label: request.body.label, expiresAt });
      await appendAudit(app.db, { ...auditActor(principal), action: 'token.issue', target: issued.id, detail: { role: issued.role, label: issued.label } });
      return reply.code(201).send({ id: issued.id, token: issued.token, role: issued.role, label: issued.label, expiresAt: iso(issued.expiresAt) });
    },
  );

  r.get('/tokens', { schema: { tags: ['tokens'], summary: "This organisation's tokens (no secrets)", response: { 200: TokenList } }, config: { roles: ['admin'] } }, async (request) => {
    const principal = principalOf(request);
    const tokens = await listTokensInOrg(app.db, principal.orgId);
    return { tokens: tokens.map((t) => ({ ...t, createdAt: iso(t.createdAt)!, expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt) })) };
  });

  r.delete(
    '/tokens/:tokenId',
    { schema: { tags: ['tokens'], summary: 'Revoke a token of this organisation', params: TokenParams, response: { 204: z.null(), 404: ErrorBody } }, config: { roles: ['admin'] } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!(await revokeToken(app.db, principal.orgId, request.params.tokenId))) throw notFound('token');
      await appendAudit(app.db, { ...auditActor(principal), action: 'token.revoke', target: request.params.tokenId });
      return reply.code(204).send(null);
    },
  );
}

