/**
 * One live alert with the three things staff do with it: acknowledge (I have seen it, I am on it), resolve
 * (what was done, with a note) and dismiss (not actionable, with the reason). Times in the patient's zone.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Alert, type StaffUser } from '../api/endpoints.ts';
import { formatTimeWithZone } from '../components/format.ts';
import { ErrorNotice } from '../components/status.tsx';
import { DismissAlertForm } from './dismiss-alert-form.tsx';
import { ResolveAlertForm } from './resolve-alert-form.tsx';

const SEVERITY_LABEL: Record<string, string> = { urgent: 'Urgent', high: 'High', normal: 'Normal' };

export function AlertCard({ alert, timeZone, users, onChanged }: { alert: Alert; timeZone: string; users: readonly StaffUser[]; onChanged: () => void }) {
  const [form, setForm] = useState<'resolve' | 'dismiss' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const who = (id: string | null) => (id ? (users.find((u) => u.id === id)?.name ?? 'a former staff member') : 'someone');

  const acknowledge = async () => {
    setBusy(true);
    setError(null);
    try {
      await api(endpoints.acknowledgeAlert, { params: { alertId: alert.id } });
      onChanged();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <li class={`alert-card severity-${alert.severity}`} data-alert-id={alert.id} data-rule={alert.rule}>
      <div class="alert-head">
        <span class={`badge severity-${alert.severity}`}>{SEVERITY_LABEL[alert.severity] ?? alert.severity}</span>
        <strong class="alert-title">{alert.title}</strong>
        <span class={`badge ${alert.status === 'open' ? 'warn' : 'info'}`}>{alert.status === 'open' ? 'Open' : 'Acknowledged'}</span>
      </div>
      <p>{alert.detail}</p>
      <dl class="facts">
        <dt>Raised</dt>
        <dd>
          <time dateTime={alert.raisedAt}>{formatTimeWithZone(alert.raisedAt, timeZone)}</time> <span class="muted">(patient's time)</span>
        </dd>
        {alert.acknowledgedAt ? (
          <>
            <dt>Acknowledged</dt>
            <dd>
              by {who(alert.acknowledgedBy)}, <time dateTime={alert.acknowledgedAt}>{formatTimeWithZone(alert.acknowledgedAt, timeZone)}</time>
            </dd>
          </>
        ) : null}
        {alert.escalatedAt ? (
          <>
            <dt>Escalated</dt>
            <dd>
              to {who(alert.escalatedTo)}, <time dateTime={alert.escalatedAt}>{formatTimeWithZone(alert.escalatedAt, timeZone)}</time>
            </dd>
          </>
        ) : null}
      </dl>
      <div class="row alert-actions">
        {alert.status === 'open' ? (
          <button type="button" disabled={busy} aria-label={`Acknowledge ${alert.title}`} onClick={() => void acknowledge()}>
            Acknowledge
          </button>
        ) : null}
        <button type="button" class="secondary" aria-expanded={form === 'resolve'} aria-label={`Resolve ${alert.title}`} onClick={() => setForm(form === 'resolve' ? null : 'resolve')}>
          Resolve
        </button>
        <button type="button" class="secondary" aria-expanded={form === 'dismiss'} aria-label={`Dismiss ${alert.title}`} onClick={() => setForm(form === 'dismiss' ? null : 'dismiss')}>
          Dismiss
        </button>
      </div>
      {error ? <ErrorNotice error={error} /> : null}
      {form === 'resolve' ? <ResolveAlertForm alert={alert} onCancel={() => setForm(null)} onDone={onChanged} /> : null}
      {form === 'dismiss' ? <DismissAlertForm alert={alert} onCancel={() => setForm(null)} onDone={onChanged} /> : null}
    </li>
  );
}
