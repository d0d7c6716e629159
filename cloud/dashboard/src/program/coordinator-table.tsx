/** The range by coordinator (the care plan's coordinator): the same definitions over every month together. */
import type { CoordinatorRow, MetricsRow } from './metric-format.ts';
import { codeList, decimal, points, revenue, share } from './metric-format.ts';

const CELLS: { header: string; metric: string; cell: (row: MetricsRow) => string }[] = [
  { header: 'Enrolled', metric: 'enrolled', cell: (r) => String(r.enrolled) },
  { header: 'Activated', metric: 'activated', cell: (r) => String(r.activated) },
  { header: 'Periods closed', metric: 'periods-closed', cell: (r) => String(r.periods.closed) },
  { header: 'Mean monitored days', metric: 'monitored-days-per-period', cell: (r) => decimal(r.periods.monitoredDaysPerPeriod) },
  { header: '≥ 16 days', metric: 'reached16', cell: (r) => share(r.periods.reached16) },
  { header: 'Day-30 retention', metric: 'retention-d30', cell: (r) => share(r.retention.d30.share) },
  { header: 'Communications', metric: 'communications', cell: (r) => String(r.interventions.communications) },
  { header: 'Therapy changes', metric: 'therapy-changes', cell: (r) => String(r.interventions.therapyChanges) },
  { header: 'Adherence change', metric: 'adherence-change', cell: (r) => points(r.adherence.change) },
  { header: 'Codes (units)', metric: 'codes', cell: (r) => codeList(r.codes) },
  { header: 'Expected revenue', metric: 'expected-revenue', cell: (r) => revenue(r.expectedRevenue) },
];

export function CoordinatorTable({ coordinators, total }: { coordinators: CoordinatorRow[]; total: MetricsRow }) {
  return (
    <section class="card" aria-labelledby="by-coordinator-title">
      <h2 id="by-coordinator-title">By coordinator</h2>
      {coordinators.length === 0 ? (
        <p class="muted">No patients with a care plan in this range.</p>
      ) : (
        <div class="table-scroll">
          <table aria-labelledby="by-coordinator-title">
            <thead>
              <tr>
                <th scope="col">Coordinator</th>
                {CELLS.map((c) => (
                  <th key={c.metric} scope="col">
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {coordinators.map((row) => (
                <tr key={row.coordinatorId ?? 'none'} data-coordinator={row.coordinatorId ?? 'none'}>
                  <th scope="row">{row.coordinatorId === null ? 'No coordinator' : (row.name ?? 'Former user')}</th>
                  {CELLS.map((c) => (
                    <td key={c.metric} data-metric={c.metric}>
                      {c.cell(row)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr data-coordinator="total">
                <th scope="row">All</th>
                {CELLS.map((c) => (
                  <td key={c.metric} data-metric={c.metric}>
                    {c.cell(total)}
                  </td>
                ))}
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}
