/**
 * The month's billing report for the caller's organisation, as JSON or CSV (C2's buildMonthlyReport), and
 * exporting it (markExported: stores the export and snapshots closed periods, so later data flags amendments).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { buildMonthlyReport, markExported } from '../../../billing/monthly-report.ts';
import { listExports } from '../../../billing/billing-repository.ts';
import { CLINICAL_ROLES, auditActor } from '../../auth/roles.ts';
import { principalOf } from '../../plugins/auth.ts';
import { iso } from '../common-schemas.ts';
import { ExportList, Report, ReportParams, ReportQuery } from './schemas.ts';

const CLINIC = CLINICAL_ROLES;

export async function reportRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/billing/reports/:month',
    {
      schema: { tags: ['clinic'], summary: "The month's billing report (format=json|csv); read-only, marks nothing exported", params: ReportParams, querystring: ReportQuery },
      config: { roles: CLINIC },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const report = await buildMonthlyReport(app.db, { orgId: principal.orgId, month: request.params.month });
      if (request.query.format === 'csv') {
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="billing-${principal.orgSlug}-${request.params.month}.csv"`).send(report.csv);
      }
      return reply.type('application/json; charset=utf-8').send(Report.parse(report.json));
    },
  );

  r.post(
    '/billing/reports/:month/export',
    {
      schema: { tags: ['clinic'], summary: 'Export the month: store it and snapshot closed periods (later data flags them amended)', params: ReportParams, querystring: ReportQuery },
      config: { roles: CLINIC },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      // attributed to the person when there is one (a session's id means nothing in the list of past exports)
      const result = await markExported(app.db, principal.orgId, request.params.month, auditActor(principal).actor);
      reply.code(201).header('x-export-id', String(result.exportId));
      if (request.query.format === 'csv') {
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="billing-${principal.orgSlug}-${request.params.month}-export-${result.exportId}.csv"`).send(result.csv);
      }
      return reply.type('application/json; charset=utf-8').send(Report.parse({ ...result.json, exportId: result.exportId, exportedPeriods: result.exportedPeriods, openPeriods: result.openPeriods }));
    },
  );

  r.get(
    '/billing/exports',
    { schema: { tags: ['clinic'], summary: "This organisation's past exports", response: { 200: ExportList } }, config: { roles: CLINIC } },
    async (request) => {
      const principal = principalOf(request);
      const rows = await listExports(app.db, principal.orgId);
      return { exports: rows.map((e) => ({ id: e.id, month: e.month, createdBy: e.createdBy, createdAt: iso(e.createdAt)! })) };
    },
  );
}
