/**
 * Home: the month's work queue. Patients most urgent first (urgent alerts, then periods at risk, calls still
 * needed, documentation missing, minutes short of the next code), each open item with the one action that
 * closes it: a data review is recorded right here; the others open the patient page at the panel that does it.
 * Filters: mine (the caller's patients as coordinator or clinical owner), all, or one coordinator.
 */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type WorkItem, type WorklistRow } from '../api/endpoints.ts';
import { Async, ErrorNotice } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { formatMonth, monthIn } from '../components/format.ts';
import { paths } from '../paths.ts';
import { useSignedIn } from '../session.tsx';

/** The patient-page panel that closes each kind of item (section ids of pages/patient.tsx). */
export const ACTION_TARGET: Record<string, { section: string; label: string }> = {
  alerts: { section: 'alerts', label: 'Act on alerts' },
  interactive_communication: { section: 'communication', label: 'Log call' },
  management_time: { section: 'time', label: 'Log time' },
  documentation: { section: 'documentation', label: 'Answer documentation' },
  supply_days: { section: 'calendar', label: 'See days' },
  data_review: { section: 'data', label: 'Review data' },
};

export const KIND_LABEL: Record<string, string> = {
  alerts: 'Alerts',
  supply_days: 'Days at risk',
  interactive_communication: 'Call needed',
  documentation: 'Documentation',
  management_time: 'Minutes short',
  data_review: 'Data review',
};

const LEVEL_LABEL: Record<string, string> = { urgent: 'Urgent', high: 'High', normal: 'Normal', none: 'Done' };

function ItemAction({ row, item, onDone }: { row: WorklistRow; item: WorkItem; onDone: () => void }) {
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  if (item.kind === 'data_review') {
    return (
      <>
        <button
          type="button"
          disabled={busy}
          aria-label={`Mark reviewed for ${row.name}`}
          onClick={async () => {
            setBusy(true);
            try {
              await api(endpoints.recordDataReview, { params: { patientId: row.patientId }, body: { month: row.month } });
              onDone();
            } catch (failure) {
              setError(failure as Error);
              setBusy(false);
            }
          }}
        >
          Mark reviewed
        </button>
        {error ? <ErrorNotice error={error} /> : null}
      </>
    );
  }
  const target = ACTION_TARGET[item.kind] ?? { section: 'summary', label: 'Open patient' };
  return (
    <a class="button" href={`${paths.patient(row.patientId)}#${target.section}`} aria-label={`${target.label} for ${row.name}`}>
      {target.label}
    </a>
  );
}

function WorkRow({ row, onChanged }: { row: WorklistRow; onChanged: () => void }) {
  const open = row.items.filter((i) => i.status === 'open');
  return (
    <li class={`work-row level-${row.level}`} data-patient={row.reference}>
      <div class="work-patient">
        <span class={`badge level-${row.level}`}>{LEVEL_LABEL[row.level]}</span>
        <a href={paths.patient(row.patientId)}>
          <strong>{row.name}</strong> <span class="muted">{row.reference}</span>
        </a>
      </div>
      {open.length === 0 ? (
        <p class="muted">Nothing open this month.</p>
      ) : (
        <ul class="work-items">
          {open.map((item) => (
            <li key={item.kind} class={`work-item severity-${item.severity}`} data-kind={item.kind}>
              <span class="kind">{KIND_LABEL[item.kind] ?? item.kind}</span>
              <span class="title">{item.title}</span>
              {item.due ? <span class="muted"> · due {item.due}</span> : null}
              <span class="action">
                <ItemAction row={row} item={item} onDone={onChanged} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

export function WorkQueuePage() {
  const session = useSignedIn();
  const { query, route, path } = useLocation();
  const month = /^\d{4}-\d{2}$/.test(query.month ?? '') ? query.month! : monthIn();
  const assignee = query.assignee ?? (session.user.role === 'coordinator' ? 'me' : 'all');
  const setFilter = (next: Record<string, string>) => {
    const params = new URLSearchParams({ ...query, ...next });
    route(`${path}?${params}`);
  };
  const users = useLoad((signal) => api(endpoints.users, { signal }), []);
  const worklist = useLoad((signal) => api(endpoints.worklist, { query: { month, assignee, limit: 200 }, signal }), [month, assignee]);
  const coordinators = (users.data?.users ?? []).filter((u) => (u.role === 'coordinator' || u.role === 'clinician') && !u.disabledAt);

  return (
    <section aria-labelledby="work-queue-title">
      <div class="page-head">
        <h1 id="work-queue-title">Work queue</h1>
        <p class="muted">{formatMonth(month)}: what closes this month's claims, most urgent first.</p>
      </div>
      <div class="filters" role="group" aria-label="Filter the work queue">
        <label for="assignee">Show</label>
        <select id="assignee" value={assignee} onChange={(e) => setFilter({ assignee: e.currentTarget.value })}>
          <option value="me">Mine</option>
          <option value="all">All patients</option>
          {coordinators.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name} ({u.role})
            </option>
          ))}
        </select>
        <label for="month">Month</label>
        <input id="month" type="month" value={month} onChange={(e) => e.currentTarget.value && setFilter({ month: e.currentTarget.value })} />
      </div>
      <Async state={worklist} what="the work queue">
        {(list) => (
          <>
            <dl class="counts" aria-label="Counts">
              <div>
                <dt>Urgent</dt>
                <dd data-testid="count-urgent">{list.counts.byLevel.urgent}</dd>
              </div>
              <div>
                <dt>High</dt>
                <dd data-testid="count-high">{list.counts.byLevel.high}</dd>
              </div>
              <div>
                <dt>Normal</dt>
                <dd data-testid="count-normal">{list.counts.byLevel.normal}</dd>
              </div>
              {Object.entries(list.counts.byKind).map(([kind, n]) => (
                <div key={kind}>
                  <dt>{KIND_LABEL[kind] ?? kind}</dt>
                  <dd>{n}</dd>
                </div>
              ))}
              <div>
                <dt>Patients done</dt>
                <dd data-testid="count-done">
                  {list.counts.done} of {list.counts.total}
                </dd>
              </div>
            </dl>
            {list.items.length === 0 ? (
              <p class="card">No patients in this queue for {formatMonth(month)}.</p>
            ) : (
              <ol class="work-list" aria-label="Patients by urgency">
                {list.items.map((row) => (
                  <WorkRow key={row.patientId} row={row} onChanged={() => void worklist.reload()} />
                ))}
              </ol>
            )}
            {list.next ? <p class="muted">Showing the 200 most urgent patients; narrow the filter to see the rest.</p> : null}
          </>
        )}
      </Async>
    </section>
  );
}
