/**
 * Units (manufacturing, and the fleet operator's admin): every cap with its firmware, IMEI, factory result,
 * where it is (stock or a clinic) and when it was last heard from. No patient identity: only "assigned".
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';

function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const hours = (now - new Date(iso).getTime()) / 3_600_000;
  const label = hours < 1 ? `${Math.max(0, Math.round(hours * 60))} min ago` : hours < 48 ? `${Math.round(hours)} h ago` : `${Math.round(hours / 24)} d ago`;
  return `${new Date(iso).toLocaleString('en-US', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })} (${label})`;
}

export function UnitsPage() {
  const [filter, setFilter] = useState('');
  const units = useLoad((signal) => api(endpoints.devices, { query: { limit: 500 }, signal }), []);
  return (
    <section aria-labelledby="units-title">
      <h1 id="units-title">Units</h1>
      <div class="filters">
        <label for="unit-filter">Find a serial</label>
        <input id="unit-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value.trim().toUpperCase())} />
      </div>
      <Async state={units} what="the units">
        {(list) => {
          const rows = list.devices.filter((d) => d.serial.includes(filter));
          return (
            <table aria-label="Units">
              <thead>
                <tr>
                  <th scope="col">Serial</th>
                  <th scope="col">Firmware</th>
                  <th scope="col">IMEI</th>
                  <th scope="col">Factory test</th>
                  <th scope="col">Organisation</th>
                  <th scope="col">Assigned</th>
                  <th scope="col">Last seen (your time)</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((d) => (
                  <tr key={d.serial} data-serial={d.serial}>
                    <td>{d.serial}</td>
                    <td>{d.appFirmware ?? '—'}</td>
                    <td>{d.imei ?? '—'}</td>
                    <td>{d.factoryPassed ? 'passed' : 'failed'}</td>
                    <td>{d.organisation ?? 'stock'}</td>
                    <td>{d.assigned ? 'yes' : 'no'}</td>
                    <td>{ago(d.lastSeenAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Async>
    </section>
  );
}
