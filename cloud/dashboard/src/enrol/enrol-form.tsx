/**
 * The enrolment form: the patient, the regimen, the care team and consent, in one form of four sections.
 * Submitting enrols the patient (POST /v1/patients), then saves the care plan with consent (PUT care-plan).
 * The API validates; its messages appear beside the fields they name. If the patient was enrolled but the
 * care plan was refused, the patient is kept and a corrected submit saves only the plan.
 */
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Patient, type StaffUser } from '../api/endpoints.ts';
import { localDateIn, localInputValue } from '../patient-work/zoned-time.ts';
import { useSignedIn } from '../session.tsx';
import { carePlanBody, defaultDoseTimes, patientBody, resizeDoseTimes, type EnrolDraft } from './enrol-draft.ts';
import { placeErrors, type FieldErrors } from './field-errors.ts';
import { controlProps, FormField } from './form-field.tsx';
import { COMMON_US_ZONES, defaultZone, zoneSuggestions } from './time-zones.ts';

const FIELDS = [
  'reference', 'name', 'timeZone', 'bodySystem', 'category', 'monitoringStart', 'diagnosis', 'billingPractitioner',
  'monitors', 'dosesPerDay', 'doseTimes', 'toleranceMinutes', 'goal', 'clinicalOwnerId', 'coordinatorId', 'consent.by', 'consent.method', 'consent.at',
] as const;

const safeLocalNow = (zone: string): string => {
  try {
    return localInputValue(new Date(), zone);
  } catch {
    return localInputValue(new Date(), defaultZone());
  }
};

function initialDraft(me: { id: string; role: string }): EnrolDraft {
  const zone = defaultZone();
  return {
    reference: '',
    name: '',
    timeZone: zone,
    bodySystem: 'respiratory',
    monitoringStart: localDateIn(new Date(), zone),
    diagnosis: '',
    monitors: 'both',
    dosesPerDay: 2,
    doseTimes: defaultDoseTimes(2),
    toleranceMinutes: 60,
    goal: '',
    clinicalOwnerId: me.role === 'clinician' ? me.id : '',
    coordinatorId: me.role === 'coordinator' || me.role === 'clinician' ? me.id : '',
    consentNow: true,
    consentBy: '',
    consentMethod: 'verbal',
    consentAt: safeLocalNow(zone),
  };
}

export function EnrolForm({ staff, onEnrolled }: { staff: StaffUser[]; onEnrolled: (patientId: string) => void }) {
  const session = useSignedIn();
  const [draft, setDraft] = useState<EnrolDraft>(() => initialDraft(session.user));
  const [consentAtTouched, setConsentAtTouched] = useState(false);
  const [consentByTouched, setConsentByTouched] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [created, setCreated] = useState<Patient | null>(null);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(zoneSuggestions, []);
  const active = staff.filter((u) => !u.disabledAt);
  const clinicians = active.filter((u) => u.role === 'clinician');
  const coordinators = active.filter((u) => u.role === 'coordinator' || u.role === 'clinician');

  const set = <K extends keyof EnrolDraft>(key: K, value: EnrolDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const err = (key: string) => errors[key];

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setGeneral([]);
    let patient = created;
    try {
      if (!patient) {
        patient = await api(endpoints.enrolPatient, { body: patientBody(draft, clinicians.find((u) => u.id === draft.clinicalOwnerId)) });
        setCreated(patient);
      }
      await api(endpoints.saveCarePlan, { params: { patientId: patient.id }, body: carePlanBody(draft) });
      onEnrolled(patient.id);
    } catch (failure) {
      const placed = placeErrors(failure, FIELDS);
      // billing names the clinical owner as practitioner: an empty one is the owner field's problem
      if (placed.fields.billingPractitioner) placed.fields.clinicalOwnerId = 'choose the clinical owner (the billing practitioner)';
      setErrors(placed.fields);
      setGeneral(placed.general);
      setBusy(false);
    }
  };

  const changeZone = (zone: string) => {
    setDraft((d) => ({ ...d, timeZone: zone, ...(consentAtTouched ? {} : { consentAt: safeLocalNow(zone.trim() || defaultZone()) }) }));
  };

  return (
    <form class="enrol-form" onSubmit={submit} noValidate aria-labelledby="enrol-form-title">
      <h2 id="enrol-form-title">New patient</h2>
      {created ? (
        <p class="notice" role="status">
          {created.name} ({created.reference}) is enrolled; the care plan was not saved yet. Correct the fields marked below and save again.
        </p>
      ) : null}
      {general.length > 0 ? (
        <div class="error-notice" role="alert">
          {general.map((g) => (
            <p key={g}>{g}</p>
          ))}
        </div>
      ) : Object.keys(errors).length > 0 ? (
        <p class="error" role="alert">
          Some fields need a correction: see the messages beside them.
        </p>
      ) : null}

      <fieldset disabled={created !== null}>
        <legend>Patient</legend>
        <div class="form-grid">
          <FormField id="reference" label="Patient reference (MRN)" error={err('reference')}>
            <input {...controlProps('reference', err('reference'))} value={draft.reference} autocomplete="off" onInput={(e) => set('reference', e.currentTarget.value)} />
          </FormField>
          <FormField id="name" label="Full name" error={err('name')}>
            <input
              {...controlProps('name', err('name'))}
              value={draft.name}
              autocomplete="off"
              onInput={(e) => {
                const name = e.currentTarget.value;
                setDraft((d) => ({ ...d, name, ...(consentByTouched ? {} : { consentBy: name }) }));
              }}
            />
          </FormField>
          <FormField id="timeZone" label="Time zone" error={err('timeZone')} hint="The patient's own zone: it decides which day each dose counts for.">
            <input {...controlProps('timeZone', err('timeZone'), 'hint')} list="time-zones" value={draft.timeZone} autocomplete="off" onInput={(e) => changeZone(e.currentTarget.value)} />
            <datalist id="time-zones">
              {zones.map((zone) => (
                <option key={zone} value={zone}>
                  {COMMON_US_ZONES.find((z) => z.zone === zone)?.label ?? ''}
                </option>
              ))}
            </datalist>
          </FormField>
          <FormField id="bodySystem" label="RTM category" error={err('bodySystem') ?? err('category')}>
            <select {...controlProps('bodySystem', err('bodySystem') ?? err('category'))} value={draft.bodySystem} onChange={(e) => set('bodySystem', e.currentTarget.value as EnrolDraft['bodySystem'])}>
              <option value="respiratory">Respiratory</option>
              <option value="musculoskeletal">Musculoskeletal</option>
              <option value="cbt">Cognitive behavioural therapy (CBT)</option>
            </select>
          </FormField>
          <FormField id="monitoringStart" label="Monitoring start" error={err('monitoringStart')} hint="First day of the first 30-day period.">
            <input type="date" {...controlProps('monitoringStart', err('monitoringStart'), 'hint')} value={draft.monitoringStart} onInput={(e) => set('monitoringStart', e.currentTarget.value)} />
          </FormField>
          <FormField id="diagnosis" label="Diagnosis (optional)" error={err('diagnosis')} hint="ICD-10 code or text, e.g. J45.40 moderate persistent asthma.">
            <input {...controlProps('diagnosis', err('diagnosis'), 'hint')} value={draft.diagnosis} autocomplete="off" onInput={(e) => set('diagnosis', e.currentTarget.value)} />
          </FormField>
        </div>
      </fieldset>

      <fieldset>
        <legend>Regimen</legend>
        <div class="form-grid">
          <FormField id="monitors" label="Monitors" error={err('monitors')}>
            <select {...controlProps('monitors', err('monitors'))} value={draft.monitors} onChange={(e) => set('monitors', e.currentTarget.value as EnrolDraft['monitors'])}>
              <option value="both">Adherence and symptoms</option>
              <option value="adherence">Adherence only</option>
              <option value="symptoms">Symptoms only</option>
            </select>
          </FormField>
          <FormField id="dosesPerDay" label="Doses per day" error={err('dosesPerDay')}>
            <input
              type="number"
              min={0}
              max={8}
              {...controlProps('dosesPerDay', err('dosesPerDay'))}
              value={draft.dosesPerDay}
              onInput={(e) => {
                const n = Math.max(0, Math.min(8, Math.trunc(Number(e.currentTarget.value) || 0)));
                setDraft((d) => ({ ...d, dosesPerDay: n, doseTimes: resizeDoseTimes(d.doseTimes, n) }));
              }}
            />
          </FormField>
          <FormField id="toleranceMinutes" label="Tolerance (minutes either side)" error={err('toleranceMinutes')} hint="How far from the dose time a dose still counts as on time.">
            <input type="number" min={5} max={720} {...controlProps('toleranceMinutes', err('toleranceMinutes'), 'hint')} value={draft.toleranceMinutes} onInput={(e) => set('toleranceMinutes', Number(e.currentTarget.value))} />
          </FormField>
        </div>
        {draft.doseTimes.length > 0 ? (
          <div class="dose-times" role="group" aria-labelledby="dose-times-label">
            <p id="dose-times-label" class="group-label">
              Dose times (patient's time zone)
            </p>
            <div class="row">
              {draft.doseTimes.map((time, i) => (
                <FormField key={i} id={`doseTimes.${i}`} label={`Dose ${i + 1} time`} error={err(`doseTimes.${i}`)}>
                  <input
                    type="time"
                    {...controlProps(`doseTimes.${i}`, err(`doseTimes.${i}`))}
                    value={time}
                    onInput={(e) => {
                      const value = e.currentTarget.value;
                      setDraft((d) => ({ ...d, doseTimes: d.doseTimes.map((t, j) => (j === i ? value : t)) }));
                    }}
                  />
                </FormField>
              ))}
            </div>
          </div>
        ) : null}
        {err('doseTimes') ? (
          <p class="field-error" data-testid="error-doseTimes">
            {err('doseTimes')}
          </p>
        ) : null}
        <FormField id="goal" label="Patient's goal (optional)" error={err('goal')}>
          <textarea {...controlProps('goal', err('goal'))} value={draft.goal} onInput={(e) => set('goal', e.currentTarget.value)} />
        </FormField>
      </fieldset>

      <fieldset>
        <legend>Care team</legend>
        <div class="form-grid">
          <FormField id="clinicalOwnerId" label="Clinical owner" error={err('clinicalOwnerId')} hint="The clinician who bills for this patient.">
            <select {...controlProps('clinicalOwnerId', err('clinicalOwnerId'), 'hint')} value={draft.clinicalOwnerId} onChange={(e) => set('clinicalOwnerId', e.currentTarget.value)}>
              <option value="">Choose a clinician…</option>
              {clinicians.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                  {u.npi ? ` (NPI ${u.npi})` : ''}
                </option>
              ))}
            </select>
          </FormField>
          <FormField id="coordinatorId" label="Coordinator" error={err('coordinatorId')}>
            <select {...controlProps('coordinatorId', err('coordinatorId'))} value={draft.coordinatorId} onChange={(e) => set('coordinatorId', e.currentTarget.value)}>
              <option value="">Choose a coordinator…</option>
              {coordinators.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name} ({u.role})
                </option>
              ))}
            </select>
          </FormField>
        </div>
      </fieldset>

      <fieldset>
        <legend>Consent</legend>
        <div class="row">
          <input id="consentNow" type="checkbox" checked={draft.consentNow} onChange={(e) => set('consentNow', e.currentTarget.checked)} />
          <label for="consentNow">Consent obtained: record it now</label>
        </div>
        {draft.consentNow ? (
          <div class="form-grid">
            <FormField id="consent.by" label="Consent given by" error={err('consent.by')} hint="The patient, or their representative.">
              <input
                {...controlProps('consent.by', err('consent.by'), 'hint')}
                value={draft.consentBy}
                autocomplete="off"
                onInput={(e) => {
                  setConsentByTouched(true);
                  set('consentBy', e.currentTarget.value);
                }}
              />
            </FormField>
            <FormField id="consent.method" label="Consent method" error={err('consent.method')}>
              <select {...controlProps('consent.method', err('consent.method'))} value={draft.consentMethod} onChange={(e) => set('consentMethod', e.currentTarget.value as EnrolDraft['consentMethod'])}>
                <option value="verbal">Verbal</option>
                <option value="written">Written</option>
                <option value="electronic">Electronic</option>
              </select>
            </FormField>
            <FormField id="consent.at" label="Consent given at (patient's time zone)" error={err('consent.at')}>
              <input
                type="datetime-local"
                {...controlProps('consent.at', err('consent.at'))}
                value={draft.consentAt}
                onInput={(e) => {
                  setConsentAtTouched(true);
                  set('consentAt', e.currentTarget.value);
                }}
              />
            </FormField>
          </div>
        ) : (
          <p class="hint">Without consent the patient is enrolled but not monitored for alerts until consent is recorded.</p>
        )}
      </fieldset>

      <div class="row">
        <button type="submit" disabled={busy}>
          {created ? 'Save care plan' : 'Enrol patient'}
        </button>
        {busy ? (
          <span class="muted" role="status">
            Saving…
          </span>
        ) : null}
      </div>
    </form>
  );
}
