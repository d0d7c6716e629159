/**
 * Authentication and authorisation for everything under /v1. Fails closed: a /v1 route that does not
 * declare its roles cannot even be registered, and a request without valid credentials never reaches a
 * handler. Credentials are a bearer token (machines, personal tokens) or the `pillcap_session` cookie of a
 * signed-in user; a cookie request that changes state (POST, PUT, PATCH, DELETE) must also carry the
 * session's CSRF token in `x-csrf-token`, since a browser attaches cookies by itself and a bearer header
 * it never does. Only sign-in (`POST /v1/session`) is public. Wrong role = 403 (roles are not secret);
 * other organisations' data = 404 (in the queries).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { authenticateToken } from '../auth/tokens.ts';
import { authenticateSession, csrfMatches, CSRF_HEADER, SESSION_COOKIE, SESSION_COOKIE_ATTRIBUTES, sessionPolicyFromEnv, type SessionPolicy } from '../auth/sessions.ts';
import { requireUser, type Principal } from '../auth/roles.ts';
import { ApiError } from '../errors.ts';

export const API_PREFIX = '/v1';

/** The only route that may be public, and the routes a user who must change the password can still use. */
const SIGN_IN_ROUTE = { method: 'POST', url: `${API_PREFIX}/session` } as const;
const SESSION_ROUTES = `${API_PREFIX}/session`;

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, 'unauthorized', 'a bearer token or a session is required');
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
  /** Failed authentications (and failed sign-ins) allowed per IP per window; undefined disables the throttle. */
  failureLimit?: { max: number; windowMs: number };
  /** Session expiry and lockout; default from SESSION_IDLE_MINUTES and SESSION_MAX_HOURS. */
  session?: SessionPolicy;
}

export async function authPlugin(app: FastifyInstance, options: AuthOptions = {}): Promise<void> {
  const throttle = options.failureLimit ? new FailureThrottle(options.failureLimit.max, options.failureLimit.windowMs) : undefined;
  // Registered (and awaited) before the hook below, so cookies are parsed when it runs.
  await app.register(fastifyCookie, { hook: 'onRequest' });
  app.decorateRequest('principal', null);
  app.decorate('routeTable', []);
  app.decorate('sessionPolicy', options.session ?? sessionPolicyFromEnv(process.env));

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(`${API_PREFIX}/`)) return;
    const roles = route.config?.roles;
    if (!roles || roles.length === 0) throw new Error(`route ${String(route.method)} ${route.url} declares no roles`);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const isPublic = route.config?.public === true;
    if (isPublic && (route.url !== SIGN_IN_ROUTE.url || methods.some((m) => m !== SIGN_IN_ROUTE.method && m !== 'HEAD'))) {
      throw new Error(`route ${String(route.method)} ${route.url} may not be public: only sign-in (POST ${SIGN_IN_ROUTE.url}) is`);
    }
    for (const method of methods) {
      if (method === 'HEAD') continue;
      app.routeTable.push({ method, url: route.url, roles, person: route.config?.person === true, public: isPublic });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    if (!url || !url.startsWith(`${API_PREFIX}/`)) return;
    if (throttle?.blocked(request.ip)) {
      reply.header('retry-after', String(Math.ceil(throttle.windowMs / 1000)));
      throw new ApiError(429, 'rate_limited', 'too many failed authentications from this address; try again later');
    }
    if (request.routeOptions.config.public === true) return;
    const now = new Date();
    const header = request.headers.authorization;
    const cookie = request.cookies[SESSION_COOKIE];
    let principal: Principal | null = null;
    let session: Awaited<ReturnType<typeof authenticateSession>> = null;
    if (header !== undefined) {
      // A request that names a token is judged by the token alone, never by a cookie that came along.
      const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header.trim()) : null;
      principal = match ? await authenticateToken(app.db, match[1]!, now) : null;
    } else if (cookie) {
      session = await authenticateSession(app.db, cookie, now, app.sessionPolicy);
      principal = session?.principal ?? null;
      if (!session) reply.clearCookie(SESSION_COOKIE, SESSION_COOKIE_ATTRIBUTES);
    }
    if (!principal) {
      // Only presented credentials count as a guess: a page asking whether it is still signed in does not.
      if (header !== undefined || cookie) throttle?.fail(request.ip);
      reply.header('www-authenticate', 'Bearer realm="pillcap"');
      if (header !== undefined) throw new ApiError(401, 'unauthorized', 'the bearer token is invalid, expired or revoked');
      throw new ApiError(401, 'unauthorized', cookie ? 'the session has ended (signed out, expired or revoked); sign in again' : 'a bearer token or a session is required');
    }
    if (session && STATE_CHANGING.has(request.method) && !csrfMatches(session.csrfHash, request.headers[CSRF_HEADER])) {
      throw new ApiError(403, 'csrf_failed', `a state-changing request with a session cookie needs the session's CSRF token in ${CSRF_HEADER}`);
    }
    if (session?.mustChangePassword && url !== SESSION_ROUTES && !url.startsWith(`${SESSION_ROUTES}/`)) {
      throw new ApiError(403, 'password_change_required', `set a new password first (POST ${SESSION_ROUTES}/password)`);
    }
    const roles = request.routeOptions.config.roles ?? [];
    if (!roles.includes(principal.role)) throw new ApiError(403, 'forbidden', `role "${principal.role}" may not use this route`);
    if (request.routeOptions.config.person === true) requireUser(principal);
    request.principal = principal;
    request.log.debug({ tokenId: principal.tokenId, via: principal.via, role: principal.role }, 'authenticated');
  });

  // A failed sign-in counts against the address like a failed token, so password guessing is throttled too.
  app.addHook('onResponse', async (request, reply) => {
    if (throttle && request.routeOptions.config.public === true && reply.statusCode === 401) throttle.fail(request.ip);
  });
}
