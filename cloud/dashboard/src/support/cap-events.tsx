/**
 * The events summary of one cap: restarts with their reasons, the cloud's clock corrections, the sequence
 * gaps (events that never arrived) and the commands sent, newest first. Device facts only.
 */
import type { Diagnostics } from '../api/endpoints.ts';
import { commandLabel } from './commands.ts';
import { supportTime } from './support-labels.ts';

function Empty({ what }: { what: string }) {
  return <p class="muted">{what}</p>;
}

export function CapEvents({ d }: { d: Diagnostics }) {
  return (
    <section class="card cap-events" aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      <div class="grid">
        <div>
          <h3 id="boots-title">Restarts</h3>
          {d.reboots.recent.length === 0 ? (
            <Empty what={`No restarts in the last ${d.windowDays} days.`} />
          ) : (
            <table aria-labelledby="boots-title">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Boot</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {d.reboots.recent.map((b) => (
                  <tr key={`${b.boot}-${b.at}`}>
                    <td>{supportTime(b.at)}</td>
                    <td>{b.boot}</td>
                    <td>
                      {b.reasonName} {b.unexpected ? <span class="badge bad">unexpected</span> : <span class="badge good">expected</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div>
          <h3 id="clock-title">Clock corrections</h3>
          {d.clock.corrections.length === 0 ? (
            <Empty what={`The cloud did not correct the cap's clock in the last ${d.windowDays} days.`} />
          ) : (
            <table aria-labelledby="clock-title">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">What the cloud did</th>
                  <th scope="col">Correction</th>
                </tr>
              </thead>
              <tbody>
                {d.clock.corrections.map((c) => (
                  <tr key={`${c.at}-${c.action}`}>
                    <td>{supportTime(c.at)}</td>
                    <td>
                      {c.action.replace(/_/g, ' ')}
                      <span class="hint">{c.detail}</span>
                    </td>
                    <td>{c.correctionS === null ? '—' : `${c.correctionS} s`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div>
          <h3 id="gaps-title">Missing events</h3>
          {d.seqGaps.ranges.length === 0 ? (
            <Empty what="No gaps: every event the cap numbered has arrived." />
          ) : (
            <ul aria-labelledby="gaps-title">
              {d.seqGaps.ranges.map((r) => (
                <li key={r.from}>{r.from === r.to ? `seq ${r.from}` : `seq ${r.from} to ${r.to} (${r.to - r.from + 1} events)`}</li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3 id="commands-title">Commands sent</h3>
          {d.commands.length === 0 ? (
            <Empty what="No commands sent to this cap yet." />
          ) : (
            <table aria-labelledby="commands-title" data-testid="command-history">
              <thead>
                <tr>
                  <th scope="col">Command</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {d.commands.map((c) => (
                  <tr key={c.commandId} data-command-id={c.commandId}>
                    <td>
                      {commandLabel(c.code)} <span class="muted">#{c.commandId}</span>
                    </td>
                    <td>{supportTime(c.createdAt)}</td>
                    <td>
                      {c.status}
                      {c.resultAt ? <span class="hint">{supportTime(c.resultAt)}</span> : null}
                      {c.detail ? <span class="hint">{c.detail}</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </section>
  );
}
