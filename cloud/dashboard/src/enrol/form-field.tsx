/**
 * One labelled form control with its error beside it: the label names the control (getByLabel finds it),
 * and the API's message for that field is tied to it by aria-describedby and aria-invalid.
 */
import type { ComponentChildren } from 'preact';

export interface FieldState {
  id: string;
  'aria-invalid'?: 'true';
  'aria-describedby'?: string;
}

/** The attributes a control needs to point at its hint and error. */
export function controlProps(id: string, error: string | undefined, hint?: string): FieldState {
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return { id, ...(error ? { 'aria-invalid': 'true' as const } : {}), ...(describedBy ? { 'aria-describedby': describedBy } : {}) };
}

export function FormField({ id, label, error, hint, children }: { id: string; label: string; error?: string; hint?: string; children: ComponentChildren }) {
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {hint ? (
        <span id={`${id}-hint`} class="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} class="field-error" data-testid={`error-${id}`}>
          {error}
        </span>
      ) : null}
    </div>
  );
}
