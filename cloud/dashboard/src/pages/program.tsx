/**
 * Program: how the clinic's remote monitoring program is doing (GET /v1/program/metrics; definitions in
 * docs/clinical.md "Program metrics"): totals for a range of months, each metric by month as a chart with its
 * table, the range by coordinator, and the fee schedule expected revenue rests on. The range and the
 * coordinator are URL query parameters (from, to, coordinator), so a view can be bookmarked and shared.
 */
import { useLocation } from 'preact-iso';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { formatMonth, monthIn, shiftMonth } from '../components/format.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { CoordinatorTable } from '../program/coordinator-table.tsx';
import { FeeScheduleTable } from '../program/fee-schedule-table.tsx';
import { MonthFigure } from '../program/month-figure.tsx';
import { MONTH_FIGURES } from '../program/month-figures.ts';
import { ProgramTotals } from '../program/program-totals.tsx';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
/** The default range: the current month and the five before it. */
const DEFAULT_MONTHS = 6;

export function ProgramPage() {
  const { query, route, path } = useLocation();
  const to = MONTH.test(query.to ?? '') ? query.to! : monthIn();
  const from = MONTH.test(query.from ?? '') ? query.from! : shiftMonth(to, -(DEFAULT_MONTHS - 1));
  const coordinator = query.coordinator ?? '';
  const setFilter = (next: Record<string, string>) => {
    const params = new URLSearchParams({ from, to, ...(coordinator ? { coordinator } : {}), ...next });
    for (const [key, value] of [...params]) if (!value) params.delete(key);
    route(`${path}?${params}`);
  };
  const users = useLoad((signal) => api(endpoints.users, { signal }), []);
  const metrics = useLoad((signal) => api(endpoints.metrics, { query: { from, to, ...(coordinator ? { coordinator } : {}) }, signal }), [from, to, coordinator]);
  const coordinators = (users.data?.users ?? []).filter((u) => (u.role === 'coordinator' || u.role === 'clinician') && !u.disabledAt);
  const chosen = coordinators.find((u) => u.id === coordinator);

  return (
    <section aria-labelledby="program-title">
      <div class="page-head">
        <h1 id="program-title">Program</h1>
        <p class="muted">
          {formatMonth(from)} to {formatMonth(to)}
          {coordinator ? `, patients coordinated by ${chosen?.name ?? 'the chosen coordinator'}` : ', all patients'}. Months are each patient's own calendar month.
        </p>
      </div>
      <div class="filters" role="group" aria-label="Range and coordinator">
        <label for="program-from">From</label>
        <input id="program-from" type="month" value={from} max={to} onChange={(e) => e.currentTarget.value && setFilter({ from: e.currentTarget.value })} />
        <label for="program-to">To</label>
        <input id="program-to" type="month" value={to} min={from} onChange={(e) => e.currentTarget.value && setFilter({ to: e.currentTarget.value })} />
        <label for="program-coordinator">Coordinator</label>
        <select id="program-coordinator" value={coordinator} onChange={(e) => setFilter({ coordinator: e.currentTarget.value })}>
          <option value="">All coordinators</option>
          {coordinators.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name} ({u.role})
            </option>
          ))}
        </select>
      </div>
      <Async state={metrics} what="the program metrics">
        {(m) => (
          <div aria-busy={metrics.loading ? 'true' : 'false'}>
            <ProgramTotals total={m.total} />
            {MONTH_FIGURES.map((spec) => (
              <MonthFigure key={spec.id} spec={spec} months={m.months} />
            ))}
            <CoordinatorTable coordinators={m.coordinators} total={m.total} />
          </div>
        )}
      </Async>
      <FeeScheduleTable />
    </section>
  );
}
