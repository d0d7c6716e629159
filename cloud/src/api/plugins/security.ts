/**
 * Security headers (helmet) and rate limiting. The limit is keyed on the bearer token's hash when one is
 * presented (a clinic behind one NAT is not throttled as one client) and on the IP otherwise.
 */
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { createHash } from 'node:crypto';

export interface RateLimitOptions {
  /** Requests per window per client; false disables limiting (benchmarks). */
  max: number | false;
  timeWindowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 600, timeWindowMs: 60_000 };

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
      },
    },
  });
  if (options.rateLimit.max === false) return;
  await app.register(rateLimit, {
    global: true,
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.timeWindowMs,
    keyGenerator: (request) => {
      const header = request.headers.authorization;
      if (typeof header === 'string' && header.length > 7) return `t:${createHash('sha256').update(header).digest('base64url').slice(0, 22)}`;
      return `ip:${request.ip}`;
    },
    errorResponseBuilder: (request, context) => ({
      statusCode: 429,
      error: 'rate_limited',
      message: `rate limit exceeded, retry in ${context.after}`,
      requestId: request.id,
    }),
  });
}
