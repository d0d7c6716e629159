/**
 * The pillcap HTTP API. Plugins first (errors, request ids, security, OpenAPI, auth, dashboard), then the
 * routes under /v1. Nothing under /v1 but sign-in is reachable without a bearer token or a session cookie of
 * an allowed role; every query is scoped to the caller's organisation.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Database } from '../db/database.ts';
import { authPlugin, API_PREFIX } from './plugins/auth.ts';
import { dashboardPlugin } from './plugins/dashboard.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { DEFAULT_RATE_LIMIT, securityPlugin, type RateLimitOptions } from './plugins/security.ts';
import { healthRoutes } from './routes/health/routes.ts';
import { deviceRoutes } from './routes/devices/routes.ts';
import { patientRoutes } from './routes/patients/routes.ts';
import { billingRoutes } from './routes/billing/routes.ts';
import { reportRoutes } from './routes/reports/routes.ts';
import { supportRoutes } from './routes/support/routes.ts';
import { fleetRoutes } from './routes/fleet/routes.ts';
import { tokenRoutes } from './routes/tokens/routes.ts';
import { sessionRoutes } from './routes/session/routes.ts';
import { userRoutes } from './routes/users/routes.ts';
import { clinicalWorkRoutes } from './routes/clinical-work/routes.ts';
import { programRoutes } from './routes/program/routes.ts';
import { carePlanRoutes } from './routes/care-plans/routes.ts';
import { alertRoutes } from './routes/alerts/routes.ts';
import { enrolmentRoutes } from './routes/enrolment/routes.ts';
import type { DownlinkPublisher } from './types.ts';

export interface BuildAppOptions {
  db: Database;
  downlink: DownlinkPublisher;
  /** pino options, true for defaults, false for silence (tests). Default: info level, JSON lines. */
  logger?: FastifyServerOptions['logger'];
  rateLimit?: Partial<RateLimitOptions>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: process.env.LOG_LEVEL ?? 'info', redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'] },
    // Reuse a caller's request id when it is sane, so a support ticket can quote it end to end.
    genReqId: (raw) => {
      const given = raw.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 256 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('db', options.db);
  app.decorate('downlink', options.downlink);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const limits = { ...DEFAULT_RATE_LIMIT, ...options.rateLimit };
  await errorsPlugin(app);
  await securityPlugin(app, { rateLimit: limits });
  await openapiPlugin(app);
  await authPlugin(app, limits.max === false ? {} : { failureLimit: { max: limits.authFailures ?? 30, windowMs: limits.timeWindowMs } });
  await dashboardPlugin(app);

  await app.register(healthRoutes);
  await app.register(
    async (v1) => {
      await v1.register(tokenRoutes);
      await v1.register(sessionRoutes);
      await v1.register(userRoutes);
      await v1.register(deviceRoutes);
      await v1.register(patientRoutes);
      await v1.register(billingRoutes);
      await v1.register(carePlanRoutes);
      await v1.register(alertRoutes);
      await v1.register(enrolmentRoutes);
      await v1.register(clinicalWorkRoutes);
      await v1.register(programRoutes);
      await v1.register(reportRoutes);
      await v1.register(supportRoutes);
      await v1.register(fleetRoutes);
    },
    { prefix: API_PREFIX },
  );
  await app.ready();
  return app;
}
