/**
 * Time worked without the timer running, entered by hand: when it began (the patient's wall clock), how many
 * minutes, what it was, and why it was not timed (the API requires a reason for any unmeasured time, so an
 * auditor can tell measured minutes from remembered ones). An entry overlapping your other time is refused.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Patient, type TimeCategory } from '../api/endpoints.ts';
import { ErrorNotice } from '../components/status.tsx';
import { formatTimeWithZone } from '../components/format.ts';
import { TIME_CATEGORIES, TIME_CATEGORY_LABEL, isTimeCategory } from './time-category-labels.ts';
import { instantFromLocal } from './zoned-time.ts';
import { ZonedDateTimeField } from './zoned-date-time-field.tsx';
import { announceWorkRecorded } from './work-events.ts';

/** The API accepts a little clock skew; beyond it an entry ending in the future is a typo. */
const FUTURE_SLACK_MS = 5 * 60_000;

export function ManualTimeEntry({ patient, onRecorded }: { patient: Patient; onRecorded: () => void }) {
  const id = (name: string) => `manual-${name}-${patient.id}`;
  const [minutes, setMinutes] = useState('');
  const [startedAt, setStartedAt] = useState('');
  const [category, setCategory] = useState<TimeCategory>('treatment_management');
  const [activity, setActivity] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function submit() {
    setError(null);
    setNotice(null);
    const performedAt = instantFromLocal(startedAt, patient.timeZone);
    const count = Number(minutes);
    if (!performedAt) return setError(new Error('Enter when the work began (date and time).'));
    if (!Number.isInteger(count) || count < 1 || count > 1440) return setError(new Error('Minutes: a whole number from 1 to 1440.'));
    if (performedAt.getTime() + count * 60_000 > Date.now() + FUTURE_SLACK_MS) {
      return setError(new Error(`${count} min from ${formatTimeWithZone(performedAt, patient.timeZone)} ends in the future: enter when the work began.`));
    }
    setBusy(true);
    try {
      const entry = await api(endpoints.addTimeEntry, {
        params: { patientId: patient.id },
        body: { minutes: count, performedAt: performedAt.toISOString(), category, activity, manualReason: reason },
      });
      setNotice(`Added ${entry.minutes} min from ${formatTimeWithZone(entry.performedAt, patient.timeZone)}.`);
      setMinutes('');
      setActivity('');
      setReason('');
      setStartedAt('');
      announceWorkRecorded(patient.id);
      onRecorded();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      class="manual-time"
      aria-labelledby={id('title')}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3 id={id('title')}>Add time by hand</h3>
      <div class="row">
        <ZonedDateTimeField id={id('started')} label="Began at" value={startedAt} timeZone={patient.timeZone} describedBy={id('zone')} onInput={setStartedAt} />
        <div class="field">
          <label for={id('minutes')}>Minutes</label>
          <input id={id('minutes')} type="number" inputMode="numeric" min={1} max={1440} step={1} required value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for={id('category')}>Category</label>
          <select id={id('category')} value={category} onChange={(e) => isTimeCategory(e.currentTarget.value) && setCategory(e.currentTarget.value)}>
            {TIME_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {TIME_CATEGORY_LABEL[c]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p class="hint" id={id('zone')}>
        Date and time on the patient's clock ({patient.timeZone}).
      </p>
      <div class="field">
        <label for={id('activity')}>Activity</label>
        <input id={id('activity')} required maxLength={500} value={activity} onInput={(e) => setActivity(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={id('reason')}>Why it was not timed</label>
        <input
          id={id('reason')}
          required
          maxLength={2000}
          value={reason}
          placeholder="e.g. call taken away from the desk"
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </div>
      <button type="submit" disabled={busy}>
        Add time
      </button>
      {notice ? (
        <p class="ok" role="status">
          {notice}
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
    </form>
  );
}
