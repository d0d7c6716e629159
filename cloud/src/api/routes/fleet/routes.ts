/**
 * The fleet list for field support: every cap in the caller's device scope (the fleet operator sees every
 * clinic's caps) with its verdict, kinds of trouble and score, worst first (cloud/src/support/fleet-health.ts).
 * Nothing here reads patients; the response schema lists every field.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loadFleetHealth } from '../../../support/fleet-health.ts';
import { principalOf } from '../../plugins/auth.ts';
import { ErrorBody, iso } from '../common-schemas.ts';
import { Fleet, FleetQuery } from './schemas.ts';

export async function fleetRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/support/fleet',
    {
      schema: { tags: ['support'], summary: 'Caps sorted by trouble (silent, battery, signal, clock, reboots, data) with the verdict of each (no patient data)', querystring: FleetQuery, response: { 200: Fleet, 400: ErrorBody } },
      config: { roles: ['support', 'admin'] },
    },
    async (request) => {
      const { days, trouble, limit } = request.query;
      const fleet = await loadFleetHealth(app.db, principalOf(request), { windowDays: days, trouble, limit });
      return { ...fleet, generatedAt: fleet.generatedAt.toISOString(), caps: fleet.caps.map((cap) => ({ ...cap, lastSeenAt: iso(cap.lastSeenAt) })) };
    },
  );
}
