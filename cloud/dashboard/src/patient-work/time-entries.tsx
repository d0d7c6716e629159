/**
 * The month's time on this patient: every entry (who, when, how long, what, measured or by hand), the minutes
 * that count toward treatment management (device logistics is shown but never counted) and how far they are
 * from the next code. An entry can be deleted by its author, or by a clinician or admin; it stays in the audit
 * trail as deleted.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Patient } from '../api/endpoints.ts';
import { ErrorNotice } from '../components/status.tsx';
import { formatMinutes, formatMonth, formatTime, plural, zoneLabel } from '../components/format.ts';
import { useSignedIn } from '../session.tsx';
import { categoryLabel } from './time-category-labels.ts';
import { managementProgress } from './management-progress.ts';
import { announceWorkRecorded } from './work-events.ts';
import type { TimeEntryRow } from './work-types.ts';

type Entry = TimeEntryRow;

/** Who may delete another person's entry (the API's rule: the supervising clinician and the administrator). */
const SUPERVISORS = new Set(['clinician', 'admin']);

function ManagementMeter({ counted }: { counted: number }) {
  const progress = managementProgress(counted);
  const share = Math.min(100, Math.round((counted / progress.next.atMinutes) * 100));
  return (
    <div class="management-meter">
      <p data-testid="management-progress">
        {progress.reached ? <>{counted} min reach {progress.reached}; </> : null}
        {progress.next.minutesToGo} more min to {progress.next.code} (at {progress.next.atMinutes} min).
      </p>
      <div class="meter-bar" aria-hidden="true">
        <span style={{ width: `${share}%` }} />
        {progress.next.atMinutes === 20 ? <i class="tick" style={{ left: '50%' }} title="10 min: 98979" /> : null}
      </div>
      <p class="hint">A management code also needs one live call (phone or video) with the patient in the month.</p>
    </div>
  );
}

export function TimeEntries({ patient, month, entries, onDeleted }: { patient: Patient; month: string; entries: Entry[]; onDeleted: () => void }) {
  const session = useSignedIn();
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const counted = entries.filter((e) => e.countsTowardManagement).reduce((sum, e) => sum + e.minutes, 0);
  const notCounted = entries.filter((e) => !e.countsTowardManagement).reduce((sum, e) => sum + e.minutes, 0);
  const mayDelete = (e: Entry) => e.userId === session.user.id || SUPERVISORS.has(session.user.role);

  async function remove(entry: Entry) {
    const when = formatTime(entry.performedAt, patient.timeZone);
    if (!window.confirm(`Delete the ${entry.minutes} min entry of ${when}? It stays in the audit trail as deleted.`)) return;
    setBusy(entry.id);
    setError(null);
    try {
      await api(endpoints.deleteTimeEntry, { params: { patientId: patient.id, entryId: entry.id } });
      announceWorkRecorded(patient.id);
      onDeleted();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div class="time-entries">
      <h3>Time in {formatMonth(month)}</h3>
      <dl class="counts" aria-label={`Time in ${formatMonth(month)}`}>
        <div>
          <dt>Counted toward management</dt>
          <dd data-testid="minutes-counted">{formatMinutes(counted)}</dd>
        </div>
        <div>
          <dt>Device logistics (not counted)</dt>
          <dd>{formatMinutes(notCounted)}</dd>
        </div>
        <div>
          <dt>Entries</dt>
          <dd>{entries.length}</dd>
        </div>
      </dl>
      <ManagementMeter counted={counted} />
      {error ? <ErrorNotice error={error} /> : null}
      {entries.length === 0 ? (
        <p class="muted">No time recorded on this patient in {formatMonth(month)} yet.</p>
      ) : (
        <div>
          <table data-testid="time-entries">
            <caption>
              {plural(entries.length, 'entry', 'entries')}, {zoneLabel(patient.timeZone)}
            </caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Minutes</th>
                <th scope="col">Activity</th>
                <th scope="col">Who</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...entries].reverse().map((e) => (
                <tr key={e.id} data-entry={e.id}>
                  <td>{formatTime(e.startedAt ?? e.performedAt, patient.timeZone)}</td>
                  <td class="number">{e.minutes}</td>
                  <td>
                    <span class="entry-category">{categoryLabel(e.category)}</span>
                    {e.countsTowardManagement ? null : <span class="badge warn">not counted</span>}
                    <br />
                    {e.activity}
                    <br />
                    <span class="muted">{e.entryKind === 'timer' ? 'Timed' : `By hand${e.manualReason ? `: ${e.manualReason}` : ''}`}</span>
                  </td>
                  <td>{e.userName ?? e.staff}</td>
                  <td>
                    {mayDelete(e) ? (
                      <button
                        type="button"
                        class="secondary"
                        disabled={busy === e.id}
                        aria-label={`Delete ${e.minutes} min entry of ${formatTime(e.performedAt, patient.timeZone)}`}
                        onClick={() => void remove(e)}
                      >
                        Delete
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
