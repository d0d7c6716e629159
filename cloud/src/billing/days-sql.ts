/**
 * Set-based rebuild of monitored_days: ONE statement per batch of patients aggregates their events and
 * heartbeats per patient-local date inside the database, upserts the rows that changed, deletes the rows that
 * no longer hold data, and returns the day facts the period engine needs. No event crosses the wire.
 *
 * Rules: the same as the TypeScript day engine (monitored-days.ts), bound from the same `DayRules`
 * (billing-policy.ts `dayRulesOf`): an event qualifies when `kind = ANY(kinds) AND source = ANY(sources) AND
 * time_quality = ANY(qualities)`; events whose quality is in `daylessQualities` or without a time create no
 * day; a day qualifies with at least `minEventsPerDay` qualifying events. The local date is
 * `(instant AT TIME ZONE patients.time_zone)::date`, which uses the offset in force at the instant (DST-safe),
 * as `localDateOf` does. Strings are sorted `COLLATE "C"` (code-point order, as JavaScript's sort).
 * cloud/test/integration/billing-days-sql.test.ts proves both engines agree on random inputs.
 */
import { EventKind } from '../../../protocol/src/messages.ts';
import { arrayLiteral } from '../db/array-literal.ts';
import type { Queryable } from '../db/database.ts';
import { dayRulesOf, EVENT_SOURCES, type BillingPolicy } from './billing-policy.ts';
import type { MonitoredDay } from './monitored-days.ts';

const KNOWN_KINDS = [...new Set<number>(Object.values(EventKind))].sort((a, b) => a - b);

// distinct qualifying sources, sorted as the TypeScript engine sorts them; events.source is CHECKed to EVENT_SOURCES
const DISTINCT_SOURCES_SQL = `array_remove(ARRAY[${[...EVENT_SOURCES].sort().map((src) => `CASE WHEN bool_or(ev.q AND ev.source = '${src}') THEN '${src}' END`).join(', ')}]::text[], NULL)`;
// kind_counts in one pass: a FILTER count per known kind; a day holding an unknown kind (never produced by
// the decoder, but the column allows it) falls back to a generic count over the day's kinds.
const KNOWN_COUNTS = `jsonb_strip_nulls(jsonb_build_object(${KNOWN_KINDS.map((k) => `'${k}', nullif(count(*) FILTER (WHERE ev.kind = ${k}), 0)`).join(', ')}))`;
const UNKNOWN = `ev.kind <> ALL('{${KNOWN_KINDS.join(',')}}'::smallint[])`;
const KIND_COUNTS_SQL = `CASE WHEN count(*) FILTER (WHERE ${UNKNOWN}) = 0 THEN ${KNOWN_COUNTS}
       ELSE ${KNOWN_COUNTS} || (SELECT jsonb_object_agg(u.k::text, u.n) FROM (SELECT k, count(*) AS n FROM unnest(array_agg(ev.kind) FILTER (WHERE ${UNKNOWN})) AS k GROUP BY k) u) END`;

/**
 * What the statement returns per patient: nothing; `slim` facts (date, qualifying, sources, serials: what the
 * stored period record needs); `facts` (slim plus each qualifying event's id and source: full evidence); or
 * `full` rows (facts plus every event id of the day, kind counts and counts, for the equivalence test).
 */
export type DaysReturn = 'none' | 'slim' | 'facts' | 'full';

function daysStatement(returning: DaysReturn): string {
  const perDay: Record<Exclude<DaysReturn, 'none'>, string> = {
    slim: `json_build_array(d.local_date, d.qualifying, d.sources, d.serials)`,
    facts: `json_build_array(d.local_date, d.qualifying, d.sources, d.serials, d.qualifying_event_ids, d.qualifying_sources)`,
    full: `json_build_array(d.local_date, d.qualifying, d.sources, d.serials, d.qualifying_event_ids, d.qualifying_sources,
                            d.event_ids, d.kind_counts, d.event_count, d.heartbeat_count)`,
  };
  const output =
    returning === 'none'
      ? `NULL::text AS days_json`
      : `(SELECT json_agg(x.days)::text FROM (SELECT json_build_array(d.patient_id, json_agg(${perDay[returning]} ORDER BY d.local_date)) AS days
                                             FROM days d GROUP BY d.patient_id) x) AS days_json`;
  // every event id of the day is only returned (the equivalence test), never stored (migration 006)
  const eventIds = returning === 'full' ? `COALESCE(array_agg(ev.id) FILTER (WHERE ev.id IS NOT NULL), '{}')` : `NULL::bigint[]`;
  return `
WITH input AS MATERIALIZED (
  SELECT p.id AS patient_id, p.time_zone, r.kinds::smallint[] AS kinds, r.sources::text[] AS sources, r.qualities::text[] AS qualities,
         r.min_events, r.dayless::text[] AS dayless
    FROM unnest($1::uuid[], $2::integer[]) AS x(patient_id, rules_no)
    JOIN patients p ON p.id = x.patient_id
    JOIN unnest($3::text[], $4::text[], $5::text[], $6::integer[], $7::text[]) WITH ORDINALITY AS r(kinds, sources, qualities, min_events, dayless, rules_no)
      ON r.rules_no = x.rules_no
),
-- a heartbeat belongs to the patient who held the cap at sampled_at, over [assigned_at, unassigned_at)
held AS (
  SELECT DISTINCT i.patient_id, i.time_zone, a.device_id, dv.serial
    FROM input i JOIN device_assignments a ON a.patient_id = i.patient_id JOIN devices dv ON dv.id = a.device_id
),
-- events and heartbeats in one stream (a heartbeat has no id), so one sort and one aggregation build every day
ev AS (
  SELECT i.patient_id, (e.occurred_at AT TIME ZONE i.time_zone)::date AS local_date, e.id, e.kind, e.source, dv.serial,
         (e.kind = ANY(i.kinds) AND e.source = ANY(i.sources) AND e.time_quality = ANY(i.qualities)) AS q
    FROM input i
    JOIN events e ON e.patient_id = i.patient_id
    JOIN devices dv ON dv.id = e.device_id
   WHERE e.occurred_at IS NOT NULL AND e.time_quality <> ALL(i.dayless)
  UNION ALL
  SELECT hp.patient_id, (h.sampled_at AT TIME ZONE hp.time_zone)::date, NULL::bigint, NULL::smallint, NULL::text, hp.serial, false
    FROM held hp
    JOIN heartbeats h ON h.device_id = hp.device_id AND h.sampled_at IS NOT NULL
   WHERE EXISTS (SELECT 1 FROM device_assignments a
                  WHERE a.patient_id = hp.patient_id AND a.device_id = h.device_id
                    AND h.sampled_at >= a.assigned_at AND (a.unassigned_at IS NULL OR h.sampled_at < a.unassigned_at))
),
-- rows reach the aggregates in (patient, date, id) order: plain array_agg keeps that order without a sort per
-- group and per aggregate (the billing property test checks the result on PostgreSQL and PGlite)
dd AS (
  SELECT ev.patient_id, ev.local_date,
         ${eventIds} AS event_ids,
         COALESCE(array_agg(ev.id) FILTER (WHERE ev.q), '{}') AS q_ids,
         COALESCE(array_agg(ev.source) FILTER (WHERE ev.q), '{}') AS q_sources,
         ${DISTINCT_SOURCES_SQL} AS q_distinct_sources,
         -- distinct serials, sorted; the sort runs only on days that saw more than one cap
         CASE WHEN min(ev.serial) = max(ev.serial) THEN ARRAY[min(ev.serial)]
              ELSE ARRAY(SELECT DISTINCT s COLLATE "C" FROM unnest(array_agg(ev.serial)) AS s ORDER BY 1) END AS serials,
         count(ev.id)::integer AS event_count,
         count(*) FILTER (WHERE ev.id IS NULL)::integer AS heartbeat_count,
         ${KIND_COUNTS_SQL} AS kind_counts
    FROM (SELECT * FROM ev ORDER BY ev.patient_id, ev.local_date, ev.id) ev
   GROUP BY ev.patient_id, ev.local_date
),
days AS MATERIALIZED (
  SELECT dd.patient_id, dd.local_date, dd.event_ids, dd.event_count, dd.heartbeat_count, dd.kind_counts, dd.serials, q.qualifying,
         CASE WHEN q.qualifying THEN dd.q_ids ELSE '{}' END AS qualifying_event_ids,
         CASE WHEN q.qualifying THEN dd.q_sources ELSE '{}' END AS qualifying_sources,
         CASE WHEN q.qualifying THEN dd.q_distinct_sources ELSE '{}' END AS sources
    FROM dd JOIN input i ON i.patient_id = dd.patient_id
   CROSS JOIN LATERAL (SELECT cardinality(dd.q_ids) >= i.min_events AS qualifying) q
),
stored AS (
  SELECT count(*) AS n FROM monitored_days m WHERE m.patient_id = ANY($1::uuid[])
),
written AS (
  INSERT INTO monitored_days AS m (patient_id, local_date, device_active, qualifying, qualifying_event_ids, qualifying_sources,
                                   sources, serials, event_count, heartbeat_count, kind_counts, updated_at)
  SELECT d.patient_id, d.local_date, true, d.qualifying, d.qualifying_event_ids, d.qualifying_sources,
         d.sources, d.serials, d.event_count, d.heartbeat_count, d.kind_counts, now()
    FROM days d
  ON CONFLICT (patient_id, local_date) DO UPDATE SET
    device_active = EXCLUDED.device_active, qualifying = EXCLUDED.qualifying, qualifying_event_ids = EXCLUDED.qualifying_event_ids,
    qualifying_sources = EXCLUDED.qualifying_sources, sources = EXCLUDED.sources,
    serials = EXCLUDED.serials, event_count = EXCLUDED.event_count, heartbeat_count = EXCLUDED.heartbeat_count,
    kind_counts = EXCLUDED.kind_counts, updated_at = now()
  -- an unchanged day is not rewritten
  WHERE (m.device_active, m.qualifying, m.qualifying_event_ids, m.qualifying_sources, m.sources, m.serials,
         m.event_count, m.heartbeat_count, m.kind_counts)
        IS DISTINCT FROM
        (EXCLUDED.device_active, EXCLUDED.qualifying, EXCLUDED.qualifying_event_ids, EXCLUDED.qualifying_sources,
         EXCLUDED.sources, EXCLUDED.serials, EXCLUDED.event_count, EXCLUDED.heartbeat_count, EXCLUDED.kind_counts)
  RETURNING (xmax = 0) AS inserted
),
-- stored rows that no rebuilt day matched = stored - (rebuilt - newly inserted); the anti-join below only runs
-- when that is not zero (a one-time filter), which is the common case of a rebuild
stale AS (
  SELECT (SELECT n FROM stored) - ((SELECT count(*) FROM days) - (SELECT count(*) FROM written WHERE inserted)) AS n
),
removed AS (
  DELETE FROM monitored_days m
   WHERE (SELECT n FROM stale) > 0
     AND m.patient_id = ANY($1::uuid[])
     AND NOT EXISTS (SELECT 1 FROM days d WHERE d.patient_id = m.patient_id AND d.local_date = m.local_date)
  RETURNING 1
)
SELECT (SELECT count(*) FROM days)::integer AS days, (SELECT count(*) FROM written)::integer AS written,
       (SELECT count(*) FROM removed)::integer AS removed, ${output}`;
}

const statements = new Map<DaysReturn, string>();
const statementFor = (returning: DaysReturn): string => {
  let s = statements.get(returning);
  if (!s) statements.set(returning, (s = daysStatement(returning)));
  return s;
};


export interface DaysSqlResult {
  /** day rows the patients have now */
  days: number;
  /** rows inserted or changed */
  written: number;
  /** rows deleted (no data left on that date) */
  removed: number;
  /** per patient, when asked for: facts (for the period engine) or full rows */
  byPatient: Map<string, MonitoredDay[]>;
}

/**
 * Rebuilds every monitored_days row of these patients from their events and heartbeats, in the database.
 * `policies` gives each patient's policy (patients missing from it are skipped).
 */
export async function rebuildDaysInSql(
  q: Queryable,
  policies: ReadonlyMap<string, BillingPolicy>,
  options: { returning?: DaysReturn } = {},
): Promise<DaysSqlResult> {
  const returning = options.returning ?? 'facts';
  const byPatient = new Map<string, MonitoredDay[]>();
  if (policies.size === 0) return { days: 0, written: 0, removed: 0, byPatient };
  // distinct rule sets (usually one per organisation) travel once; patients point at theirs
  const ruleNo = new Map<string, number>();
  const rules: { kinds: string; sources: string; qualities: string; min: number; dayless: string }[] = [];
  const patientIds: string[] = [];
  const patientRules: number[] = [];
  for (const [patientId, policy] of policies) {
    const r = dayRulesOf(policy);
    const row = { kinds: arrayLiteral(r.kinds), sources: arrayLiteral(r.sources), qualities: arrayLiteral(r.qualities), min: r.minEventsPerDay, dayless: arrayLiteral(r.daylessQualities) };
    const key = JSON.stringify(row);
    let n = ruleNo.get(key);
    if (n === undefined) {
      rules.push(row);
      ruleNo.set(key, (n = rules.length));
    }
    patientIds.push(patientId);
    patientRules.push(n);
    if (returning !== 'none') byPatient.set(patientId, []);
  }
  const { rows } = await q.query<{ days: number; written: number; removed: number; days_json: string | null }>(
    statementFor(returning),
    [patientIds, patientRules, rules.map((r) => r.kinds), rules.map((r) => r.sources), rules.map((r) => r.qualities), rules.map((r) => r.min), rules.map((r) => r.dayless)],
  );
  const row = rows[0]!;
  const text = row.days_json;
  if (text) {
    type Slim = [string, boolean, string[], string[]];
    type Facts = [...Slim, number[], string[]];
    type Full = [...Facts, number[], Record<string, number>, number, number];
    for (const [patientId, list] of JSON.parse(text) as [string, (Slim | Facts | Full)[]][]) {
      const out = byPatient.get(patientId)!;
      for (const d of list) {
        const full = d.length > 6 ? (d as Full) : undefined;
        out.push({
          localDate: d[0],
          deviceActive: true,
          qualifying: d[1],
          sources: d[2],
          serials: d[3],
          qualifyingEventIds: d.length > 4 ? (d as Facts)[4] : [],
          qualifyingEventSources: d.length > 4 ? (d as Facts)[5] : [],
          eventIds: full ? full[6] : [],
          kindCounts: full ? full[7] : {},
          eventCount: full ? full[8] : 0,
          heartbeatCount: full ? full[9] : 0,
        });
      }
    }
  }
  return { days: Number(row.days), written: Number(row.written), removed: Number(row.removed), byPatient };
}
