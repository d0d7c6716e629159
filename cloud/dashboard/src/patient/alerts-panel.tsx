/** The patient's live alerts (open and acknowledged), most recent first as the API lists them. */
import { api } from '../api/client.ts';
import { endpoints, type StaffUser } from '../api/endpoints.ts';
import { zoneLabel } from '../components/format.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { AlertCard } from './alert-card.tsx';

export function AlertsPanel({ patientId, timeZone, users, version, onChanged }: { patientId: string; timeZone: string; users: readonly StaffUser[]; version: number; onChanged: () => void }) {
  const alerts = useLoad((signal) => api(endpoints.alerts, { query: { patientId, status: 'live', limit: 100 }, signal }), [patientId, version]);
  return (
    <Async state={alerts} what="alerts">
      {(list) =>
        list.alerts.length === 0 ? (
          <p class="ok" data-testid="no-alerts">
            No open alerts.
          </p>
        ) : (
          <>
            <p class="hint">{zoneLabel(timeZone)}</p>
            <ul class="alert-list" aria-label="Live alerts">
              {list.alerts.map((alert) => (
                <AlertCard key={alert.id} alert={alert} timeZone={timeZone} users={users} onChanged={onChanged} />
              ))}
            </ul>
            {list.next ? <p class="muted">More alerts than shown: resolve these first.</p> : null}
          </>
        )
      }
    </Async>
  );
}
