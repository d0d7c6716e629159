/**
 * The patient page's therapy-change panel (#therapy): what changed, why, when (on the patient's clock), and
 * optionally the alert that prompted it, so the month's documentation can say what changed and on what
 * evidence. The month's changes are listed below; each pre-fills "what changed" in the documentation.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Alert } from '../api/endpoints.ts';
import { Async, ErrorNotice } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { formatMonth, formatTime, plural, zoneLabel } from '../components/format.ts';
import type { PatientWorkProps } from './patient-work-props.ts';
import { announceWorkRecorded, useWorkRecorded } from './work-events.ts';
import type { TherapyChangeRow } from './work-types.ts';
import { instantFromLocal, localInputValue } from './zoned-time.ts';
import { ZonedDateTimeField } from './zoned-date-time-field.tsx';

/** The API refuses a change dated more than this in the future. */
const FUTURE_SLACK_MS = 5 * 60_000;

const alertOption = (a: Alert, zone: string) => `${a.title} (${a.severity}, ${a.status}, raised ${formatTime(a.raisedAt, zone)})`;

function ChangeList({ changes, alerts, timeZone, month }: { changes: TherapyChangeRow[]; alerts: Alert[]; timeZone: string; month: string }) {
  if (changes.length === 0) return <p class="muted">No therapy change recorded in {formatMonth(month)}.</p>;
  const alertTitle = new Map(alerts.map((a) => [Number(a.id), a.title]));
  return (
    <div>
      <table data-testid="therapy-changes">
        <caption>
          {plural(changes.length, 'change')} in {formatMonth(month)}, {zoneLabel(timeZone)}
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What changed</th>
            <th scope="col">Why</th>
            <th scope="col">Prompted by</th>
            <th scope="col">Recorded by</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.id}>
              <td>{formatTime(c.changedAt, timeZone)}</td>
              <td>{c.what}</td>
              <td>{c.why}</td>
              <td>{c.alertId === null ? <span class="muted">no alert</span> : (alertTitle.get(c.alertId) ?? `alert ${c.alertId}`)}</td>
              <td>{c.userName}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function TherapyChangeForm({ patient, month, onChanged }: PatientWorkProps) {
  const id = (name: string) => `therapy-${name}-${patient.id}`;
  const changes = useLoad((signal) => api(endpoints.therapyChanges, { params: { patientId: patient.id }, query: { month }, signal }), [patient.id, month]);
  const alerts = useLoad((signal) => api(endpoints.alerts, { query: { patientId: patient.id, status: 'all', limit: 50 }, signal }), [patient.id]);
  useWorkRecorded(patient.id, () => void changes.reload());
  const [what, setWhat] = useState('');
  const [why, setWhy] = useState('');
  const [at, setAt] = useState(() => localInputValue(new Date(), patient.timeZone));
  const [alertId, setAlertId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const alertList = alerts.data?.alerts ?? [];

  async function submit() {
    setError(null);
    setNotice(null);
    const changedAt = instantFromLocal(at, patient.timeZone);
    if (!changedAt) return setError(new Error('Enter when the change was made (date and time).'));
    if (changedAt.getTime() > Date.now() + FUTURE_SLACK_MS) return setError(new Error('A change is recorded once made: the date and time cannot be in the future.'));
    setBusy(true);
    try {
      await api(endpoints.recordTherapyChange, {
        params: { patientId: patient.id },
        body: { what, why, changedAt: changedAt.toISOString(), ...(alertId ? { alertId: Number(alertId) } : {}) },
      });
      setNotice(`Recorded the change of ${formatTime(changedAt, patient.timeZone)}.`);
      setWhat('');
      setWhy('');
      setAlertId('');
      setAt(localInputValue(new Date(), patient.timeZone));
      announceWorkRecorded(patient.id);
      onChanged();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="patient-work therapy-change">
      <form
        aria-labelledby={id('title')}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h3 id={id('title')}>Record a therapy change</h3>
        <div class="field">
          <label for={id('what')}>What changed</label>
          <textarea id={id('what')} required maxLength={2000} value={what} placeholder="e.g. evening dose moved to 8 PM" onInput={(e) => setWhat(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for={id('why')}>Why</label>
          <textarea id={id('why')} required maxLength={2000} value={why} placeholder="e.g. evening doses missed 5 of 14 days" onInput={(e) => setWhy(e.currentTarget.value)} />
        </div>
        <div class="row">
          <ZonedDateTimeField id={id('at')} label="Changed at" value={at} timeZone={patient.timeZone} describedBy={id('zone')} onInput={setAt} />
          <div class="field grow">
            <label for={id('alert')}>Prompted by alert (optional)</label>
            <select id={id('alert')} value={alertId} onChange={(e) => setAlertId(e.currentTarget.value)} disabled={alerts.loading && !alerts.data}>
              <option value="">No alert</option>
              {alertList.map((a) => (
                <option key={a.id} value={a.id}>
                  {alertOption(a, patient.timeZone)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p class="hint" id={id('zone')}>
          Date and time on the patient's clock ({patient.timeZone}).
        </p>
        {alerts.error ? <ErrorNotice error={alerts.error} onRetry={() => void alerts.reload()} /> : null}
        <button type="submit" disabled={busy}>
          Record change
        </button>
        {notice ? (
          <p class="ok" role="status">
            {notice}
          </p>
        ) : null}
        {error ? <ErrorNotice error={error} /> : null}
      </form>
      <h3>Changes in {formatMonth(month)}</h3>
      <Async state={changes} what="this month's therapy changes">
        {(list) => <ChangeList changes={list.changes} alerts={alertList} timeZone={patient.timeZone} month={month} />}
      </Async>
    </div>
  );
}
