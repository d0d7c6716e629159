/** Liveness (/health: the process answers) and readiness (/ready: the database answers). No token needed. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

const Health = z.object({ status: z.literal('ok') });
const Ready = z.object({ status: z.enum(['ready', 'unavailable']), database: z.enum(['ok', 'unreachable']) });

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/health', { schema: { tags: ['health'], security: [], response: { 200: Health } }, config: { rateLimit: false } }, async () => ({ status: 'ok' as const }));
  r.get('/ready', { schema: { tags: ['health'], security: [], response: { 200: Ready, 503: Ready } }, config: { rateLimit: false } }, async (request, reply) => {
    try {
      await app.db.query('SELECT 1');
      return { status: 'ready' as const, database: 'ok' as const };
    } catch (error) {
      request.log.warn({ err: error }, 'database not reachable');
      return reply.code(503).send({ status: 'unavailable', database: 'unreachable' });
    }
  });
}
