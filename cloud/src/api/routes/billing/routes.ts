/**
 * Clinic billing and care views for one patient: monitored-days calendar per 30-day period, billing periods
 * with codes and evidence, management time and interactive communications, the monthly documentation,
 * adherence and symptoms. All patient-scoped routes resolve the patient within the caller's organisation.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { EventKind } from '../../../../../protocol/src/messages.ts';
import { addDays, dateRange, localDateOf, monthBounds } from '../../../billing/local-date.ts';
import { HIGH_TIER_MIN_DAYS, LOW_TIER_MIN_DAYS } from '../../../billing/supply-code.ts';
import { computeManagementMonths } from '../../../billing/patient-billing.ts';
import { loadPatientBilling, patientOfOrg, type LoadedPatient, type PatientBillingView } from '../../billing-view.ts';
import { logInteractiveCommunication, logManagementTime, saveMonthlyDocumentation } from '../../../billing/management-repository.ts';
import { adherenceForPatient, symptomTimeline } from '../../../adherence/index.ts';
import { appendAudit } from '../../../repositories/audit.ts';
import { loadMonthRecords } from '../../../repositories/management-records.ts';
import { listDayRecords } from '../../../repositories/monitored-days.ts';
import { CLINICAL_ROLES, auditActor } from '../../auth/roles.ts';
import { notFound } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import type { Principal } from '../../auth/roles.ts';
import type { Database } from '../../../db/database.ts';
import { ErrorBody, PatientParams, iso } from '../common-schemas.ts';
import {
  Adherence, BillingPeriods, Calendar, CalendarQuery, Communication, CommunicationBody, Documentation, DocumentationBody, MonthParams, PeriodsQuery,
  RangeQuery, Symptoms, TimeEntry, TimeEntryBody,
} from './schemas.ts';

const CLINIC = CLINICAL_ROLES;

async function patientOf(db: Database, principal: Principal, patientId: string): Promise<LoadedPatient> {
  const patient = await patientOfOrg(db, principal.orgId, patientId);
  if (!patient) throw notFound('patient');
  return patient;
}

async function viewOf(db: Database, principal: Principal, patientId: string, asOf: Date): Promise<PatientBillingView> {
  const view = await loadPatientBilling(db, principal.orgId, patientId, asOf);
  if (!view) throw notFound('patient');
  return view;
}

/** Default range for care views: the last 30 patient-local days. */
function rangeOf(query: { from?: string; to?: string }, zone: string): { from: string; to: string } {
  const to = query.to ?? localDateOf(new Date(), zone);
  return { from: query.from ?? addDays(to, -29), to };
}

export async function billingRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const UUID = /^[0-9a-f-]{36}$/i;
  const ensureUuid = (id: string) => {
    if (!UUID.test(id)) throw notFound('patient');
  };

  r.get(
    '/patients/:patientId/monitored-days',
    {
      schema: { tags: ['clinic'], summary: 'Monitored-days calendar, one block of 30 days per supply period', params: PatientParams, querystring: CalendarQuery, response: { 200: Calendar, 404: ErrorBody } },
      config: { roles: CLINIC },
    },
    async (request) => {
      const principal = principalOf(request);
      ensureUuid(request.params.patientId);
      const asOf = request.query.asOf ? new Date(request.query.asOf) : new Date();
      const { patient, billing } = await viewOf(app.db, principal, request.params.patientId, asOf);
      const days = await listDayRecords(app.db, patient.id);
      const byDate = new Map(days.map((d) => [d.localDate, d]));
      const periods = billing.periods
        .filter((p) => request.query.period === undefined || p.index === request.query.period)
        .map((p) => ({
          index: p.index, startDate: p.startDate, endDate: p.endDate, status: p.status, monitoredDays: p.monitoredDays, deviceActiveDays: p.deviceActiveDays,
          supplyCode: p.supplyCode, setupCode: p.setupCode,
          days: dateRange(p.startDate, p.endDate).map((date) => {
            const day = byDate.get(date);
            return {
              date,
              monitored: day?.qualifying ?? false,
              deviceActive: (day?.deviceActive ?? false) || (day?.qualifying ?? false),
              events: day?.eventCount ?? 0,
              lidOpenings: day?.kindCounts[String(EventKind.LidOpened)] ?? 0,
              symptoms: day?.kindCounts[String(EventKind.Symptom)] ?? 0,
              future: date > billing.asOfDate,
            };
          }),
        }));
      return { patientId: patient.id, timeZone: patient.timeZone, asOfDate: billing.asOfDate, thresholds: { low: LOW_TIER_MIN_DAYS, high: HIGH_TIER_MIN_DAYS }, periods };
    },
  );

  r.get(
    '/patients/:patientId/billing-periods',
    {
      schema: { tags: ['clinic'], summary: 'Supply periods with codes and evidence, 98975, and management months', params: PatientParams, querystring: PeriodsQuery, response: { 200: BillingPeriods, 404: ErrorBody } },
      config: { roles: CLINIC },
    },
    async (request) => {
      const principal = principalOf(request);
      ensureUuid(request.params.patientId);
      const asOf = request.query.asOf ? new Date(request.query.asOf) : new Date();
      const { billing } = await viewOf(app.db, principal, request.params.patientId, asOf);
      return {
        patientId: billing.patientId, episode: billing.episode, timeZone: billing.timeZone, asOf: billing.asOf, totals: billing.totals, setup: billing.setup,
        periods: billing.periods.map((p) => ({
          index: p.index, episode: p.episode, startDate: p.startDate, endDate: p.endDate, status: p.status, monitoredDays: p.monitoredDays, deviceActiveDays: p.deviceActiveDays,
          supplyCode: p.supplyCode, setupCode: p.setupCode, codes: p.codes, evidence: p.evidence as unknown as Record<string, unknown>, amendment: p.amendment, exportId: p.exportId,
        })),
        management: billing.management.map((m) => ({ month: m.month, minutes: m.minutes, interactiveCommunications: m.interactiveCommunications, codes: m.codes, reason: m.reason })),
      };
    },
  );

  r.post(
    '/patients/:patientId/time-entries',
    { schema: { tags: ['clinic'], summary: 'Log treatment-management staff time', params: PatientParams, body: TimeEntryBody, response: { 201: TimeEntry, 404: ErrorBody } }, config: { roles: CLINIC } },
    async (request, reply) => {
      const principal = principalOf(request);
      ensureUuid(request.params.patientId);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const body = request.body;
      const performedAt = new Date(body.performedAt);
      const row = await app.db.transaction(async (tx) => {
        const logged = await logManagementTime(tx, { patientId: patient.id, staff: body.staff, minutes: body.minutes, activity: body.activity, performedAt, createdBy: `token:${principal.tokenId}` });
        await appendAudit(tx, { ...auditActor(principal), action: 'billing.time_entry', target: patient.id, detail: { minutes: body.minutes, month: logged.month } });
        return logged;
      });
      return reply.code(201).send({ id: row.id, staff: body.staff, minutes: body.minutes, activity: body.activity, performedAt: performedAt.toISOString(), month: row.month });
    },
  );

  r.post(
    '/patients/:patientId/communications',
    {
      schema: { tags: ['clinic'], summary: 'Log a real-time interactive communication (phone or video)', params: PatientParams, body: CommunicationBody, response: { 201: Communication, 404: ErrorBody } },
      config: { roles: CLINIC },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      ensureUuid(request.params.patientId);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const body = request.body;
      const at = new Date(body.at);
      const row = await app.db.transaction(async (tx) => {
        const logged = await logInteractiveCommunication(tx, {
          patientId: patient.id, at, minutes: body.minutes, modality: body.modality, staff: body.staff, note: body.note ?? null, createdBy: `token:${principal.tokenId}`,
        });
        await appendAudit(tx, { ...auditActor(principal), action: 'billing.communication', target: patient.id, detail: { modality: body.modality, month: logged.month } });
        return logged;
      });
      return reply.code(201).send({ id: row.id, at: at.toISOString(), minutes: body.minutes, modality: body.modality, staff: body.staff, note: body.note ?? null, month: row.month });
    },
  );

  r.put(
    '/patients/:patientId/documentation/:month',
    {
      schema: { tags: ['clinic'], summary: "Answer the month's documentation questions (fields given are replaced)", params: MonthParams, body: DocumentationBody, response: { 200: Documentation, 404: ErrorBody } },
      config: { roles: CLINIC },
    },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const b = request.body;
      await app.db.transaction(async (tx) => {
        await saveMonthlyDocumentation(tx, { patientId: patient.id, month: request.params.month, ...b, updatedBy: `token:${principal.tokenId}` });
        await appendAudit(tx, { ...auditActor(principal), action: 'billing.documentation', target: patient.id, detail: { month: request.params.month } });
      });
      return documentationOf(app.db, principal, patient.id, request.params.month);
    },
  );

  r.get(
    '/patients/:patientId/documentation/:month',
    {
      schema: { tags: ['clinic'], summary: "The month's documentation: answers, time, communications, and each period's checklist", params: MonthParams, response: { 200: Documentation, 404: ErrorBody } },
      config: { roles: CLINIC },
    },
    async (request) => documentationOf(app.db, principalOf(request), request.params.patientId, request.params.month),
  );

  r.get(
    '/patients/:patientId/adherence',
    { schema: { tags: ['clinic'], summary: 'Adherence per patient-local day (default: last 30 days)', params: PatientParams, querystring: RangeQuery, response: { 200: Adherence, 404: ErrorBody } }, config: { roles: CLINIC } },
    async (request) => {
      const principal = principalOf(request);
      ensureUuid(request.params.patientId);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      return adherenceForPatient(app.db, patient.id, rangeOf(request.query, patient.timeZone));
    },
  );

  r.get(
    '/patients/:patientId/symptoms',
    { schema: { tags: ['clinic'], summary: 'Symptom reports (button presses) in patient-local time', params: PatientParams, querystring: RangeQuery, response: { 200: Symptoms, 404: ErrorBody } }, config: { roles: CLINIC } },
    async (request) => {
      const principal = principalOf(request);
      ensureUuid(request.params.patientId);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const range = rangeOf(request.query, patient.timeZone);
      return { ...range, symptoms: await symptomTimeline(app.db, patient.id, range) };
    },
  );
}

async function documentationOf(db: Database, principal: Principal, patientId: string, month: string) {
  const { first, last } = monthBounds(month);
  const asOf = new Date(Math.max(Date.now(), Date.parse(`${last}T23:59:59Z`) + 15 * 3_600_000));
  const view = await loadPatientBilling(db, principal.orgId, patientId, asOf);
  if (!view) throw notFound('patient');
  const { patient, billing } = view;
  const { answers, timeEntries, communications } = await loadMonthRecords(db, patient.id, month);
  const managementMonth = computeManagementMonths(
    timeEntries.map((t) => ({ minutes: t.minutes, performedAt: t.performedAt, staff: t.staff, activity: t.activity })),
    communications.map((c) => ({ at: c.at, minutes: c.minutes, modality: c.modality, staff: c.staff })),
    patient.timeZone,
    patient.rpmActive,
  ).find((m) => m.month === month);
  return {
    month,
    answers: answers ?? { whyMonitored: null, whatCollected: null, whatReviewed: null, communication: null, whatChanged: null },
    management: managementMonth
      ? { minutes: managementMonth.minutes, interactiveCommunications: managementMonth.interactiveCommunications, codes: managementMonth.codes, reason: managementMonth.reason }
      : { minutes: 0, interactiveCommunications: 0, codes: [], reason: 'no time logged this month' },
    timeEntries: timeEntries.map((t) => ({ ...t, performedAt: iso(t.performedAt)! })),
    communications: communications.map((c) => ({ ...c, at: iso(c.at)! })),
    periods: billing.periods
      .filter((p) => p.startDate <= last && p.endDate >= first)
      .map((p) => ({ index: p.index, startDate: p.startDate, endDate: p.endDate, checklist: p.evidence.checklist as unknown as Record<string, unknown> })),
  };
}
