/** LogCommunication (being built): a panel of the patient page. */
import type { PatientWorkProps } from './patient-work-props.ts';

export function LogCommunication(_props: PatientWorkProps) {
  return <p role="status">LogCommunication is being built.</p>;
}
