/** Fastify declarations shared by plugins and routes. */
import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database } from '../db/database.ts';
import type { Principal, Role } from './auth/roles.ts';
import type { SessionPolicy } from './auth/sessions.ts';

import type { Downlink } from '../downlink/downlink.ts';

/** What the API needs from the downlink (cloud/src/downlink: MQTT or AWS IoT): commands, and desired config where the downlink has it. */
export type DownlinkPublisher = Pick<Downlink, 'publish' | 'updateDesiredConfig'>;

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    downlink: DownlinkPublisher;
    /** Every /v1 route with its roles, in registration order. */
    routeTable: RouteEntry[];
    /** Idle and absolute expiry of sessions, lockout after failed sign-ins (auth/sessions.ts). */
    sessionPolicy: SessionPolicy;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route. Every /v1 route must declare them (checked when the route is added). */
    roles?: readonly Role[];
    /**
     * The route writes a clinical record attributed to a person: callers without a user (machine tokens) get
     * 403 `user_required` even when their role is allowed. Handlers then take the user with `requireUser`.
     */
    person?: boolean;
    /**
     * Reachable without credentials. Only sign-in (`POST /v1/session`) may say so (plugins/auth.ts refuses
     * any other route that does); it still lists its roles (all of them) so the route table stays uniform.
     */
    public?: boolean;
  }
}

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** One row of the route table, collected while routes are added: drives the role-by-route test matrix. */
export interface RouteEntry {
  method: string;
  url: string;
  roles: readonly Role[];
  /** Only a person (session or personal token) may call it; see FastifyContextConfig.person. */
  person: boolean;
  /** Needs no credentials (sign-in only); see FastifyContextConfig.public. */
  public: boolean;
}
