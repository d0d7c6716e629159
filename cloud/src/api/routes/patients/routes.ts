/**
 * Clinic: enrol patients, list them with this period's monitored days, assign and unassign caps. Every
 * query carries the caller's organisation; another organisation's patient or cap is "not found".
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { assignDevice, currentAssignment, listPatientCapHistoryInOrg, unassignDevice } from '../../../repositories/assignments.ts';
import { appendAudit } from '../../../repositories/audit.ts';
import { attachEventsToPatient, detachEventsFromPatient } from '../../../repositories/events.ts';
import { enrolPatient, findPatientSummaryInOrg, listPatientSummaries } from '../../../repositories/patients.ts';
import { rebuildDaysForPatients } from '../../../billing/refresh-days.ts';
import { lockPatientDays } from '../../../billing/patient-day-lock.ts';
import { pushDeviceConfig } from '../../../device-config/config-service.ts';
import { HIGH_TIER_MIN_DAYS, LOW_TIER_MIN_DAYS } from '../../../billing/supply-code.ts';
import { CLINICAL_ROLES, auditActor } from '../../auth/roles.ts';
import { currentPeriodsFor } from '../../billing-view.ts';
import { notFound } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { deviceInScope, patientInOrg } from '../../scope.ts';
import { ErrorBody, PatientParams, iso } from '../common-schemas.ts';
import { AssignBody, Assignment, AssignmentList, EnrolPatientBody, ListPatientsQuery, Patient, PatientList, UnassignParams, UnassignQuery } from './schemas.ts';

const CLINIC = CLINICAL_ROLES;

/**
 * After a committed assignment change, give the cap the holder's reminders and time zone (a retained Config
 * on its down topic). A failure is logged, never fails the request: the ingestor re-checks the cap's config
 * at its next Hello.
 */
async function pushConfigAfterCommit(app: FastifyInstance, deviceId: string, actor: string, reason: string): Promise<void> {
  try {
    const pushed = await pushDeviceConfig(app.db, app.downlink, deviceId, new Date(), { actor, reason });
    if (pushed.publishError) app.log.warn({ deviceId, error: pushed.publishError }, 'config stored but not published; the cap gets it at its next Hello');
  } catch (error) {
    app.log.warn({ deviceId, error: (error as Error).message }, 'config push failed');
  }
}

export async function patientRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/patients',
    { schema: { tags: ['clinic'], summary: 'Enrol a patient', body: EnrolPatientBody, response: { 201: Patient, 409: ErrorBody } }, config: { roles: CLINIC } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const patient = await app.db.transaction(async (tx) => {
        const created = await enrolPatient(tx, { orgId: principal.orgId, ...body, diagnosis: body.diagnosis ?? null });
        await appendAudit(tx, { ...auditActor(principal), action: 'patient.enrol', target: created.id });
        return created;
      });
      return reply.code(201).send((await findPatientSummaryInOrg(app.db, principal.orgId, patient.id))!);
    },
  );

  r.get(
    '/patients',
    {
      schema: { tags: ['clinic'], summary: "Patients with this period's monitored days (thresholds 2 and 16), paged by reference", querystring: ListPatientsQuery, response: { 200: PatientList } },
      config: { roles: CLINIC },
    },
    async (request) => {
      const principal = principalOf(request);
      const { limit, after } = request.query;
      const rows = await listPatientSummaries(app.db, principal.orgId, { after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const periods = await currentPeriodsFor(app.db, page.map((p) => p.id), new Date());
      return {
        patients: page.map((p) => ({ ...p, currentPeriod: periods.get(p.id) ?? null })),
        next: rows.length > limit ? page[page.length - 1]!.reference : null,
        thresholds: { low: LOW_TIER_MIN_DAYS, high: HIGH_TIER_MIN_DAYS },
      };
    },
  );

  r.get(
    '/patients/:patientId',
    { schema: { tags: ['clinic'], summary: 'One patient', params: PatientParams, response: { 200: Patient, 404: ErrorBody } }, config: { roles: CLINIC } },
    async (request) => {
      const principal = principalOf(request);
      const patient = await findPatientSummaryInOrg(app.db, principal.orgId, request.params.patientId);
      if (!patient) throw notFound('patient');
      return patient;
    },
  );

  r.get(
    '/patients/:patientId/assignments',
    { schema: { tags: ['clinic'], summary: "The patient's caps over time", params: PatientParams, response: { 200: AssignmentList, 404: ErrorBody } }, config: { roles: CLINIC } },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientInOrg(app.db, principal, request.params.patientId);
      const history = await listPatientCapHistoryInOrg(app.db, principal.orgId, patient.id);
      return { assignments: history.map((a) => ({ serial: a.serial, assignedAt: iso(a.assignedAt)!, unassignedAt: iso(a.unassignedAt) })) };
    },
  );

  r.post(
    '/patients/:patientId/assignments',
    {
      schema: { tags: ['clinic'], summary: "Give a cap held by the clinic to the patient (from `at`, default now)", params: PatientParams, body: AssignBody, response: { 201: Assignment, 404: ErrorBody, 409: ErrorBody } },
      config: { roles: CLINIC },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const patient = await patientInOrg(app.db, principal, request.params.patientId);
      // Clinics may only hand out caps their organisation holds (a stock serial is "not found" to them).
      const device = await deviceInScope(app.db, { ...principal, fleet: false }, request.body.serial);
      const at = request.body.at ? new Date(request.body.at) : new Date();
      const assignment = await app.db.transaction(async (tx) => {
        // day locks before the device row lock, the ingestor's order (billing/patient-day-lock.ts)
        await lockPatientDays(tx, [patient.id]);
        const created = await assignDevice(tx, { deviceId: device.id, patientId: patient.id, at });
        // Events already stored from this cap after `at` belong to this patient (a back-dated assignment).
        await attachEventsToPatient(tx, { deviceId: device.id, patientId: patient.id, from: at });
        // Days depend on which events and heartbeats belong to the patient: rebuild them from scratch.
        await rebuildDaysForPatients(tx, [patient.id]);
        await appendAudit(tx, { ...auditActor(principal), action: 'device.assign', target: device.serial, detail: { patientId: patient.id, at: at.toISOString() } });
        return created;
      });
      await pushConfigAfterCommit(app, device.id, auditActor(principal).actor, 'assign');
      return reply.code(201).send({ serial: device.serial, assignedAt: assignment.assignedAt.toISOString(), unassignedAt: null });
    },
  );

  r.delete(
    '/patients/:patientId/assignments/:serial',
    {
      schema: { tags: ['clinic'], summary: "Take the cap back from the patient (at `at`, default now)", params: UnassignParams, querystring: UnassignQuery, response: { 200: Assignment, 404: ErrorBody, 409: ErrorBody } },
      config: { roles: CLINIC },
    },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientInOrg(app.db, principal, request.params.patientId);
      const device = await deviceInScope(app.db, { ...principal, fleet: false }, request.params.serial);
      const at = request.query.at ? new Date(request.query.at) : new Date();
      const ended = await app.db.transaction(async (tx) => {
        await lockPatientDays(tx, [patient.id]);
        if ((await currentAssignment(tx, device.id))?.patientId !== patient.id) throw notFound('current assignment of this cap to this patient');
        const result = await unassignDevice(tx, { deviceId: device.id, at });
        await detachEventsFromPatient(tx, { deviceId: device.id, patientId: patient.id, from: at });
        await rebuildDaysForPatients(tx, [patient.id]);
        await appendAudit(tx, { ...auditActor(principal), action: 'device.unassign', target: device.serial, detail: { patientId: patient.id, at: at.toISOString() } });
        return result!;
      });
      await pushConfigAfterCommit(app, device.id, auditActor(principal).actor, 'unassign');
      return { serial: device.serial, assignedAt: ended.assignedAt.toISOString(), unassignedAt: iso(ended.unassignedAt) };
    },
  );
}
