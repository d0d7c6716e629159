/**
 * One patient's enrolment after the form: its activation status, then what is still to do (consent, a cap
 * from stock or a shipment), and the way to the patient's page. Its URL (/enrol?patient=<id>) can be
 * reloaded or reached again from the list of enrolments not yet active.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Activation } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { paths } from '../paths.ts';
import { ActivationPanel } from './activation-status.tsx';
import { CapStep } from './cap-step.tsx';
import { ConsentStep } from './consent-step.tsx';

export function EnrolmentProgress({ patientId, onChanged }: { patientId: string; onChanged: () => void }) {
  const patient = useLoad((signal) => api(endpoints.patient, { params: { patientId }, signal }), [patientId]);
  const [activation, setActivation] = useState<Activation | null>(null);
  // bumping the key reloads the activation after an action here
  const [version, setVersion] = useState(0);
  const changed = () => {
    setVersion((v) => v + 1);
    onChanged();
  };

  return (
    <Async state={patient} what="the patient">
      {(p) => (
        <section class="card enrolment-progress" aria-labelledby="progress-title">
          <div class="page-head">
            <h2 id="progress-title">
              {p.name} <span class="muted">{p.reference}</span>
            </h2>
            <a class="button" href={paths.patient(p.id)} data-testid="patient-link">
              Open patient page
            </a>
          </div>
          <ActivationPanel key={`${p.id}-${version}`} patientId={p.id} onLoaded={setActivation} />
          {activation?.status === 'awaiting_consent' ? <ConsentStep patientId={p.id} patientName={p.name} timeZone={p.timeZone} onSaved={changed} /> : null}
          {activation && activation.cap === null && activation.firstDataAt === null ? <CapStep patientId={p.id} patientName={p.name} timeZone={p.timeZone} onChanged={changed} /> : null}
          <p>
            <a href={paths.enrol}>Enrol another patient</a>
          </p>
        </section>
      )}
    </Async>
  );
}
