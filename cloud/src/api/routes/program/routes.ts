/**
 * Program metrics and the fee schedule behind expected revenue (cloud/src/clinical/program-metrics.ts,
 * fee-schedule.ts). Organisation-wide figures: clinical roles read them; only an admin changes the fees.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { appendAudit } from '../../../repositories/audit.ts';
import { loadProgramMetrics, userNames } from '../../../clinical/program-metrics-repository.ts';
import { loadFeeSchedule, saveFeeScheduleOverride } from '../../../clinical/fee-schedule-repository.ts';
import { CLINICAL_ROLES, auditActor } from '../../auth/roles.ts';
import { principalOf } from '../../plugins/auth.ts';
import { ErrorBody } from '../common-schemas.ts';
import { FeeSchedule, FeeScheduleBody, Metrics, MetricsQuery } from './schemas.ts';

export async function programRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/program/metrics',
    {
      schema: {
        tags: ['clinical'], summary: 'Program metrics by patient-local month and by coordinator: activation, monitored days, retention, alerts, interventions, adherence, codes, expected revenue',
        querystring: MetricsQuery, response: { 200: Metrics, 400: ErrorBody },
      },
      config: { roles: CLINICAL_ROLES },
    },
    async (request) => {
      const principal = principalOf(request);
      const { from, to, coordinator } = request.query;
      const metrics = await loadProgramMetrics(app.db, { orgId: principal.orgId, from, to, coordinatorId: coordinator ?? null, now: new Date() });
      const ids = metrics.coordinators.map((c) => c.coordinatorId).filter((id): id is string => id !== null);
      const names = await userNames(app.db, principal.orgId, ids);
      return { ...metrics, coordinators: metrics.coordinators.map((c) => ({ ...c, name: c.coordinatorId ? (names.get(c.coordinatorId) ?? null) : null })) };
    },
  );

  r.get(
    '/program/fee-schedule',
    { schema: { tags: ['clinical'], summary: 'The fee schedule used for expected revenue (seeded estimates, organisation overrides)', response: { 200: FeeSchedule } }, config: { roles: CLINICAL_ROLES } },
    async (request) => ({ entries: await loadFeeSchedule(app.db, principalOf(request).orgId) }),
  );

  r.put(
    '/program/fee-schedule',
    {
      schema: { tags: ['clinical'], summary: "Set the organisation's fee amounts (codes left out keep the seeded estimate)", body: FeeScheduleBody, response: { 200: FeeSchedule, 400: ErrorBody } },
      config: { roles: ['admin'] },
    },
    async (request) => {
      const principal = principalOf(request);
      return app.db.transaction(async (tx) => {
        await saveFeeScheduleOverride(tx, principal.orgId, request.body.amounts);
        await appendAudit(tx, { ...auditActor(principal), action: 'program.fee_schedule', target: principal.orgId, detail: { amounts: request.body.amounts } });
        return { entries: await loadFeeSchedule(tx, principal.orgId) };
      });
    },
  );
}
