/**
 * The fee schedule expected revenue is priced at (GET /v1/program/fee-schedule): seeded estimates unless the
 * organisation set its own. A code without an amount is never counted as $0: it is listed as not priced.
 */
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { usd } from './metric-format.ts';

export function FeeScheduleTable() {
  const schedule = useLoad((signal) => api(endpoints.feeSchedule, { signal }), []);
  return (
    <section class="card" aria-labelledby="fee-schedule-title">
      <h2 id="fee-schedule-title">Fee schedule</h2>
      <p class="hint">Expected revenue is units × these amounts. Estimates are not a payer's contract; an administrator can set the organisation's own amounts.</p>
      <Async state={schedule} what="the fee schedule">
        {({ entries }) => (
          <table aria-labelledby="fee-schedule-title" data-testid="fee-schedule">
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Amount</th>
                <th scope="col">Basis</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.code} data-code={e.code}>
                  <th scope="row">{e.code}</th>
                  <td data-metric="amount">{e.amount === null ? 'not priced' : usd(e.amount)}</td>
                  <td>{e.estimate ? 'estimate' : 'contract'}{e.overridden ? ' (set by your organisation)' : ''}</td>
                  <td class="hint">{e.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}
