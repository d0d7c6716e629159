/**
 * Recording consent for a patient enrolled without it: the care plan is saved again as it is, with the
 * consent (who gave it, how, when on the patient's clock). Monitoring for alerts starts from then.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type CarePlan } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { localInputValue } from '../patient-work/zoned-time.ts';
import { consentBody, type ConsentMethod, type EnrolDraft } from './enrol-draft.ts';
import { placeErrors, type FieldErrors } from './field-errors.ts';
import { controlProps, FormField } from './form-field.tsx';

function ConsentForm({ plan, patientId, patientName, timeZone, onSaved }: { plan: CarePlan; patientId: string; patientName: string; timeZone: string; onSaved: () => void }) {
  const [by, setBy] = useState(patientName);
  const [method, setMethod] = useState<ConsentMethod>('verbal');
  const [at, setAt] = useState(() => localInputValue(new Date(), timeZone));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setGeneral([]);
    try {
      await api(endpoints.saveCarePlan, {
        params: { patientId },
        body: {
          monitors: plan.monitors as EnrolDraft['monitors'],
          dosesPerDay: plan.dosesPerDay,
          doseTimes: plan.doseTimes,
          toleranceMinutes: plan.toleranceMinutes,
          category: plan.category as EnrolDraft['bodySystem'],
          clinicalOwnerId: plan.clinicalOwnerId ?? '',
          coordinatorId: plan.coordinatorId ?? '',
          goal: plan.goal,
          consent: consentBody({ consentBy: by, consentMethod: method, consentAt: at }, timeZone),
        },
      });
      onSaved();
    } catch (failure) {
      const placed = placeErrors(failure, ['consent.by', 'consent.method', 'consent.at']);
      setErrors(placed.fields);
      setGeneral(placed.general);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="consent-title">
      <h3 id="consent-title">Record consent</h3>
      {general.length > 0 ? (
        <div class="error-notice" role="alert">
          {general.map((g) => (
            <p key={g}>{g}</p>
          ))}
        </div>
      ) : null}
      <div class="form-grid">
        <FormField id="late-consent-by" label="Consent given by" error={errors['consent.by']}>
          <input {...controlProps('late-consent-by', errors['consent.by'])} value={by} onInput={(e) => setBy(e.currentTarget.value)} />
        </FormField>
        <FormField id="late-consent-method" label="Consent method" error={errors['consent.method']}>
          <select {...controlProps('late-consent-method', errors['consent.method'])} value={method} onChange={(e) => setMethod(e.currentTarget.value as ConsentMethod)}>
            <option value="verbal">Verbal</option>
            <option value="written">Written</option>
            <option value="electronic">Electronic</option>
          </select>
        </FormField>
        <FormField id="late-consent-at" label="Consent given at (patient's time zone)" error={errors['consent.at']}>
          <input type="datetime-local" {...controlProps('late-consent-at', errors['consent.at'])} value={at} onInput={(e) => setAt(e.currentTarget.value)} />
        </FormField>
      </div>
      <button type="submit" disabled={busy}>
        Record consent
      </button>
    </form>
  );
}

export function ConsentStep(props: { patientId: string; patientName: string; timeZone: string; onSaved: () => void }) {
  const plan = useLoad((signal) => api(endpoints.carePlan, { params: { patientId: props.patientId }, signal }), [props.patientId]);
  return (
    <Async state={plan} what="the care plan">
      {(p) => <ConsentForm plan={p} {...props} />}
    </Async>
  );
}
