/** Resolving an alert: what was done (one of the API's outcomes) and a note, both required for the record. */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Alert } from '../api/endpoints.ts';
import { ErrorNotice } from '../components/status.tsx';

type ResolveOutcome = NonNullable<(typeof endpoints.resolveAlert)['_types']>['body']['outcome'];

/** Every outcome the API accepts (a Record, so a new outcome in the API is a compile error here until labelled). */
export const OUTCOME_LABELS: Record<ResolveOutcome, string> = {
  contacted_patient: 'Contacted the patient',
  therapy_changed: 'Therapy changed',
  device_issue_fixed: 'Cap issue fixed',
  referred: 'Referred',
  no_action_needed: 'No action needed',
  other: 'Other',
};

export function ResolveAlertForm({ alert, onDone, onCancel }: { alert: Alert; onDone: () => void; onCancel: () => void }) {
  const [outcome, setOutcome] = useState<ResolveOutcome | ''>('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const outcomeId = `resolve-outcome-${alert.id}`;
  const noteId = `resolve-note-${alert.id}`;

  return (
    <form
      class="alert-form"
      aria-label={`Resolve ${alert.title}`}
      onSubmit={async (event) => {
        event.preventDefault();
        if (!outcome) return;
        setBusy(true);
        setError(null);
        try {
          await api(endpoints.resolveAlert, { params: { alertId: alert.id }, body: { outcome, note } });
          onDone();
        } catch (failure) {
          setError(failure as Error);
          setBusy(false);
        }
      }}
    >
      <div class="field">
        <label for={outcomeId}>Outcome</label>
        <select id={outcomeId} required value={outcome} onChange={(e) => setOutcome(e.currentTarget.value as ResolveOutcome)}>
          <option value="" disabled>
            Choose what was done
          </option>
          {(Object.entries(OUTCOME_LABELS) as [ResolveOutcome, string][]).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={noteId}>Note</label>
        <textarea id={noteId} required maxLength={4000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </div>
      <div class="row">
        <button type="submit" disabled={busy || !outcome || note.trim() === ''}>
          Confirm resolution
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error ? <ErrorNotice error={error} /> : null}
    </form>
  );
}
