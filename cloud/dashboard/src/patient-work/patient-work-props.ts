/** What the patient page gives each of its work panels (time, calls, therapy changes, documentation). */
import type { Patient } from '../api/endpoints.ts';

export interface PatientWorkProps {
  patient: Patient;
  /** the patient-local month the page shows (YYYY-MM) */
  month: string;
  /** call after recording anything: the page reloads the billing status and work items it shows */
  onChanged: () => void;
}
