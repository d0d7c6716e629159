/**
 * Authentication and authorisation for everything under /v1. Fails closed: a /v1 route that does not
 * declare its roles cannot even be registered, and a request without a valid bearer token never reaches a
 * handler. Wrong role = 403 (roles are not secret); other organisations' data = 404 (in the queries).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateToken } from '../auth/tokens.ts';
import { requireUser, type Principal } from '../auth/roles.ts';
import { ApiError } from '../errors.ts';

export const API_PREFIX = '/v1';

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, 'unauthorized', 'a bearer token is required');
  return request.principal;
}

/** Counts failed authentications per IP in fixed windows; bounded so a flood of addresses cannot grow it forever. */
class FailureThrottle {
  readonly #counts = new Map<string, { count: number; resetAt: number }>();
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}
  blocked(ip: string, now = Date.now()): boolean {
    const entry = this.#counts.get(ip);
    return entry !== undefined && entry.resetAt > now && entry.count >= this.limit;
  }
  fail(ip: string, now = Date.now()): void {
    if (this.#counts.size > 10_000) for (const [key, value] of this.#counts) if (value.resetAt <= now) this.#counts.delete(key);
    const entry = this.#counts.get(ip);
    if (!entry || entry.resetAt <= now) this.#counts.set(ip, { count: 1, resetAt: now + this.windowMs });
    else entry.count += 1;
  }
}

export interface AuthOptions {
  /** Failed authentications allowed per IP per window; undefined disables the throttle. */
  failureLimit?: { max: number; windowMs: number };
}

export async function authPlugin(app: FastifyInstance, options: AuthOptions = {}): Promise<void> {
  const throttle = options.failureLimit ? new FailureThrottle(options.failureLimit.max, options.failureLimit.windowMs) : undefined;
  app.decorateRequest('principal', null);
  app.decorate('routeTable', []);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(`${API_PREFIX}/`)) return;
    const roles = route.config?.roles;
    if (!roles || roles.length === 0) throw new Error(`route ${String(route.method)} ${route.url} declares no roles`);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      app.routeTable.push({ method, url: route.url, roles, person: route.config?.person === true });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    if (!url || !url.startsWith(`${API_PREFIX}/`)) return;
    if (throttle?.blocked(request.ip)) {
      reply.header('retry-after', String(Math.ceil(throttle.windowMs / 1000)));
      throw new ApiError(429, 'rate_limited', 'too many failed authentications from this address; try again later');
    }
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header.trim()) : null;
    const principal = match ? await authenticateToken(app.db, match[1]!) : null;
    if (!principal) {
      throttle?.fail(request.ip);
      reply.header('www-authenticate', 'Bearer realm="pillcap"');
      throw new ApiError(401, 'unauthorized', header ? 'the bearer token is invalid, expired or revoked' : 'a bearer token is required');
    }
    const roles = request.routeOptions.config.roles ?? [];
    if (!roles.includes(principal.role)) throw new ApiError(403, 'forbidden', `role "${principal.role}" may not use this route`);
    if (request.routeOptions.config.person === true) requireUser(principal);
    request.principal = principal;
    request.log.debug({ tokenId: principal.tokenId, role: principal.role }, 'authenticated');
  });
}
