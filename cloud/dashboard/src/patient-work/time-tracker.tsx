/**
 * The patient page's time panel (#time): the timer, time added by hand, and the month's entries with the
 * minutes that count toward the management codes. Re-reads its entries whenever work is recorded on this
 * patient anywhere on the page (or by the header badge stopping the timer).
 */
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { ManualTimeEntry } from './manual-time-entry.tsx';
import type { PatientWorkProps } from './patient-work-props.ts';
import { TimeEntries } from './time-entries.tsx';
import { TimerControls } from './timer-controls.tsx';
import { useWorkRecorded } from './work-events.ts';

export function TimeTracker({ patient, month, onChanged }: PatientWorkProps) {
  const entries = useLoad((signal) => api(endpoints.timeEntries, { params: { patientId: patient.id }, query: { month }, signal }), [patient.id, month]);
  useWorkRecorded(patient.id, () => void entries.reload());

  return (
    <div class="patient-work time-tracker">
      <TimerControls patient={patient} onRecorded={onChanged} />
      <Async state={entries} what="this month's time">
        {(list) => <TimeEntries patient={patient} month={month} entries={list.entries} onDeleted={onChanged} />}
      </Async>
      <ManualTimeEntry patient={patient} onRecorded={onChanged} />
    </div>
  );
}
