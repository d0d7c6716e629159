/**
 * The patient page's call panel (#communication): log a real-time interactive communication (phone or
 * video: what 98979/98980 need once a month, billing-rules.md §2.8), when it took place on the patient's
 * clock, how long, and a summary of who took part and what was discussed; then the month's logged calls.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type In } from '../api/endpoints.ts';
import { Async, ErrorNotice } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { formatMonth, formatTime, plural, zoneLabel } from '../components/format.ts';
import type * as billing from '../../../src/api/routes/billing/schemas.ts';
import type { PatientWorkProps } from './patient-work-props.ts';
import { announceWorkRecorded, useWorkRecorded } from './work-events.ts';
import type { CommunicationRow } from './work-types.ts';
import { instantFromLocal, localInputValue } from './zoned-time.ts';
import { ZonedDateTimeField } from './zoned-date-time-field.tsx';

type Modality = In<typeof billing.CommunicationBody>['modality'];
const MODALITY_LABEL: Readonly<Record<Modality, string>> = { phone: 'Phone call', video: 'Video call' };
const MODALITIES = Object.keys(MODALITY_LABEL) as Modality[];
const isModality = (value: string): value is Modality => value in MODALITY_LABEL;

/** The API accepts a little clock skew; a call further in the future is a typo. */
const FUTURE_SLACK_MS = 5 * 60_000;

function CallList({ calls, timeZone, month }: { calls: CommunicationRow[]; timeZone: string; month: string }) {
  if (calls.length === 0) return <p class="muted" data-testid="no-calls">No live call logged in {formatMonth(month)} yet: the month's management code needs one.</p>;
  return (
    <div>
      <table data-testid="calls">
        <caption>
          {plural(calls.length, 'call')} in {formatMonth(month)}, {zoneLabel(timeZone)}
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Method</th>
            <th scope="col">Minutes</th>
            <th scope="col">Staff</th>
            <th scope="col">Summary</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            <tr key={c.id}>
              <td>{formatTime(c.at, timeZone)}</td>
              <td>{isModality(c.modality) ? MODALITY_LABEL[c.modality] : c.modality}</td>
              <td>{c.minutes}</td>
              <td>{c.staff}</td>
              <td>{c.note ?? <span class="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LogCommunication({ patient, month, onChanged }: PatientWorkProps) {
  const id = (name: string) => `call-${name}-${patient.id}`;
  const documentation = useLoad((signal) => api(endpoints.documentation, { params: { patientId: patient.id, month }, signal }), [patient.id, month]);
  useWorkRecorded(patient.id, () => void documentation.reload());
  const [modality, setModality] = useState<Modality>('phone');
  const [at, setAt] = useState(() => localInputValue(new Date(), patient.timeZone));
  const [minutes, setMinutes] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function submit() {
    setError(null);
    setNotice(null);
    const when = instantFromLocal(at, patient.timeZone);
    const count = Number(minutes);
    if (!when) return setError(new Error('Enter when the call took place (date and time).'));
    if (when.getTime() > Date.now() + FUTURE_SLACK_MS) return setError(new Error('A call cannot be logged before it takes place: check the date and time.'));
    if (!Number.isInteger(count) || count < 1 || count > 1440) return setError(new Error('Minutes: a whole number from 1 to 1440.'));
    setBusy(true);
    try {
      const call = await api(endpoints.logCommunication, {
        params: { patientId: patient.id },
        body: { at: when.toISOString(), minutes: count, modality, ...(note.trim() ? { note: note.trim() } : {}) },
      });
      setNotice(`Logged a ${call.minutes} min ${call.modality} call at ${formatTime(call.at, patient.timeZone)}.`);
      setMinutes('');
      setNote('');
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
    <div class="patient-work log-communication">
      <form
        aria-labelledby={id('title')}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h3 id={id('title')}>Log a call</h3>
        <div class="row">
          <div class="field">
            <label for={id('modality')}>Method</label>
            <select id={id('modality')} value={modality} onChange={(e) => isModality(e.currentTarget.value) && setModality(e.currentTarget.value)}>
              {MODALITIES.map((m) => (
                <option key={m} value={m}>
                  {MODALITY_LABEL[m]}
                </option>
              ))}
            </select>
          </div>
          <ZonedDateTimeField id={id('at')} label="Call began" value={at} timeZone={patient.timeZone} describedBy={id('zone')} onInput={setAt} />
          <div class="field">
            <label for={id('minutes')}>Minutes</label>
            <input id={id('minutes')} type="number" inputMode="numeric" min={1} max={1440} step={1} required value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />
          </div>
        </div>
        <p class="hint" id={id('zone')}>
          Date and time on the patient's clock ({patient.timeZone}). Only a live phone or video conversation counts; messages and voicemail do not.
        </p>
        <div class="field">
          <label for={id('note')}>Who took part and what was discussed</label>
          <textarea id={id('note')} maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={busy}>
          Log call
        </button>
        {notice ? (
          <p class="ok" role="status">
            {notice}
          </p>
        ) : null}
        {error ? <ErrorNotice error={error} /> : null}
      </form>
      <h3>Calls in {formatMonth(month)}</h3>
      <Async state={documentation} what="this month's calls">
        {(doc) => <CallList calls={doc.communications} timeZone={patient.timeZone} month={month} />}
      </Async>
    </div>
  );
}
