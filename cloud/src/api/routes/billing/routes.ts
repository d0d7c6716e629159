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
import { logInteractiveCommunication, saveMonthlyDocumentation } from '../../../billing/management-repository.ts';
import { countsTowardManagement, type TimeCategory } from '../../../billing/time-categories.ts';
import { recordTimeEntry } from '../../../clinical/time-entry-repository.ts';
import { refreshWorkItems } from '../../../clinical/work-queue-repository.ts';
import { documentationSuggestions } from '../../../clinical/documentation-prefill.ts';
import { adherenceForPatient, symptomTimeline } from '../../../adherence/index.ts';
import { appendAudit } from '../../../repositories/audit.ts';
import { loadMonthRecords } from '../../../repositories/management-records.ts';
import { listDayRecords } from '../../../repositories/monitored-days.ts';
import { CLINICAL_ROLES, auditActor } from '../../auth/roles.ts';
import { ApiError, badRequest, notFound } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import type { Principal } from '../../auth/roles.ts';
import type { Database } from '../../../db/database.ts';
import { ErrorBody, PatientParams, iso } from '../common-schemas.ts';
import {
  Adherence, BillingPeriods, Calendar, CalendarQuery, Communication, CommunicationBody, Documentation, DocumentationBody, MonthParams, PeriodsQuery,
  RangeQuery, Symptoms, TimeEntry, TimeEntryBody,
} from './schemas.ts';
import type { z } from 'zod';

type TimeEntryBodyType = z.infer<typeof TimeEntryBody>;

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

/** Who wrote a record, as the free-text column keeps it: the person when there is one, else the token. */
const createdByOf = (principal: Principal): string => (principal.user ? `user:${principal.user.id}` : `token:${principal.tokenId}`);

/** The staff name on a record: given, else the signed-in user's name; a machine token must give one. */
function staffOf(given: string | undefined, principal: Principal): string {
  if (given) return given;
  if (principal.user) return principal.user.name;
  throw badRequest('staff is required when no person is signed in');
}

/** Future entries are typos or attempts to pre-log time: refused (a little clock skew is allowed). */
const FUTURE_SLACK_MS = 5 * 60_000;

/** The entry a time-entries body describes, validated against the rules that make time hold up. */
function timeEntryFrom(body: TimeEntryBodyType, principal: Principal, now: Date) {
  const category: TimeCategory = body.category ?? 'treatment_management';
  const startedAt = body.startedAt ? new Date(body.startedAt) : null;
  const endedAt = body.endedAt ? new Date(body.endedAt) : null;
  let minutes: number;
  let performedAt: Date;
  if (startedAt && endedAt) {
    if (endedAt <= startedAt) throw badRequest('endedAt must be after startedAt');
    minutes = Math.floor((endedAt.getTime() - startedAt.getTime()) / 60_000);
    if (minutes < 1 || minutes > 1440) throw new ApiError(422, 'invalid_duration', `an entry lasts 1 to 1440 whole minutes, this one ${minutes}`);
    if (body.minutes !== undefined && body.minutes !== minutes) throw badRequest(`minutes (${body.minutes}) disagree with startedAt..endedAt (${minutes} whole minutes)`);
    performedAt = startedAt;
  } else {
    minutes = body.minutes!;
    performedAt = new Date(body.performedAt!);
    // a person's unmeasured time needs a reason; machine imports keep the pre-accounts behaviour
    if (principal.user && !body.manualReason) throw new ApiError(400, 'manual_reason_required', 'a manual entry (no startedAt/endedAt) needs a manualReason');
  }
  const end = endedAt ?? new Date(performedAt.getTime() + minutes * 60_000);
  if (end.getTime() > now.getTime() + FUTURE_SLACK_MS) throw badRequest('time entries cannot end in the future');
  return {
    staff: staffOf(body.staff, principal), minutes, activity: body.activity, performedAt, category, startedAt, endedAt,
    manualReason: body.manualReason ?? null, userId: principal.user?.id ?? null, entryKind: 'manual' as const,
  };
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
        management: billing.management.map((m) => ({
          month: m.month, minutes: m.minutes, excludedMinutes: m.excludedMinutes, interactiveCommunications: m.interactiveCommunications, codes: m.codes, reason: m.reason,
        })),
      };
    },
  );

  r.post(
    '/patients/:patientId/time-entries',
    {
      schema: {
        tags: ['clinic'], summary: 'Log treatment-management staff time (measured start and end, or minutes with a reason); attributed to the signed-in user',
        params: PatientParams, body: TimeEntryBody, response: { 201: TimeEntry, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
      config: { roles: CLINIC },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      ensureUuid(request.params.patientId);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const now = new Date();
      const entry = timeEntryFrom(request.body, principal, now);
      const row = await app.db.transaction(async (tx) => {
        const logged = await recordTimeEntry(tx, { patientId: patient.id, ...entry, createdBy: createdByOf(principal) });
        await appendAudit(tx, { ...auditActor(principal), action: 'billing.time_entry', target: patient.id, detail: { id: logged.id, minutes: entry.minutes, category: entry.category, month: logged.month } });
        await refreshWorkItems(tx, { patientIds: [patient.id], now });
        return logged;
      });
      return reply.code(201).send({
        id: row.id, staff: entry.staff, minutes: entry.minutes, activity: entry.activity, performedAt: entry.performedAt.toISOString(), month: row.month,
        userId: entry.userId, category: entry.category, countsTowardManagement: countsTowardManagement(entry.category), entryKind: 'manual',
        startedAt: iso(entry.startedAt), endedAt: iso(entry.endedAt), manualReason: entry.manualReason,
      });
    },
  );

  r.post(
    '/patients/:patientId/communications',
    {
      schema: {
        tags: ['clinic'], summary: 'Log a real-time interactive communication (phone or video); attributed to the signed-in user', params: PatientParams, body: CommunicationBody,
        response: { 201: Communication, 400: ErrorBody, 404: ErrorBody },
      },
      config: { roles: CLINIC },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      ensureUuid(request.params.patientId);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const body = request.body;
      const at = new Date(body.at);
      const staff = staffOf(body.staff, principal);
      const row = await app.db.transaction(async (tx) => {
        const logged = await logInteractiveCommunication(tx, {
          patientId: patient.id, at, minutes: body.minutes, modality: body.modality, staff, note: body.note ?? null, createdBy: createdByOf(principal), userId: principal.user?.id ?? null,
        });
        await appendAudit(tx, { ...auditActor(principal), action: 'billing.communication', target: patient.id, detail: { id: logged.id, modality: body.modality, month: logged.month } });
        await refreshWorkItems(tx, { patientIds: [patient.id], now: new Date() });
        return logged;
      });
      return reply.code(201).send({ id: row.id, at: at.toISOString(), minutes: body.minutes, modality: body.modality, staff, note: body.note ?? null, month: row.month, userId: principal.user?.id ?? null });
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
        await saveMonthlyDocumentation(tx, { patientId: patient.id, month: request.params.month, ...b, updatedBy: createdByOf(principal), updatedByUser: principal.user?.id ?? null });
        await appendAudit(tx, { ...auditActor(principal), action: 'billing.documentation', target: patient.id, detail: { month: request.params.month, fields: Object.keys(b) } });
        await refreshWorkItems(tx, { patientIds: [patient.id], now: new Date() });
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
    timeEntries.map((t) => ({ minutes: t.minutes, performedAt: t.performedAt, staff: t.staff, activity: t.activity, category: t.category })),
    communications.map((c) => ({ at: c.at, minutes: c.minutes, modality: c.modality, staff: c.staff })),
    patient.timeZone,
    patient.rpmActive,
  ).find((m) => m.month === month);
  return {
    month,
    answers: answers ?? { whyMonitored: null, whatCollected: null, whatReviewed: null, communication: null, whatChanged: null },
    management: managementMonth
      ? {
          minutes: managementMonth.minutes, excludedMinutes: managementMonth.excludedMinutes, interactiveCommunications: managementMonth.interactiveCommunications,
          codes: managementMonth.codes, reason: managementMonth.reason,
        }
      : { minutes: 0, excludedMinutes: 0, interactiveCommunications: 0, codes: [], reason: 'no time logged this month' },
    timeEntries: timeEntries.map((t) => ({
      ...t, performedAt: iso(t.performedAt)!, startedAt: iso(t.startedAt), endedAt: iso(t.endedAt), countsTowardManagement: countsTowardManagement(t.category),
    })),
    communications: communications.map((c) => ({ ...c, at: iso(c.at)! })),
    suggestions: await documentationSuggestions(db, { orgId: principal.orgId, patientId: patient.id, month, timeZone: patient.timeZone, answers }),
    periods: billing.periods
      .filter((p) => p.startDate <= last && p.endDate >= first)
      .map((p) => ({ index: p.index, startDate: p.startDate, endDate: p.endDate, checklist: p.evidence.checklist as unknown as Record<string, unknown> })),
  };
}
