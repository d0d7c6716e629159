/** The fleet list itself: one row per cap, worst first, with its verdict and what it last reported. */
import { paths } from '../paths.ts';
import { SEVERITY_BADGE, SEVERITY_LABEL, TROUBLE_LABEL, silence, supportTime, type FleetCap } from './support-labels.ts';

function Signal({ cap }: { cap: FleetCap }) {
  if (cap.rsrpDbm === null) return <span class="muted">unknown</span>;
  return (
    <>
      {cap.rsrpDbm} dBm <span class="muted">({cap.signalBand})</span>
    </>
  );
}

export function FleetTable({ caps }: { caps: FleetCap[] }) {
  return (
    <div class="table-scroll">
      <table class="fleet-table" aria-label="Caps by trouble, worst first">
        <thead>
          <tr>
            <th scope="col">Cap</th>
            <th scope="col">Status</th>
            <th scope="col">Verdict</th>
            <th scope="col">Trouble</th>
            <th scope="col">Last contact</th>
            <th scope="col">Battery</th>
            <th scope="col">Signal</th>
            <th scope="col">Clinic</th>
            <th scope="col">Firmware</th>
          </tr>
        </thead>
        <tbody>
          {caps.map((cap) => {
            const others = cap.verdicts.filter((v) => v.code !== cap.primary.code && v.code !== 'healthy');
            return (
              <tr key={cap.serial} data-serial={cap.serial} data-status={cap.status} class={`fleet-row status-${cap.status}`}>
                <th scope="row">
                  <a href={paths.supportCap(cap.serial)}>{cap.serial}</a>
                </th>
                <td>
                  <span class={`badge ${SEVERITY_BADGE[cap.status]}`}>{SEVERITY_LABEL[cap.status]}</span>
                </td>
                <td class="verdict-cell" data-verdict={cap.primary.code}>
                  <strong>{cap.primary.title}</strong>
                  <span class="hint">{cap.primary.detail}</span>
                  {others.length > 0 ? <span class="hint">Also: {others.map((v) => v.title).join('; ')}</span> : null}
                </td>
                <td>
                  {cap.troubles.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    <ul class="trouble-list">
                      {cap.troubles.map((kind) => (
                        <li key={kind} data-trouble={kind}>
                          {TROUBLE_LABEL[kind]}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {silence(cap.silentHours)}
                  {cap.lastSeenAt ? <span class="hint">{supportTime(cap.lastSeenAt)}</span> : null}
                </td>
                <td>{cap.batteryPct === null ? <span class="muted">unknown</span> : `${cap.batteryPct}%`}</td>
                <td>
                  <Signal cap={cap} />
                </td>
                <td>{cap.organisation ?? <span class="muted">stock</span>}</td>
                <td>{cap.appFirmware ?? <span class="muted">unknown</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
