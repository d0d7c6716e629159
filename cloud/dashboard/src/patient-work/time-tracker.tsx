/** TimeTracker (being built): a panel of the patient page. */
import type { PatientWorkProps } from './patient-work-props.ts';

export function TimeTracker(_props: PatientWorkProps) {
  return <p role="status">TimeTracker is being built.</p>;
}
