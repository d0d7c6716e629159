/** DocumentationForm (being built): a panel of the patient page. */
import type { PatientWorkProps } from './patient-work-props.ts';

export function DocumentationForm(_props: PatientWorkProps) {
  return <p role="status">DocumentationForm is being built.</p>;
}
