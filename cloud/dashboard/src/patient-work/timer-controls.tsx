/**
 * Start and stop the timer on this patient. The timer lives on the server (one per person), so the clock
 * keeps running across reloads and pages; stopping records the whole minutes measured. A timer already
 * running on another patient is stopped first (its time recorded) only after the person confirms.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import { endpoints, type Patient, type TimeCategory } from '../api/endpoints.ts';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { formatClock, formatTimeWithZone } from '../components/format.ts';
import { TIME_CATEGORIES, TIME_CATEGORY_LABEL, categoryLabel, isTimeCategory } from './time-category-labels.ts';
import { usePatientName } from './use-patient-name.ts';
import { useRunningTimer } from './use-running-timer.ts';
import { announceTimerChange, announceWorkRecorded } from './work-events.ts';

export function TimerControls({ patient, onRecorded }: { patient: Patient; onRecorded: () => void }) {
  const running = useRunningTimer();
  const [category, setCategory] = useState<TimeCategory>('data_review');
  const [activity, setActivity] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const stopButton = useRef<HTMLButtonElement>(null);
  const startButton = useRef<HTMLButtonElement>(null);
  const timer = running.timer;
  const here = !!timer && timer.patientId === patient.id;
  const elsewhere = timer && !here ? timer : null;
  const elsewhereName = usePatientName(elsewhere?.patientId);

  // the button pressed disappears (Start becomes Stop): keep keyboard focus on the control that replaced it
  const focusNext = useRef<'stop' | 'start' | null>(null);
  useEffect(() => {
    if (focusNext.current === 'stop' && here) stopButton.current?.focus();
    if (focusNext.current === 'start' && !here) startButton.current?.focus();
    focusNext.current = null;
  }, [here]);

  async function act(work: () => Promise<void>) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await work();
    } catch (failure) {
      setError(failure as Error);
      // another tab may have started, stopped or switched the timer: show what the server has now
      if (failure instanceof ApiError && (failure.status === 404 || failure.status === 409)) void running.reload();
    } finally {
      setBusy(false);
    }
  }

  const start = () =>
    act(async () => {
      if (elsewhere && !window.confirm(`Your timer is running on ${elsewhereName}. Stop it (its time is recorded) and start a timer on ${patient.name}?`)) return;
      const started = await api(endpoints.startTimer, { params: { patientId: patient.id }, body: { category, activity, ...(elsewhere ? { switch: true } : {}) } });
      const stopped = started.switched?.stopped;
      if (stopped) {
        setNotice(`Stopped the timer on ${elsewhereName}: ${stopped.entry.minutes} min recorded.`);
        announceWorkRecorded(stopped.timer.patientId);
      } else if (started.switched?.discarded) {
        setNotice(`The timer on ${elsewhereName} ran under a minute and was discarded.`);
      }
      focusNext.current = 'stop';
      announceTimerChange();
      await running.reload();
    });

  const stop = () =>
    act(async () => {
      const stopped = await api(endpoints.stopTimer, { params: { patientId: patient.id } });
      setNotice(`Recorded ${stopped.entry.minutes} min of ${categoryLabel(stopped.timer.category).toLowerCase()}.`);
      setActivity('');
      focusNext.current = 'start';
      announceTimerChange();
      announceWorkRecorded(patient.id);
      onRecorded();
      await running.reload();
    });

  const discard = () =>
    act(async () => {
      if (!window.confirm('Discard this timer? No time is recorded.')) return;
      await api(endpoints.discardTimer, { params: { patientId: patient.id } });
      setNotice('Timer discarded: no time recorded.');
      focusNext.current = 'start';
      announceTimerChange();
      await running.reload();
    });

  if (timer === undefined) return running.error ? <ErrorNotice error={running.error} onRetry={() => void running.reload()} /> : <Loading what="your timer" />;

  return (
    <div class="timer-controls">
      {here ? (
        <div class="timer-running">
          <p class="timer-clock">
            <span class="muted">Timer running</span>{' '}
            <span role="timer" aria-label="Time on this timer" data-testid="timer-clock">
              {formatClock(running.elapsedSeconds)}
            </span>
          </p>
          <p>
            {categoryLabel(timer.category)}: {timer.activity}
            <span class="muted"> · started {formatTimeWithZone(timer.startedAt, patient.timeZone)}</span>
          </p>
          <div class="row">
            <button type="button" ref={stopButton} disabled={busy} onClick={() => void stop()}>
              Stop timer
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => void discard()}>
              Discard
            </button>
          </div>
          <p class="hint">Whole minutes are recorded when you stop; under a minute is not recorded, over 12 hours is refused.</p>
        </div>
      ) : (
        <form
          class="timer-start"
          aria-label="Start a timer"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          {elsewhere ? (
            <p class="notice" data-testid="timer-elsewhere">
              Your timer is running on {elsewhereName} ({formatClock(running.elapsedSeconds)}). Starting one here stops it first and records its time.
            </p>
          ) : null}
          <div class="row">
            <div class="field">
              <label for={`timer-category-${patient.id}`}>Category</label>
              <select
                id={`timer-category-${patient.id}`}
                value={category}
                onChange={(e) => isTimeCategory(e.currentTarget.value) && setCategory(e.currentTarget.value)}
              >
                {TIME_CATEGORIES.map((c) => (
                  <option key={c} value={c}>
                    {TIME_CATEGORY_LABEL[c]}
                  </option>
                ))}
              </select>
            </div>
            <div class="field grow">
              <label for={`timer-activity-${patient.id}`}>Activity</label>
              <input
                id={`timer-activity-${patient.id}`}
                required
                maxLength={500}
                value={activity}
                placeholder="e.g. reviewing this week's missed evening doses"
                onInput={(e) => setActivity(e.currentTarget.value)}
              />
            </div>
          </div>
          <button type="submit" ref={startButton} disabled={busy}>
            Start timer
          </button>
        </form>
      )}
      {notice ? (
        <p class="ok" role="status">
          {notice}
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
