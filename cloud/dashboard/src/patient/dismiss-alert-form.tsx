/** Dismissing an alert (not actionable, a false alarm): the reason is kept with it. */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Alert } from '../api/endpoints.ts';
import { ErrorNotice } from '../components/status.tsx';

export function DismissAlertForm({ alert, onDone, onCancel }: { alert: Alert; onDone: () => void; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const reasonId = `dismiss-reason-${alert.id}`;

  return (
    <form
      class="alert-form"
      aria-label={`Dismiss ${alert.title}`}
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(null);
        try {
          await api(endpoints.dismissAlert, { params: { alertId: alert.id }, body: { reason } });
          onDone();
        } catch (failure) {
          setError(failure as Error);
          setBusy(false);
        }
      }}
    >
      <div class="field">
        <label for={reasonId}>Reason for dismissing</label>
        <textarea id={reasonId} required maxLength={4000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      </div>
      <div class="row">
        <button type="submit" disabled={busy || reason.trim() === ''}>
          Confirm dismissal
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error ? <ErrorNotice error={error} /> : null}
    </form>
  );
}
