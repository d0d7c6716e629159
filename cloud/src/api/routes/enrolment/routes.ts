/**
 * Enrolment beyond the patient record: the clinic's cap stock to assign from, "ship a cap" requests (who,
 * when, where; audited), and each patient's activation from enrolment to the first data. The patient, its
 * care plan and the assignment itself are the patients and care-plans routes.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { activationFactsFor, listNotYetActive, type ActivationFacts } from '../../../repositories/activation-facts.ts';
import { appendAudit } from '../../../repositories/audit.ts';
import { listCapShipments, recordCapShipment, type CapShipment as CapShipmentRecord } from '../../../repositories/cap-shipments.ts';
import { listStockCaps } from '../../../repositories/clinic-stock.ts';
import { activationStatusOf } from '../../../enrolment/activation-status.ts';
import { CLINICAL_ROLES, auditActor, requireUser } from '../../auth/roles.ts';
import { notFound } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { patientInOrg } from '../../scope.ts';
import { ErrorBody, PatientParams, iso } from '../common-schemas.ts';
import { Activation, CapShipment, PendingEnrolments, PendingQuery, ShipmentBody, ShipmentList, StockList, StockQuery } from './schemas.ts';

const WRITERS = ['clinician', 'coordinator', 'admin'] as const;

const activationView = (f: ActivationFacts) => ({
  patientId: f.patientId,
  reference: f.reference,
  name: f.name,
  timeZone: f.timeZone,
  enrolledAt: iso(f.enrolledAt)!,
  status: activationStatusOf(f),
  consent: f.consent ? { at: iso(f.consent.at)!, by: f.consent.by, method: f.consent.method } : null,
  cap: f.cap ? { serial: f.cap.serial, assignedAt: iso(f.cap.assignedAt)! } : null,
  latestShipment: f.latestShipment ? { id: f.latestShipment.id, requestedAt: iso(f.latestShipment.requestedAt)!, requestedBy: f.latestShipment.requestedBy } : null,
  firstDataAt: iso(f.firstDataAt),
});

const shipmentView = (s: CapShipmentRecord) => ({ ...s, requestedAt: iso(s.requestedAt)! });

export async function enrolmentRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/stock/caps',
    { schema: { tags: ['clinic'], summary: "Caps the clinic holds that no patient has now (to assign at enrolment), by serial", querystring: StockQuery, response: { 200: StockList } }, config: { roles: CLINICAL_ROLES } },
    async (request) => {
      const principal = principalOf(request);
      const { limit, after } = request.query;
      const rows = await listStockCaps(app.db, principal.orgId, { after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        caps: page.map((c) => ({ ...c, registeredAt: iso(c.registeredAt)!, lastSeenAt: iso(c.lastSeenAt) })),
        next: rows.length > limit ? page[page.length - 1]!.serial : null,
      };
    },
  );

  r.post(
    '/patients/:patientId/cap-shipments',
    {
      schema: { tags: ['clinic'], summary: 'Record that a cap is to be shipped to the patient (who asked, when, where)', params: PatientParams, body: ShipmentBody, response: { 201: CapShipment, 404: ErrorBody } },
      config: { roles: WRITERS, person: true },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = requireUser(principal);
      const patient = await patientInOrg(app.db, principal, request.params.patientId);
      const shipment = await app.db.transaction(async (tx) => {
        const created = await recordCapShipment(tx, { orgId: principal.orgId, patientId: patient.id, userId: user.id, addressNote: request.body.addressNote });
        // the address note stays out of the audit log: it is patient identity
        await appendAudit(tx, { ...auditActor(principal), action: 'cap_shipment.request', target: patient.id, detail: { shipmentId: created.id } });
        return created;
      });
      return reply.code(201).send(shipmentView(shipment));
    },
  );

  r.get(
    '/patients/:patientId/cap-shipments',
    { schema: { tags: ['clinic'], summary: "The patient's cap shipment requests, newest first", params: PatientParams, response: { 200: ShipmentList, 404: ErrorBody } }, config: { roles: CLINICAL_ROLES } },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientInOrg(app.db, principal, request.params.patientId);
      return { shipments: (await listCapShipments(app.db, principal.orgId, patient.id)).map(shipmentView) };
    },
  );

  r.get(
    '/patients/:patientId/activation',
    {
      schema: { tags: ['clinic'], summary: "The patient's activation: care plan, consent, cap (or shipment) and the first data", params: PatientParams, response: { 200: Activation, 404: ErrorBody } },
      config: { roles: CLINICAL_ROLES },
    },
    async (request) => {
      const principal = principalOf(request);
      const facts = await activationFactsFor(app.db, principal.orgId, request.params.patientId);
      if (!facts) throw notFound('patient');
      return activationView(facts);
    },
  );

  r.get(
    '/enrolments/pending',
    { schema: { tags: ['clinic'], summary: 'Patients not yet active (no care plan, consent or data yet), newest enrolment first', querystring: PendingQuery, response: { 200: PendingEnrolments } }, config: { roles: CLINICAL_ROLES } },
    async (request) => {
      const principal = principalOf(request);
      return { enrolments: (await listNotYetActive(app.db, principal.orgId, request.query.limit)).map(activationView) };
    },
  );
}
