/**
 * The caller's running timer, in the header on every page: which patient, how long, a link back to that
 * patient's time panel and a Stop button, so a timer is never forgotten while the person works elsewhere.
 * On that patient's own page the time panel has the Stop button, so the badge does not repeat it.
 * Kept in step with the time tracker by the timer event and a poll (patient-work/use-running-timer.ts).
 */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { formatClock } from './format.ts';
import { paths } from '../paths.ts';
import { usePatientName } from '../patient-work/use-patient-name.ts';
import { useRunningTimer } from '../patient-work/use-running-timer.ts';
import { announceTimerChange, announceWorkRecorded } from '../patient-work/work-events.ts';

export function RunningTimerBadge() {
  const { path } = useLocation();
  const running = useRunningTimer();
  const timer = running.timer;
  const name = usePatientName(timer?.patientId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!timer) return null;

  async function stop(patientId: string) {
    setBusy(true);
    setError(null);
    try {
      await api(endpoints.stopTimer, { params: { patientId } });
      announceTimerChange();
      announceWorkRecorded(patientId);
    } catch (failure) {
      setError((failure as Error).message);
      void running.reload();
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="running-timer" data-testid="running-timer">
      <a href={`${paths.patient(timer.patientId)}#time`}>
        Timer running: {name} <span class="clock">{formatClock(running.elapsedSeconds)}</span>
      </a>
      {path === paths.patient(timer.patientId) ? null : (
        <button type="button" disabled={busy} aria-label={`Stop timer for ${name}`} onClick={() => void stop(timer.patientId)}>
          Stop timer
        </button>
      )}
      {error ? (
        <span class="running-timer-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
