/**
 * Care plans: read by the clinic's clinical roles, written by a clinician, coordinator or admin in person
 * (the change is attributed to the user and audited). Saving the plan updates the cap's reminders.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CarePlanError, loadCarePlan, saveCarePlan, type CarePlan as CarePlanRecord } from '../../../clinical/care-plan-repository.ts';
import { CLINICAL_ROLES, auditActor, requireUser } from '../../auth/roles.ts';
import { ApiError, notFound, unprocessable } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { patientInOrg } from '../../scope.ts';
import { ErrorBody, PatientParams } from '../common-schemas.ts';
import { CarePlan, CarePlanBody } from './schemas.ts';

const WRITERS = ['clinician', 'coordinator', 'admin'] as const;

const view = (p: CarePlanRecord) => ({
  patientId: p.patientId,
  status: p.status,
  monitors: p.monitors,
  dosesPerDay: p.dosesPerDay,
  doseTimes: p.doseTimes,
  toleranceMinutes: p.toleranceMinutes,
  category: p.category,
  clinicalOwnerId: p.clinicalOwnerId,
  coordinatorId: p.coordinatorId,
  consent: p.consent ? { by: p.consent.by, method: p.consent.method, at: p.consent.at.toISOString(), recordedBy: p.consent.recordedBy } : null,
  goal: p.goal,
  rules: p.rules as Record<string, unknown>,
  warnings: p.warnings,
  updatedBy: p.updatedBy,
  updatedAt: p.updatedAt.toISOString(),
  createdAt: p.createdAt.toISOString(),
});

function apiErrorOf(error: unknown): unknown {
  if (!(error instanceof CarePlanError)) return error;
  if (error.code === 'not_found') return notFound('patient');
  return unprocessable(error.code, error.message);
}

export async function carePlanRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/patients/:patientId/care-plan',
    { schema: { tags: ['clinical'], summary: "The patient's care plan", params: PatientParams, response: { 200: CarePlan, 404: ErrorBody } }, config: { roles: CLINICAL_ROLES } },
    async (request) => {
      const principal = principalOf(request);
      const patient = await patientInOrg(app.db, principal, request.params.patientId);
      const plan = await loadCarePlan(app.db, principal.orgId, patient.id);
      if (!plan) throw new ApiError(404, 'no_care_plan', 'this patient has no care plan yet');
      return view(plan);
    },
  );

  r.put(
    '/patients/:patientId/care-plan',
    {
      schema: {
        tags: ['clinical'],
        summary: 'Create or replace the care plan (the regimen also becomes the cap\'s reminders)',
        params: PatientParams,
        body: CarePlanBody,
        response: { 200: CarePlan, 404: ErrorBody, 422: ErrorBody },
      },
      config: { roles: WRITERS, person: true },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = requireUser(principal);
      const patient = await patientInOrg(app.db, principal, request.params.patientId);
      try {
        const plan = await saveCarePlan(app.db, {
          orgId: principal.orgId,
          patientId: patient.id,
          plan: request.body,
          userId: user.id,
          downlink: app.downlink,
          actor: auditActor(principal).actor,
        });
        return view(plan);
      } catch (error) {
        throw apiErrorOf(error);
      }
    },
  );
}
