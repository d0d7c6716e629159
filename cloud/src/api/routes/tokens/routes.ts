/** Tokens: who am I (any role), and for admins: issue, list (never the secrets) and revoke their organisation's tokens. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../auth/roles.ts';
import { issueToken, revokeToken } from '../../auth/tokens.ts';
import { audit } from '../../audit.ts';
import { badRequest, notFound } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { ErrorBody, iso } from '../common-schemas.ts';
import { CreateTokenBody, CreatedToken, Me, TokenList, TokenParams } from './schemas.ts';

export async function tokenRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/me', { schema: { tags: ['tokens'], summary: 'The caller: organisation and role', response: { 200: Me } }, config: { roles: ROLES } }, async (request) => {
    const principal = principalOf(request);
    return { organisation: principal.orgSlug, role: principal.role, tokenId: principal.tokenId };
  });

  r.post(
    '/tokens',
    { schema: { tags: ['tokens'], summary: 'Issue a token for this organisation (shown once)', body: CreateTokenBody, response: { 201: CreatedToken, 400: ErrorBody } }, config: { roles: ['admin'] } },
    async (request, reply) => {
      const principal = principalOf(request);
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw badRequest('expiresAt must be in the future');
      const issued = await issueToken(app.db, { orgSlug: principal.orgSlug, role: request.body.role, label: request.body.label, expiresAt });
      await audit(app.db, principal, 'token.issue', issued.id, { role: issued.role, label: issued.label });
      return reply.code(201).send({ id: issued.id, token: issued.token, role: issued.role, label: issued.label, expiresAt: iso(issued.expiresAt) });
    },
  );

  r.get('/tokens', { schema: { tags: ['tokens'], summary: "This organisation's tokens (no secrets)", response: { 200: TokenList } }, config: { roles: ['admin'] } }, async (request) => {
    const principal = principalOf(request);
    const rows = await app.db.query<{ id: string; role: string; label: string; created_at: Date; expires_at: Date | null; revoked_at: Date | null }>(
      'SELECT id, role, label, created_at, expires_at, revoked_at FROM api_tokens WHERE org_id = $1 ORDER BY created_at',
      [principal.orgId],
    );
    return { tokens: rows.rows.map((t) => ({ id: t.id, role: t.role, label: t.label, createdAt: iso(t.created_at)!, expiresAt: iso(t.expires_at), revokedAt: iso(t.revoked_at) })) };
  });

  r.delete(
    '/tokens/:tokenId',
    { schema: { tags: ['tokens'], summary: 'Revoke a token of this organisation', params: TokenParams, response: { 204: z.null(), 404: ErrorBody } }, config: { roles: ['admin'] } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!(await revokeToken(app.db, principal.orgId, request.params.tokenId))) throw notFound('token');
      await audit(app.db, principal, 'token.revoke', request.params.tokenId);
      return reply.code(204).send(null);
    },
  );
}

