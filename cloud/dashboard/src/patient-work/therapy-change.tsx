/** TherapyChangeForm (being built): a panel of the patient page. */
import type { PatientWorkProps } from './patient-work-props.ts';

export function TherapyChangeForm(_props: PatientWorkProps) {
  return <p role="status">TherapyChangeForm is being built.</p>;
}
