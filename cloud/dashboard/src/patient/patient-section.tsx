/**
 * One section of the patient page. Its id is the URL fragment the work queue links to (/patients/ID#alerts),
 * so the id list is part of the page's contract; tabIndex -1 lets the page move focus to it after load.
 */
import type { ComponentChildren } from 'preact';

export const PATIENT_SECTIONS = ['summary', 'alerts', 'calendar', 'data', 'time', 'communication', 'therapy', 'documentation', 'billing'] as const;
export type PatientSectionId = (typeof PATIENT_SECTIONS)[number];

export function PatientSection({ id, title, intro, children }: { id: PatientSectionId; title: string; intro?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section id={id} class="card patient-section" aria-labelledby={`${id}-title`} tabIndex={-1}>
      <h2 id={`${id}-title`}>{title}</h2>
      {intro ? <p class="hint">{intro}</p> : null}
      {children}
    </section>
  );
}
