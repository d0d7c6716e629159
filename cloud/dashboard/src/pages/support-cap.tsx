/**
 * One cap for field support (GET /v1/devices/:serial/diagnostics): the verdict with the next step and what to
 * tell the caller, the health facts, signal and battery charts, the events summary, and the commands (confirmed,
 * with the result). The window is a URL query (days). After a command the page refreshes for a short while
 * until the cap has answered it. Device facts only: support never sees whose cap it is.
 */
import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { plural } from '../components/format.ts';
import { Async, ErrorNotice, Loading } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { paths } from '../paths.ts';
import { CapEvents } from '../support/cap-events.tsx';
import { CapFacts } from '../support/cap-facts.tsx';
import { CommandPanel } from '../support/command-panel.tsx';
import { HistoryCharts } from '../support/history-charts.tsx';
import { VerdictPanel } from '../support/verdict-panel.tsx';

const WINDOWS = [1, 7, 14, 30, 45, 90] as const;
const DEFAULT_WINDOW = 14;
/** How long, and how often, the page looks for the cap's answer to a command it was just sent. */
const ANSWER_WAIT_MS = 60_000;
const ANSWER_POLL_MS = 3_000;

export function SupportCapPage() {
  const { params } = useRoute();
  const { query, route, path } = useLocation();
  const serial = decodeURIComponent(params.serial ?? '').toUpperCase();
  const days = WINDOWS.includes(Number(query.days) as (typeof WINDOWS)[number]) ? Number(query.days) : DEFAULT_WINDOW;
  const diagnostics = useLoad((signal) => api(endpoints.diagnostics, { params: { serial }, query: { days }, signal }), [serial, days]);
  const [awaiting, setAwaiting] = useState<{ commandId: number; since: number } | null>(null);

  // Poll for the cap's answer to the command just sent; stop once it has one or the wait is over.
  const answer = awaiting ? diagnostics.data?.commands.find((c) => c.commandId === awaiting.commandId)?.status : undefined;
  const answered = !awaiting || (answer !== undefined && answer !== 'sent');
  useEffect(() => {
    if (!awaiting || answered) return;
    if (Date.now() - awaiting.since > ANSWER_WAIT_MS) return setAwaiting(null);
    const timer = setTimeout(() => void diagnostics.reload(), ANSWER_POLL_MS);
    return () => clearTimeout(timer);
  }, [awaiting, answered, diagnostics.data]);

  const notFound = diagnostics.error instanceof ApiError && diagnostics.error.status === 404;

  return (
    <section aria-labelledby="cap-title">
      <p>
        <a href={paths.support}>← All caps</a>
      </p>
      <div class="page-head">
        <h1 id="cap-title">Cap {serial}</h1>
        <div class="filters">
          <label for="cap-days">Window</label>
          <select id="cap-days" value={String(days)} onChange={(e) => route(e.currentTarget.value === String(DEFAULT_WINDOW) ? path : `${path}?days=${e.currentTarget.value}`)}>
            {WINDOWS.map((d) => (
              <option key={d} value={String(d)}>
                Last {plural(d, 'day')}
              </option>
            ))}
          </select>
        </div>
      </div>
      {notFound ? (
        <div class="card" role="alert">
          <p>No cap {serial} in your fleet. Check the serial printed under the cap (for example PC-000123).</p>
        </div>
      ) : diagnostics.error && !diagnostics.data ? (
        <ErrorNotice error={diagnostics.error} onRetry={() => void diagnostics.reload()} />
      ) : (
        <Async state={diagnostics} what={`the diagnostics of ${serial}`}>
          {(d) => (
            <div data-testid="diagnostics">
              <VerdictPanel diagnosis={d.diagnosis} />
              <CommandPanel serial={d.serial} onSent={(commandId) => {
                setAwaiting({ commandId, since: Date.now() });
                void diagnostics.reload();
              }} />
              {awaiting && !answered ? <Loading what="the cap's answer to the command" /> : null}
              <CapFacts d={d} />
              <HistoryCharts history={d.history} />
              <CapEvents d={d} />
            </div>
          )}
        </Async>
      )}
    </section>
  );
}
