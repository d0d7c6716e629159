/**
 * A care plan for every demo patient, as a coordinator would have entered it at enrolment: the regimen the
 * simulated patient follows (the cap's dose times), the RTM category of the patient's body system, the demo
 * clinician as clinical owner and the coordinator assigned, consent recorded when the patient got the cap,
 * and the goal the patient gave, in their words.
 */
import { saveCarePlan, type CarePlan } from '../../cloud/src/clinical/care-plan-repository.ts';
import type { Database } from '../../cloud/src/db/database.ts';
import { findPatientByReference } from '../../cloud/src/repositories/patients.ts';
import type { DemoCap } from './demo-fleet.ts';
import type { DemoState } from './demo-state.ts';

const DAY = 86_400_000;
/** How far from a dose time an opening still counts as that dose. */
const TOLERANCE_MINUTES = 60;
const CONSENT_METHODS = ['verbal', 'written', 'electronic'] as const;

export async function saveDemoCarePlans(
  db: Database,
  input: { orgId: string; state: DemoState; fleet: DemoCap[]; clinicalOwnerId: string; coordinatorId: string; now: Date },
): Promise<CarePlan[]> {
  const plans: CarePlan[] = [];
  let n = 0;
  for (const cap of input.fleet) {
    const doseTimes = [...cap.scenario.patient.doseTimes].sort();
    for (const p of cap.patients) {
      const patient = await findPatientByReference(db, input.orgId, p.reference);
      if (!patient) throw new Error(`demo patient ${p.reference} is missing: seed the fleet first`);
      const enrolledAt = new Date(input.state.startUnixMs + p.fromDay * DAY);
      plans.push(
        await saveCarePlan(db, {
          orgId: input.orgId,
          patientId: patient.id,
          userId: input.coordinatorId,
          now: input.now,
          plan: {
            monitors: 'both',
            dosesPerDay: doseTimes.length,
            doseTimes,
            toleranceMinutes: TOLERANCE_MINUTES,
            category: cap.bodySystem,
            clinicalOwnerId: input.clinicalOwnerId,
            coordinatorId: input.coordinatorId,
            consent: { by: p.name, method: CONSENT_METHODS[n++ % CONSENT_METHODS.length]!, at: enrolledAt },
            goal: p.goal,
          },
        }),
      );
    }
  }
  return plans;
}
