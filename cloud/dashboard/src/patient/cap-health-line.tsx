/**
 * The patient's cap and its health in one line: serial, last report, battery, signal. Tells "the patient
 * stopped using it" apart from "the cap stopped reporting" before anyone calls the patient about missed doses.
 */
import { api } from '../api/client.ts';
import { endpoints, type DeviceDetail } from '../api/endpoints.ts';
import { formatTimeWithZone } from '../components/format.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';

/** A cap reports at least daily; a day and a half without contact is worth a look (as support's silent rule). */
const SILENT_AFTER_MS = 36 * 3_600_000;

function since(iso: string, now: number): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000));
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}

function Health({ device, timeZone }: { device: DeviceDetail; timeZone: string }) {
  const now = Date.now();
  const lastSeen = device.lastSeenAt ?? device.health.lastHeartbeatAt;
  const silent = !lastSeen || now - Date.parse(lastSeen) > SILENT_AFTER_MS;
  const { batteryPct, batteryLow, signal } = device.health;
  return (
    <>
      <span>
        last seen{' '}
        {lastSeen ? (
          <>
            {since(lastSeen, now)} <span class="muted">({formatTimeWithZone(lastSeen, timeZone)})</span>
          </>
        ) : (
          'never'
        )}
        {silent ? <span class="badge warn">{lastSeen ? 'silent' : 'never connected'}</span> : null}
      </span>
      <span>
        battery {batteryPct === null ? 'unknown' : `${batteryPct}%`}
        {batteryLow ? <span class="badge bad">low battery</span> : null}
      </span>
      <span>
        signal {signal === 'none' ? 'unknown' : signal}
        {signal === 'poor' ? <span class="badge warn">poor signal</span> : null}
      </span>
    </>
  );
}

export function CapHealthLine({ serial, timeZone }: { serial: string | null; timeZone: string }) {
  const device = useLoad((signal) => (serial ? api(endpoints.device, { params: { serial }, signal }) : Promise.resolve(null)), [serial]);
  if (!serial) {
    return (
      <p class="one-line" data-testid="cap-health">
        <span>
          <strong>Cap:</strong> none assigned
        </span>
      </p>
    );
  }
  return (
    <div class="one-line" data-testid="cap-health">
      <span>
        <strong>Cap:</strong> {serial}
      </span>
      <Async state={device} what="the cap's health">
        {(detail) => (detail ? <Health device={detail} timeZone={timeZone} /> : null)}
      </Async>
    </div>
  );
}
