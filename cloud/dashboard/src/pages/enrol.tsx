/**
 * Enrol a patient: the form (patient, regimen, care team, consent), then the cap (assigned from the clinic's
 * stock, or a shipment recorded) and the patient's activation until the first data arrives; below, the
 * recent enrolments not yet active. /enrol?patient=<id> is one enrolment in progress.
 */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { EnrolForm } from '../enrol/enrol-form.tsx';
import { EnrolmentProgress } from '../enrol/enrolment-progress.tsx';
import { PendingEnrolments, continueEnrolmentUrl } from '../enrol/pending-enrolments.tsx';

export function EnrolPage() {
  const { query, route } = useLocation();
  const patientId = query.patient;
  const staff = useLoad((signal) => api(endpoints.users, { signal }), []);
  const [changes, setChanges] = useState(0);

  return (
    <section aria-labelledby="enrol-title">
      <div class="page-head">
        <h1 id="enrol-title">Enrol a patient</h1>
        <p class="muted">The patient, the regimen, the care team and consent; then the cap, until the first data arrives.</p>
      </div>
      {patientId ? (
        <EnrolmentProgress patientId={patientId} onChanged={() => setChanges((n) => n + 1)} />
      ) : (
        <div class="card">
          <Async state={staff} what="the clinic's staff">
            {(list) => <EnrolForm staff={list.users} onEnrolled={(id) => route(continueEnrolmentUrl(id))} />}
          </Async>
        </div>
      )}
      <PendingEnrolments refreshKey={`${patientId ?? ''}-${changes}`} />
    </section>
  );
}
