/**
 * Support home: the fleet list (GET /v1/support/fleet). Every cap in the clinics' hands sorted by trouble
 * (silent, battery, signal, clock, reboots, lost data), each with the verdict `pillcap support diag` gives,
 * counts per kind of trouble, a filter and the look-back window as URL query (trouble, days), and a serial box
 * for the caller who reads one off their cap. Never any patient identity: the API answers none.
 */
import { useLocation } from 'preact-iso';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { plural } from '../components/format.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { paths } from '../paths.ts';
import { FleetTable } from '../support/fleet-table.tsx';
import { SerialSearch } from '../support/serial-search.tsx';
import { TROUBLE_LABEL, TROUBLE_ORDER, browserZone, supportTime, type TroubleKind } from '../support/support-labels.ts';

const WINDOWS = [1, 7, 14, 30, 45] as const;
const DEFAULT_WINDOW = 14;

export function SupportFleetPage() {
  const { query, route } = useLocation();
  const trouble = (TROUBLE_ORDER as readonly string[]).includes(query.trouble ?? '') ? (query.trouble as TroubleKind) : undefined;
  const days = WINDOWS.includes(Number(query.days) as (typeof WINDOWS)[number]) ? Number(query.days) : DEFAULT_WINDOW;
  const setFilter = (next: Record<string, string>) => {
    const params = new URLSearchParams({ ...(trouble ? { trouble } : {}), ...(days !== DEFAULT_WINDOW ? { days: String(days) } : {}), ...next });
    for (const [key, value] of [...params]) if (!value) params.delete(key);
    const qs = params.toString();
    route(qs ? `${paths.support}?${qs}` : paths.support);
  };
  const fleet = useLoad((signal) => api(endpoints.fleet, { query: { days, ...(trouble ? { trouble } : {}) }, signal }), [days, trouble]);

  return (
    <section aria-labelledby="fleet-title">
      <div class="page-head">
        <h1 id="fleet-title">Fleet</h1>
        <p class="muted">Caps in the clinics' hands, most trouble first. The verdicts are those of the cap's own diagnostics.</p>
      </div>
      <div class="card">
        <SerialSearch />
      </div>
      <div class="filters" role="group" aria-label="Filter the fleet">
        <label for="fleet-trouble">Trouble</label>
        <select id="fleet-trouble" value={trouble ?? ''} onChange={(e) => setFilter({ trouble: e.currentTarget.value })}>
          <option value="">All caps{fleet.data ? ` (${fleet.data.total})` : ''}</option>
          {TROUBLE_ORDER.map((kind) => (
            <option key={kind} value={kind}>
              {TROUBLE_LABEL[kind]}
              {fleet.data ? ` (${fleet.data.counts[kind]})` : ''}
            </option>
          ))}
        </select>
        <label for="fleet-days">Window</label>
        <select id="fleet-days" value={String(days)} onChange={(e) => setFilter({ days: e.currentTarget.value === String(DEFAULT_WINDOW) ? '' : e.currentTarget.value })}>
          {WINDOWS.map((d) => (
            <option key={d} value={String(d)}>
              Last {plural(d, 'day')}
            </option>
          ))}
        </select>
      </div>
      <Async state={fleet} what="the fleet">
        {(f) => (
          <div aria-busy={fleet.loading ? 'true' : 'false'}>
            <dl class="counts" aria-label="Caps by kind of trouble">
              <div>
                <dt>All caps</dt>
                <dd data-testid="count-all">{f.total}</dd>
              </div>
              {TROUBLE_ORDER.map((kind) => (
                <div key={kind} class={trouble === kind ? 'selected' : undefined}>
                  <dt>{TROUBLE_LABEL[kind]}</dt>
                  <dd data-testid={`count-${kind}`}>{f.counts[kind]}</dd>
                </div>
              ))}
              <div>
                <dt>Healthy</dt>
                <dd data-testid="count-healthy">{f.counts.healthy}</dd>
              </div>
            </dl>
            <p class="hint" role="status">
              {trouble ? `${plural(f.matching, 'cap')} with ${TROUBLE_LABEL[trouble].toLowerCase()} trouble` : `${plural(f.total, 'cap')}`}
              {f.caps.length < f.matching ? `, the worst ${f.caps.length} shown` : ''}. Counts and sums over the last {plural(f.windowDays, 'day')}, as of {supportTime(f.generatedAt)}; times
              in {browserZone()} (this browser's zone).
            </p>
            {f.caps.length === 0 ? <p class="card">No caps {trouble ? `with ${TROUBLE_LABEL[trouble].toLowerCase()} trouble` : 'in your fleet yet'}.</p> : <FleetTable caps={f.caps} />}
          </div>
        )}
      </Async>
    </section>
  );
}
