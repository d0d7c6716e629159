/**
 * The month's clinical work: timers and time entries, therapy changes, data reviews and the work queue.
 * Records are attributed to a person (`person: true`: a machine token gets 403 user_required); every write
 * refreshes the patient's work items in the same transaction, so an item closes the moment its work is
 * recorded. Patients are resolved within the caller's organisation (another organisation's = 404).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { localDateOf, monthOf } from '../../../billing/local-date.ts';
import { appendAudit } from '../../../repositories/audit.ts';
import { currentTimer, discardTimer, startTimer, stopTimer, timerJson, type RunningTimer, type StoppedTimer } from '../../../clinical/timer-repository.ts';
import { findTimeEntry, listTimeEntries, softDeleteTimeEntry, type TimeEntryView } from '../../../clinical/time-entry-repository.ts';
import { listTherapyChanges, recordTherapyChange, type TherapyChange } from '../../../clinical/therapy-change-repository.ts';
import { listDataReviews, recordDataReview, type DataReview } from '../../../clinical/data-review-repository.ts';
import { listWorkItems, refreshWorkItems } from '../../../clinical/work-queue-repository.ts';
import { URGENCY_THRESHOLDS, urgencyLevel } from '../../../clinical/work-items.ts';
import { CLINICAL_ROLES, auditActor, requireUser, type Principal, type Role } from '../../auth/roles.ts';
import { patientOfOrg, type LoadedPatient } from '../../billing-view.ts';
import { ApiError, badRequest, notFound } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import type { Database, Queryable } from '../../../db/database.ts';
import { ErrorBody, PatientParams, iso } from '../common-schemas.ts';
import {
  CurrentTimer, DataReview as DataReviewSchema, DataReviewBody, DataReviewList, DeletedEntry, DiscardedTimer, EntryParams, MonthQuery, StartTimerBody, StartedTimer,
  StoppedTimer as StoppedTimerSchema, TherapyChange as TherapyChangeSchema, TherapyChangeBody, TherapyChangeList, TimeEntriesQuery, TimeEntryList, Worklist, WorklistQuery,
} from './schemas.ts';

const CLINIC = CLINICAL_ROLES;
/** People of the clinic: a machine `clinic` token can never be a person, so it is not listed (403 forbidden). */
const PEOPLE: Role[] = CLINICAL_ROLES.filter((r) => r !== 'clinic');
/** Roles that may remove another person's time entry: the supervising clinician and the administrator. */
const SUPERVISORS = new Set(['clinician', 'admin']);

async function patientOf(db: Database, principal: Principal, patientId: string): Promise<LoadedPatient> {
  const patient = await patientOfOrg(db, principal.orgId, patientId);
  if (!patient) throw notFound('patient');
  return patient;
}

const entryJson = (e: TimeEntryView) => ({
  ...e, performedAt: e.performedAt.toISOString(), startedAt: iso(e.startedAt), endedAt: iso(e.endedAt), deletedAt: iso(e.deletedAt),
});
const changeJson = (c: TherapyChange) => ({ ...c, changedAt: c.changedAt.toISOString(), createdAt: c.createdAt.toISOString() });
const reviewJson = (r: DataReview) => ({ ...r, reviewedAt: r.reviewedAt.toISOString() });

async function stoppedJson(q: Queryable, orgId: string, stopped: StoppedTimer, now: Date) {
  const entry = await findTimeEntry(q, orgId, stopped.timer.patientId, stopped.entry.id);
  return { timer: timerJson(stopped.timer, now), entry: entryJson(entry!) };
}

/** The patients whose work items a timer change touches (a switch may stop another patient's timer). */
const patientsOf = (...timers: (RunningTimer | null | undefined)[]) => [...new Set(timers.filter((t): t is RunningTimer => !!t).map((t) => t.patientId))];

const encodeCursor = (urgency: number, patientId: string) => Buffer.from(`${urgency}:${patientId}`, 'utf8').toString('base64url');
function decodeCursor(cursor: string): { urgency: number; patientId: string } {
  const m = /^(\d{1,10}):([0-9a-f-]{36})$/i.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw badRequest('cursor is not one this API issued');
  return { urgency: Number(m[1]), patientId: m[2]! };
}

export async function clinicalWorkRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/timers/current',
    { schema: { tags: ['clinical'], summary: "The caller's running timer (kept server-side: survives a reload)", response: { 200: CurrentTimer } }, config: { roles: PEOPLE, person: true } },
    async (request) => {
      const user = requireUser(principalOf(request));
      const timer = await currentTimer(app.db, user.id);
      return { timer: timer ? timerJson(timer, new Date()) : null };
    },
  );

  r.post(
    '/patients/:patientId/timers',
    {
      schema: {
        tags: ['clinical'], summary: 'Start a timer on the patient (one per user: 409 timer_running, or switch: true to stop the running one first)',
        params: PatientParams, body: StartTimerBody, response: { 201: StartedTimer, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
      config: { roles: PEOPLE, person: true },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = requireUser(principal);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const now = new Date();
      const body = request.body;
      const started = await app.db.transaction(async (tx) => {
        const result = await startTimer(tx, {
          user, orgId: principal.orgId, patientId: patient.id, category: body.category, activity: body.activity, now, switchRunning: body.switch === true, createdBy: `user:${user.id}`,
        });
        await appendAudit(tx, { ...auditActor(principal), action: 'time.timer_start', target: patient.id, detail: { category: body.category, switched: result.switched ? true : undefined } });
        if (result.switched?.stopped) {
          const stopped = result.switched.stopped;
          await appendAudit(tx, { ...auditActor(principal), action: 'time.timer_stop', target: stopped.timer.patientId, detail: { entryId: stopped.entry.id, minutes: stopped.entry.minutes, by: 'switch' } });
        }
        await refreshWorkItems(tx, { patientIds: patientsOf(result.timer, result.switched?.stopped?.timer), now });
        return {
          timer: timerJson(result.timer, now),
          ...(result.switched
            ? {
                switched: {
                  stopped: result.switched.stopped ? await stoppedJson(tx, principal.orgId, result.switched.stopped, now) : null,
                  discarded: result.switched.discarded ? timerJson(result.switched.discarded, now) : null,
                },
              }
            : {}),
        };
      });
      return reply.code(201).send(started);
    },
  );

  r.post(
    '/patients/:patientId/timers/stop',
    {
      schema: {
        tags: ['clinical'], summary: 'Stop the running timer into a time entry (whole minutes, rounded down; refused under 1 min or over 12 h)',
        params: PatientParams, response: { 201: StoppedTimerSchema, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
      config: { roles: PEOPLE, person: true },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = requireUser(principal);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const now = new Date();
      const out = await app.db.transaction(async (tx) => {
        const stopped = await stopTimer(tx, { user, patientId: patient.id, now, createdBy: `user:${user.id}` });
        if (!stopped) throw notFound('running timer on this patient');
        await appendAudit(tx, { ...auditActor(principal), action: 'time.timer_stop', target: patient.id, detail: { entryId: stopped.entry.id, minutes: stopped.entry.minutes, month: stopped.entry.month } });
        await refreshWorkItems(tx, { patientIds: [patient.id], now });
        return stoppedJson(tx, principal.orgId, stopped, now);
      });
      return reply.code(201).send(out);
    },
  );

  r.delete(
    '/patients/:patientId/timers',
    {
      schema: { tags: ['clinical'], summary: 'Discard the running timer on this patient (no time recorded)', params: PatientParams, response: { 200: DiscardedTimer, 404: ErrorBody } },
      config: { roles: PEOPLE, person: true },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = requireUser(principal);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const now = new Date();
      return app.db.transaction(async (tx) => {
        const discarded = await discardTimer(tx, user.id, patient.id);
        if (!discarded) throw notFound('running timer on this patient');
        await appendAudit(tx, { ...auditActor(principal), action: 'time.timer_discard', target: patient.id, detail: { startedAt: discarded.startedAt.toISOString() } });
        return { discarded: timerJson(discarded, now) };
      });
    },
  );

  r.get(
    '/patients/:patientId/time-entries',
    {
      schema: { tags: ['clinic'], summary: "The patient's time entries (who, span, category, whether it counts)", params: PatientParams, querystring: TimeEntriesQuery, response: { 200: TimeEntryList, 404: ErrorBody } },
      config: { roles: CLINIC },
    },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const entries = await listTimeEntries(app.db, principal.orgId, patient.id, { month: request.query.month, includeDeleted: request.query.includeDeleted === 'true' });
      return { entries: entries.map(entryJson) };
    },
  );

  r.delete(
    '/patients/:patientId/time-entries/:entryId',
    {
      schema: {
        tags: ['clinic'], summary: 'Delete a time entry (kept as deleted for the audit trail; your own, or any as clinician or admin)', params: EntryParams,
        response: { 200: DeletedEntry, 403: ErrorBody, 404: ErrorBody },
      },
      config: { roles: PEOPLE, person: true },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = requireUser(principal);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const now = new Date();
      return app.db.transaction(async (tx) => {
        const entry = await findTimeEntry(tx, principal.orgId, patient.id, request.params.entryId);
        if (!entry || entry.deletedAt) throw notFound('time entry');
        if (entry.userId !== user.id && !SUPERVISORS.has(user.role)) throw new ApiError(403, 'not_your_entry', "only its author, a clinician or an admin may delete another person's time entry");
        const deleted = await softDeleteTimeEntry(tx, principal.orgId, patient.id, entry.id, now);
        if (!deleted) throw notFound('time entry');
        await appendAudit(tx, {
          ...auditActor(principal), action: 'time.entry_delete', target: patient.id,
          detail: { entryId: entry.id, minutes: entry.minutes, category: entry.category, month: entry.month, author: entry.userId },
        });
        await refreshWorkItems(tx, { patientIds: [patient.id], now });
        return { id: deleted.id, month: deleted.month, deletedAt: now.toISOString() };
      });
    },
  );

  r.get(
    '/patients/:patientId/therapy-changes',
    {
      schema: { tags: ['clinical'], summary: "The patient's therapy changes (optionally one patient-local month)", params: PatientParams, querystring: MonthQuery, response: { 200: TherapyChangeList, 404: ErrorBody } },
      config: { roles: PEOPLE, person: true },
    },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      return { changes: (await listTherapyChanges(app.db, principal.orgId, patient.id, request.query.month)).map(changeJson) };
    },
  );

  r.post(
    '/patients/:patientId/therapy-changes',
    {
      schema: {
        tags: ['clinical'], summary: 'Record a therapy change: what, why, when, and the data that prompted it (an alert of this patient, events, dates)',
        params: PatientParams, body: TherapyChangeBody, response: { 201: TherapyChangeSchema, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
      config: { roles: PEOPLE, person: true },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = requireUser(principal);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const now = new Date();
      const body = request.body;
      const changedAt = new Date(body.changedAt);
      if (changedAt.getTime() > now.getTime() + 5 * 60_000) throw badRequest('changedAt cannot be in the future');
      const change = await app.db.transaction(async (tx) => {
        const created = await recordTherapyChange(tx, {
          orgId: principal.orgId, patientId: patient.id, timeZone: patient.timeZone, userId: user.id, changedAt, what: body.what, why: body.why, alertId: body.alertId ?? null,
          evidence: body.evidence,
        });
        await appendAudit(tx, { ...auditActor(principal), action: 'therapy.change', target: patient.id, detail: { id: created.id, month: created.month, alertId: created.alertId } });
        await refreshWorkItems(tx, { patientIds: [patient.id], now });
        return created;
      });
      return reply.code(201).send(changeJson(change));
    },
  );

  r.get(
    '/patients/:patientId/data-reviews',
    {
      schema: { tags: ['clinical'], summary: "The patient's recorded data reviews (optionally one month)", params: PatientParams, querystring: MonthQuery, response: { 200: DataReviewList, 404: ErrorBody } },
      config: { roles: PEOPLE, person: true },
    },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      return { reviews: (await listDataReviews(app.db, principal.orgId, patient.id, request.query.month)).map(reviewJson) };
    },
  );

  r.post(
    '/patients/:patientId/data-reviews',
    {
      schema: {
        tags: ['clinical'], summary: "Record that the patient's data for a month was reviewed (closes the month's data-review item)", params: PatientParams, body: DataReviewBody,
        response: { 201: DataReviewSchema, 400: ErrorBody, 404: ErrorBody },
      },
      config: { roles: PEOPLE, person: true },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = requireUser(principal);
      const patient = await patientOf(app.db, principal, request.params.patientId);
      const now = new Date();
      const current = monthOf(localDateOf(now, patient.timeZone));
      if (request.body.month > current) throw badRequest(`cannot review ${request.body.month} before it starts (the patient's month is ${current})`);
      const review = await app.db.transaction(async (tx) => {
        const created = await recordDataReview(tx, { orgId: principal.orgId, patientId: patient.id, userId: user.id, month: request.body.month, note: request.body.note ?? null, now });
        await appendAudit(tx, { ...auditActor(principal), action: 'data.review', target: patient.id, detail: { id: created.id, month: created.month } });
        await refreshWorkItems(tx, { patientIds: [patient.id], now });
        return created;
      });
      return reply.code(201).send(reviewJson(review));
    },
  );

  r.get(
    '/worklist',
    {
      schema: {
        tags: ['clinical'], summary: "The month's work queue, most urgent first, with counts (assignee=me|all|<userId>, urgency=urgent|high|normal)",
        querystring: WorklistQuery, response: { 200: Worklist, 400: ErrorBody },
      },
      config: { roles: CLINIC },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const month = q.month ?? new Date().toISOString().slice(0, 7);
      const assigneeParam = q.assignee ?? 'all';
      const assignee = assigneeParam === 'all' ? null : assigneeParam === 'me' ? requireUser(principal).id : assigneeParam;
      const { rows, counts } = await listWorkItems(app.db, {
        orgId: principal.orgId, month, assignee, minUrgency: q.urgency ? URGENCY_THRESHOLDS[q.urgency] : 0, limit: q.limit + 1, cursor: q.cursor ? decodeCursor(q.cursor) : null,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        month,
        assignee: assigneeParam,
        counts,
        items: page.map((row) => ({ ...row, level: urgencyLevel(row.urgency), items: row.items as never, computedAt: row.computedAt.toISOString() })),
        next: rows.length > q.limit && last ? encodeCursor(last.urgency, last.patientId) : null,
      };
    },
  );
}
