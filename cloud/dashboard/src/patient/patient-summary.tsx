/**
 * The patient page's header (#summary): who the patient is, the care plan, who owns their care, and the
 * cap with its health, each in one line, so the rest of the page reads against it.
 */
import type { CarePlan, Patient, StaffUser } from '../api/endpoints.ts';
import { formatDate } from '../components/format.ts';
import { Async } from '../components/status.tsx';
import type { Loaded } from '../components/use-load.ts';
import { CapHealthLine } from './cap-health-line.tsx';
import { CarePlanLine } from './care-plan-line.tsx';

const nameOf = (users: readonly StaffUser[] | undefined, id: string | null): string => {
  if (!id) return 'not set';
  return users?.find((u) => u.id === id)?.name ?? (users ? 'former staff member' : '…');
};

export function PatientSummary({ patient, carePlan, users }: { patient: Patient; carePlan: Loaded<CarePlan | null>; users: Loaded<{ users: StaffUser[] }> }) {
  return (
    <section id="summary" class="card patient-section patient-summary" aria-labelledby="patient-name" tabIndex={-1}>
      <div class="page-head">
        <h1 id="patient-name">{patient.name}</h1>
        <span class="badge info" data-testid="patient-reference">
          {patient.reference}
        </span>
        <span class="muted">
          {patient.timeZone} (patient's zone) · monitoring since {formatDate(patient.monitoringStart)}
          {patient.diagnosis ? ` · ${patient.diagnosis}` : ''}
        </span>
      </div>
      <h2 id="summary-title" class="section-label">
        Care plan, team and cap
      </h2>
      <Async state={carePlan} what="the care plan">
        {(plan) =>
          plan ? (
            <>
              <CarePlanLine plan={plan} />
              <p class="one-line" data-testid="care-team">
                <span>
                  <strong>Clinical owner:</strong> {nameOf(users.data?.users, plan.clinicalOwnerId)}
                </span>
                <span>
                  <strong>Coordinator:</strong> {nameOf(users.data?.users, plan.coordinatorId)}
                </span>
                <span>
                  <strong>Billing practitioner:</strong> {patient.billingPractitioner}
                </span>
              </p>
            </>
          ) : (
            <p class="one-line" data-testid="care-plan">
              <strong>Care plan:</strong> none yet: no alerts are evaluated and no work is listed until one is saved.
            </p>
          )
        }
      </Async>
      <CapHealthLine serial={patient.device} timeZone={patient.timeZone} />
    </section>
  );
}
