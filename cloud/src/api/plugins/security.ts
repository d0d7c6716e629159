/**
 * Security headers (helmet) and rate limiting. The limit runs after authentication and is keyed on the
 * authenticated token (a clinic behind one NAT is not throttled as one client), on the IP for public routes.
 * Failed authentications are throttled separately per IP (plugins/auth.ts), so guessing tokens with a new
 * random token each time does not escape the limit.
 */
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';

export interface RateLimitOptions {
  /** Requests per window per client; false disables limiting (benchmarks, tests) including the auth throttle. */
  max: number | false;
  timeWindowMs: number;
  /** Failed authentications per IP per window before 429 (default 30). */
  authFailures?: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 600, timeWindowMs: 60_000, authFailures: 30 };

export async function securityPlugin(app: FastifyInstance, options: { rateLimit: RateLimitOptions }): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"], // uPlot sets inline styles on its canvas wrappers
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        // the API may be reached over plain HTTP on a laptop or LAN (pillcap start); TLS is the proxy's job
        upgradeInsecureRequests: null,
      },
    },
  });
  if (options.rateLimit.max === false) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.timeWindowMs,
    keyGenerator: (request) => (request.principal ? `t:${request.principal.tokenId}` : `ip:${request.ip}`),
    errorResponseBuilder: (request, context) => ({
      statusCode: 429,
      error: 'rate_limited',
      message: `rate limit exceeded, retry in ${context.after}`,
      requestId: request.id,
    }),
  });
}
