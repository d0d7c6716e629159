/**
 * Clinic: enrol patients, list them with this period's monitored days, assign and unassign caps. Every
 * query carries the caller's organisation; another organisation's patient or cap is "not found".
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { assignDevice, unassignDevice } from '../../../repositories/assignments.ts';
import { enrolPatient } from '../../../repositories/patients.ts';
import { rebuildDaysForPatients } from '../../../billing/refresh-days.ts';
import { HIGH_TIER_MIN_DAYS, LOW_TIER_MIN_DAYS } from '../../../billing/supply-code.ts';
import { currentPeriodsFor } from '../../billing-view.ts';
import { audit } from '../../audit.ts';
import { notFound } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { deviceInScope, patientInOrg } from '../../scope.ts';
import { ErrorBody, PatientParams, iso } from '../common-schemas.ts';
import { AssignBody, Assignment, AssignmentList, EnrolPatientBody, ListPatientsQuery, Patient, PatientList, UnassignParams, UnassignQuery } from './schemas.ts';

interface PatientListRow {
  id: string;
  reference: string;
  name: string;
  time_zone: string;
  body_system: string;
  monitoring_start: string;
  period_anchor: string;
  episode: number;
  billing_practitioner: string;
  diagnosis: string | null;
  serial: string | null;
}

const SELECT_PATIENTS = `SELECT p.id, p.reference, p.name, p.time_zone, p.body_system, p.monitoring_start::text AS monitoring_start,
        p.period_anchor::text AS period_anchor, p.episode, p.billing_practitioner, p.diagnosis,
        (SELECT d.serial FROM device_assignments a JOIN devices d ON d.id = a.device_id
          WHERE a.patient_id = p.id AND a.unassigned_at IS NULL ORDER BY a.assigned_at DESC LIMIT 1) AS serial
   FROM patients p`;

const toPatient = (row: PatientListRow) => ({
  id: row.id,
  reference: row.reference,
  name: row.name,
  timeZone: row.time_zone,
  bodySystem: row.body_system,
  monitoringStart: row.monitoring_start,
  periodAnchor: row.period_anchor,
  episode: row.episode,
  billingPractitioner: row.billing_practitioner,
  diagnosis: row.diagnosis,
  device: row.serial,
});

const CLINIC = ['clinic', 'admin'] as const;

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
        await audit(tx, principal, 'patient.enrol', created.id);
        return created;
      });
      const row = await app.db.query<PatientListRow>(`${SELECT_PATIENTS} WHERE p.id = $1 AND p.org_id = $2`, [patient.id, principal.orgId]);
      return reply.code(201).send(toPatient(row.rows[0]!));
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
      const rows = await app.db.query<PatientListRow>(`${SELECT_PATIENTS} WHERE p.org_id = $1 AND ($2::text IS NULL OR p.reference > $2) ORDER BY p.reference LIMIT $3`, [
        principal.orgId,
        after ?? null,
        limit + 1,
      ]);
      const page = rows.rows.slice(0, limit);
      const periods = await currentPeriodsFor(app.db, page.map((p) => p.id), new Date());
      return {
        patients: page.map((p) => ({ ...toPatient(p), currentPeriod: periods.get(p.id) ?? null })),
        next: rows.rows.length > limit ? page[page.length - 1]!.reference : null,
        thresholds: { low: LOW_TIER_MIN_DAYS, high: HIGH_TIER_MIN_DAYS },
      };
    },
  );

  r.get(
    '/patients/:patientId',
    { schema: { tags: ['clinic'], summary: 'One patient', params: PatientParams, response: { 200: Patient, 404: ErrorBody } }, config: { roles: CLINIC } },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientInOrg(app.db, principal, request.params.patientId);
      const row = await app.db.query<PatientListRow>(`${SELECT_PATIENTS} WHERE p.id = $1 AND p.org_id = $2`, [patient.id, principal.orgId]);
      return toPatient(row.rows[0]!);
    },
  );

  r.get(
    '/patients/:patientId/assignments',
    { schema: { tags: ['clinic'], summary: "The patient's caps over time", params: PatientParams, response: { 200: AssignmentList, 404: ErrorBody } }, config: { roles: CLINIC } },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientInOrg(app.db, principal, request.params.patientId);
      const rows = await app.db.query<{ serial: string; assigned_at: Date; unassigned_at: Date | null }>(
        `SELECT d.serial, a.assigned_at, a.unassigned_at FROM device_assignments a JOIN devices d ON d.id = a.device_id
          WHERE a.patient_id = $1 AND a.org_id = $2 ORDER BY a.assigned_at`,
        [patient.id, principal.orgId],
      );
      return { assignments: rows.rows.map((row) => ({ serial: row.serial, assignedAt: iso(row.assigned_at)!, unassignedAt: iso(row.unassigned_at) })) };
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
        const created = await assignDevice(tx, { deviceId: device.id, patientId: patient.id, at });
        // Events already stored from this cap after `at` belong to this patient (a back-dated assignment).
        await tx.query('UPDATE events SET patient_id = $2 WHERE device_id = $1 AND patient_id IS NULL AND occurred_at >= $3', [device.id, patient.id, at]);
        // Days depend on which events and heartbeats belong to the patient: rebuild them from scratch.
        await rebuildDaysForPatients(tx, [patient.id]);
        await audit(tx, principal, 'device.assign', device.serial, { patientId: patient.id, at: at.toISOString() });
        return created;
      });
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
        const open = await tx.query<{ patient_id: string }>('SELECT patient_id FROM device_assignments WHERE device_id = $1 AND unassigned_at IS NULL', [device.id]);
        if (open.rows[0]?.patient_id !== patient.id) throw notFound('current assignment of this cap to this patient');
        const result = await unassignDevice(tx, { deviceId: device.id, at });
        await tx.query('UPDATE events SET patient_id = NULL WHERE device_id = $1 AND patient_id = $2 AND occurred_at >= $3', [device.id, patient.id, at]);
        await rebuildDaysForPatients(tx, [patient.id]);
        await audit(tx, principal, 'device.unassign', device.serial, { patientId: patient.id, at: at.toISOString() });
        return result!;
      });
      return { serial: device.serial, assignedAt: ended.assignedAt.toISOString(), unassignedAt: iso(ended.unassignedAt) };
    },
  );
}
