/**
 * The patient page (/patients/:patientId): everything one patient's month needs, in the order staff work
 * it: who the patient is (care plan, team, cap health), live alerts, the supply period's days, the data
 * (adherence and symptoms on one time axis) and its review, then the work panels (time, calls, therapy
 * changes, documentation) and the billing status they move. Each section has a stable id the work queue
 * links to (/patients/ID#alerts); a bookmarked fragment lands on its section after load.
 *
 * The month is the patient's current month in the patient's own zone, and times are shown in that zone.
 */
import { useLocation, useRoute } from 'preact-iso';
import { useCallback, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import { endpoints, type Patient } from '../api/endpoints.ts';
import { formatMonth, monthIn, zoneLabel } from '../components/format.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { paths } from '../paths.ts';
import { AlertsPanel } from '../patient/alerts-panel.tsx';
import { BillingPanel } from '../patient/billing-panel.tsx';
import { DataPanel } from '../patient/data-panel.tsx';
import { PatientSection } from '../patient/patient-section.tsx';
import { PatientSummary } from '../patient/patient-summary.tsx';
import { SupplyCalendar } from '../patient/supply-calendar.tsx';
import { useCarePlan } from '../patient/use-care-plan.ts';
import { useSectionFocus } from '../patient/use-section-focus.ts';
import { DocumentationForm } from '../patient-work/documentation-form.tsx';
import { LogCommunication } from '../patient-work/log-communication.tsx';
import { TherapyChangeForm } from '../patient-work/therapy-change.tsx';
import { TimeTracker } from '../patient-work/time-tracker.tsx';
import { announceWorkRecorded } from '../patient-work/work-events.ts';

function PatientWorkspace({ patient }: { patient: Patient }) {
  const { url } = useLocation();
  const month = monthIn(patient.timeZone);
  // bumped after anything is recorded: the alerts, calendar and billing status load again
  const [version, setVersion] = useState(0);
  const onChanged = useCallback(() => setVersion((v) => v + 1), []);
  // an alert action or a data review also changes what the work panels show (the documentation prefill)
  const onPageRecorded = useCallback(() => {
    onChanged();
    announceWorkRecorded(patient.id);
  }, [onChanged, patient.id]);
  const carePlan = useCarePlan(patient.id);
  const users = useLoad((signal) => api(endpoints.users, { signal }), []);
  const calendar = useLoad((signal) => api(endpoints.calendar, { params: { patientId: patient.id }, signal }), [patient.id, version]);
  useSectionFocus(true, url);
  const work = { patient, month, onChanged };

  return (
    <div class="patient-page" data-patient={patient.reference}>
      <p class="breadcrumb">
        <a href={paths.patients}>Patients</a> <span aria-hidden="true">›</span> {patient.name}
      </p>
      <PatientSummary patient={patient} carePlan={carePlan} users={users} />
      <PatientSection id="alerts" title="Alerts">
        <AlertsPanel patientId={patient.id} timeZone={patient.timeZone} users={users.data?.users ?? []} version={version} onChanged={onPageRecorded} />
      </PatientSection>
      <PatientSection id="calendar" title="Supply period calendar" intro="A monitored day is a patient-local day with data from the cap; 16 in a 30-day period bill the higher supply code.">
        <Async state={calendar} what="the supply period calendar">
          {(data) => <SupplyCalendar calendar={data} bodySystem={patient.bodySystem} />}
        </Async>
      </PatientSection>
      <PatientSection id="data" title="Adherence and symptoms">
        <DataPanel patient={patient} month={month} planDoseTimes={carePlan.data?.doseTimes ?? []} onChanged={onPageRecorded} />
      </PatientSection>
      <div class="grid patient-work">
        <PatientSection id="time" title="Time" intro={`Treatment-management time for ${formatMonth(month)}; ${zoneLabel(patient.timeZone)}.`}>
          <TimeTracker {...work} />
        </PatientSection>
        <PatientSection id="communication" title="Interactive communication" intro="A live phone or video call with the patient: treatment management needs one each month.">
          <LogCommunication {...work} />
        </PatientSection>
      </div>
      <PatientSection id="therapy" title="Therapy changes">
        <TherapyChangeForm {...work} />
      </PatientSection>
      <PatientSection id="documentation" title={`Documentation, ${formatMonth(month)}`}>
        <DocumentationForm {...work} />
      </PatientSection>
      <PatientSection id="billing" title="Billing status">
        <BillingPanel patient={patient} month={month} calendar={calendar.data} version={version} />
      </PatientSection>
    </div>
  );
}

export function PatientPage() {
  const { params } = useRoute();
  const patientId = params.patientId ?? '';
  const patient = useLoad((signal) => api(endpoints.patient, { params: { patientId }, signal }), [patientId]);
  if (patient.error instanceof ApiError && patient.error.status === 404) {
    return (
      <section class="card" aria-labelledby="patient-missing">
        <h1 id="patient-missing">Patient not found</h1>
        <p>
          No patient of your clinic has this address. <a href={paths.patients}>Find the patient in the list</a>.
        </p>
      </section>
    );
  }
  return (
    <Async state={patient} what="the patient">
      {(data) => <PatientWorkspace key={data.id} patient={data} />}
    </Async>
  );
}
