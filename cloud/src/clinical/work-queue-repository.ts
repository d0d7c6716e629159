/**
 * The stored work queue (work_items): one row per patient and patient-local month, recomputed from what is
 * recorded, so /v1/worklist is one indexed read. `refreshWorkItems` is set-based: a fixed number of
 * statements whatever the number of patients (grouped aggregates over `= ANY($1)`, one upsert per 2,000
 * rows), so the scheduled sweep of every patient and the one-patient refresh after a write run the same
 * code.
 *
 * A row whose content did not change is not rewritten (a sweep mostly finds nothing new), so `computed_at`
 * is when the row last changed.
 *
 * Months kept per patient: the current patient-local month, and the previous month while it is still in
 * its closing window: until the organisation has exported that month's billing report, and never past the
 * 10th day of the new month (work-items.ts CLOSING_WINDOW_DAYS). The month's documentation and data review
 * are usually completed in those first days, before the export; after it the claim is made and the month's
 * work can no longer change it. Rows of other months are deleted for the refreshed patients: the queue
 * holds what is still to do, the records themselves stay in their tables.
 */
import type { Queryable } from '../db/database.ts';
import { addDays, localDateOf, monthBounds, monthOf, type LocalDate, type LocalMonth } from '../billing/local-date.ts';
import { periodBounds, periodIndexOf } from '../billing/supply-periods.ts';
import { NON_MANAGEMENT_CATEGORIES } from '../billing/time-categories.ts';
import { WORK_ITEM_KINDS, closingWindowEnd, computeWorkItems, type PatientMonthSnapshot } from './work-items.ts';

interface PatientRow {
  id: string;
  org_id: string;
  time_zone: string;
  monitoring_start: string;
  period_anchor: string;
  rpm_active: boolean;
  diagnosis: string | null;
  coordinator_id: string | null;
  clinical_owner_id: string | null;
}

/** One patient-month to compute: the snapshot's calendar fields, plus the patient row and its current period. */
interface Target extends Pick<PatientMonthSnapshot, 'month' | 'monthFirst' | 'monthLast' | 'today' | 'closing' | 'windowEnds'> {
  patient: PatientRow;
  period: { index: number; startDate: LocalDate; endDate: LocalDate } | null;
}

const key = (patientId: string, month: string) => `${patientId}|${month}`;
const UPSERT_CHUNK = 2_000;

async function loadPatients(q: Queryable, patientIds: readonly string[] | undefined): Promise<PatientRow[]> {
  const { rows } = await q.query<PatientRow>(
    `SELECT p.id, p.org_id, p.time_zone, p.monitoring_start::text AS monitoring_start, p.period_anchor::text AS period_anchor, p.rpm_active, p.diagnosis,
            cp.coordinator_id, cp.clinical_owner_id
       FROM patients p LEFT JOIN care_plans cp ON cp.patient_id = p.id
      WHERE ($1::uuid[] IS NULL OR p.id = ANY($1::uuid[]))`,
    [patientIds ? [...patientIds] : null],
  );
  return rows;
}

function targetsOf(patients: readonly PatientRow[], now: Date, exported: ReadonlySet<string>): Target[] {
  const out: Target[] = [];
  for (const p of patients) {
    const today = localDateOf(now, p.time_zone);
    if (p.monitoring_start > today) continue;
    const month = monthOf(today);
    const { first, last } = monthBounds(month);
    const index = periodIndexOf(p.period_anchor, today);
    const period = index >= 0 ? periodBounds(p.period_anchor, index) : null;
    out.push({ patient: p, month, monthFirst: first, monthLast: last, today, closing: false, windowEnds: null, period });
    const prevLast = addDays(first, -1);
    const prev = monthOf(prevLast);
    const windowEnds = closingWindowEnd(prevLast);
    if (today <= windowEnds && p.monitoring_start <= prevLast && !exported.has(`${p.org_id}|${prev}`)) {
      out.push({ patient: p, month: prev, monthFirst: monthBounds(prev).first, monthLast: prevLast, today, closing: true, windowEnds, period: null });
    }
  }
  return out;
}

type Counts = Map<string, number>;
async function countBy(q: Queryable, sql: string, params: unknown[]): Promise<Counts> {
  const { rows } = await q.query<{ patient_id: string; month: string; n: number | string }>(sql, params);
  return new Map(rows.map((r) => [key(r.patient_id, r.month), Number(r.n)]));
}

export interface RefreshOptions {
  /** only these patients (after a write); all patients when absent (the scheduled sweep) */
  patientIds?: readonly string[];
  now: Date;
}

/** Recomputes and stores the work items of these patients (or all) for their current and closing months. */
export async function refreshWorkItems(db: Queryable, options: RefreshOptions): Promise<{ refreshed: number }> {
  if (options.patientIds && options.patientIds.length === 0) return { refreshed: 0 };
  const patients = await loadPatients(db, options.patientIds);
  if (patients.length === 0) return { refreshed: 0 };
  const ids = patients.map((p) => p.id);
  const candidateMonths = new Set<string>();
  for (const p of patients) {
    const today = localDateOf(options.now, p.time_zone);
    candidateMonths.add(monthOf(today));
    candidateMonths.add(monthOf(addDays(`${monthOf(today)}-01`, -1)));
  }
  const months = [...candidateMonths];
  const { rows: exportRows } = await db.query<{ org_id: string; month: string }>(
    'SELECT DISTINCT org_id, month FROM billing_exports WHERE month = ANY($1::text[]) AND org_id = ANY($2::uuid[])',
    [months, [...new Set(patients.map((p) => p.org_id))]],
  );
  const targets = targetsOf(patients, options.now, new Set(exportRows.map((r) => `${r.org_id}|${r.month}`)));

  const scope = [ids, months];
  // the same split as the billing engine (time-categories.ts): device logistics is shown, never counted
  const { rows: timeRows } = await db.query<{ patient_id: string; month: string; counted: number | string; excluded: number | string }>(
    `SELECT patient_id, month, COALESCE(sum(minutes) FILTER (WHERE category <> ALL($3::text[])), 0) AS counted,
            COALESCE(sum(minutes) FILTER (WHERE category = ANY($3::text[])), 0) AS excluded
       FROM management_time WHERE patient_id = ANY($1::uuid[]) AND month = ANY($2::text[]) AND deleted_at IS NULL GROUP BY patient_id, month`,
    [...scope, [...NON_MANAGEMENT_CATEGORIES]],
  );
  const minutes = new Map(timeRows.map((r) => [key(r.patient_id, r.month), Number(r.counted)]));
  const excluded = new Map(timeRows.map((r) => [key(r.patient_id, r.month), Number(r.excluded)]));
  const comms = await countBy(db, 'SELECT patient_id, month, count(*) AS n FROM interactive_communications WHERE patient_id = ANY($1::uuid[]) AND month = ANY($2::text[]) GROUP BY patient_id, month', scope);
  const reviews = await countBy(db, 'SELECT patient_id, month, count(*) AS n FROM data_reviews WHERE patient_id = ANY($1::uuid[]) AND month = ANY($2::text[]) GROUP BY patient_id, month', scope);
  const changes = await countBy(db, 'SELECT patient_id, month, count(*) AS n FROM therapy_changes WHERE patient_id = ANY($1::uuid[]) AND month = ANY($2::text[]) GROUP BY patient_id, month', scope);
  const { rows: docRows } = await db.query<{ patient_id: string; month: string; why_monitored: string | null; what_reviewed: string | null; communication: string | null; what_changed: string | null }>(
    'SELECT patient_id, month, why_monitored, what_reviewed, communication, what_changed FROM monthly_documentation WHERE patient_id = ANY($1::uuid[]) AND month = ANY($2::text[])',
    scope,
  );
  const docs = new Map(docRows.map((r) => [key(r.patient_id, r.month), { whyMonitored: r.why_monitored, whatReviewed: r.what_reviewed, communication: r.communication, whatChanged: r.what_changed }]));
  const { rows: alertRows } = await db.query<{ patient_id: string; urgent: number | string; high: number | string; normal: number | string }>(
    `SELECT patient_id, count(*) FILTER (WHERE severity = 'urgent') AS urgent, count(*) FILTER (WHERE severity = 'high') AS high,
            count(*) FILTER (WHERE severity = 'normal') AS normal
       FROM alerts WHERE patient_id = ANY($1::uuid[]) AND status IN ('open', 'acknowledged') GROUP BY patient_id`,
    [ids],
  );
  const alerts = new Map(alertRows.map((r) => [r.patient_id, { urgent: Number(r.urgent), high: Number(r.high), normal: Number(r.normal) }]));
  const withPeriod = targets.filter((t) => t.period);
  const { rows: dayRows } = await db.query<{ pid: string; monitored: number | string; today_monitored: boolean }>(
    `SELECT w.pid, count(*) FILTER (WHERE md.qualifying) AS monitored, COALESCE(bool_or(md.qualifying AND md.local_date = w.today), false) AS today_monitored
       FROM unnest($1::uuid[], $2::date[], $3::date[]) AS w(pid, s, today)
       JOIN monitored_days md ON md.patient_id = w.pid AND md.local_date BETWEEN w.s AND w.today
      GROUP BY w.pid`,
    [withPeriod.map((t) => t.patient.id), withPeriod.map((t) => t.period!.startDate), withPeriod.map((t) => t.today)],
  );
  const days = new Map(dayRows.map((r) => [r.pid, { monitored: Number(r.monitored), todayMonitored: r.today_monitored }]));

  const rows = targets.map((t) => {
    const k = key(t.patient.id, t.month);
    const d = days.get(t.patient.id);
    const snapshot: PatientMonthSnapshot = {
      patientId: t.patient.id,
      month: t.month,
      monthFirst: t.monthFirst,
      monthLast: t.monthLast,
      today: t.today,
      closing: t.closing,
      windowEnds: t.windowEnds,
      rpmActive: t.patient.rpm_active,
      diagnosis: t.patient.diagnosis,
      minutes: minutes.get(k) ?? 0,
      excludedMinutes: excluded.get(k) ?? 0,
      communications: comms.get(k) ?? 0,
      dataReviews: reviews.get(k) ?? 0,
      therapyChanges: changes.get(k) ?? 0,
      documentation: docs.get(k) ?? null,
      alerts: alerts.get(t.patient.id) ?? { urgent: 0, high: 0, normal: 0 },
      period: t.period ? { ...t.period, monitoredDays: d?.monitored ?? 0, todayMonitored: d?.todayMonitored ?? false } : null,
    };
    const computed = computeWorkItems(snapshot);
    return {
      patient_id: t.patient.id, month: t.month, org_id: t.patient.org_id, coordinator_id: t.patient.coordinator_id, clinical_owner_id: t.patient.clinical_owner_id,
      urgency: computed.urgency, open_items: computed.openItems, items: computed.items, summary: computed.summary,
    };
  });

  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    await db.query(
      `INSERT INTO work_items (patient_id, month, org_id, coordinator_id, clinical_owner_id, urgency, open_items, items, summary, computed_at)
       SELECT r.patient_id, r.month, r.org_id, r.coordinator_id, r.clinical_owner_id, r.urgency, r.open_items, r.items, r.summary, $2
         FROM jsonb_to_recordset($1::jsonb) AS r(patient_id uuid, month text, org_id uuid, coordinator_id uuid, clinical_owner_id uuid, urgency integer,
                                                 open_items integer, items jsonb, summary jsonb)
       ON CONFLICT (patient_id, month) DO UPDATE SET org_id = EXCLUDED.org_id, coordinator_id = EXCLUDED.coordinator_id, clinical_owner_id = EXCLUDED.clinical_owner_id,
         urgency = EXCLUDED.urgency, open_items = EXCLUDED.open_items, items = EXCLUDED.items, summary = EXCLUDED.summary, computed_at = EXCLUDED.computed_at
       WHERE (work_items.org_id, work_items.coordinator_id, work_items.clinical_owner_id, work_items.urgency, work_items.open_items, work_items.items, work_items.summary)
             IS DISTINCT FROM (EXCLUDED.org_id, EXCLUDED.coordinator_id, EXCLUDED.clinical_owner_id, EXCLUDED.urgency, EXCLUDED.open_items, EXCLUDED.items, EXCLUDED.summary)`,
      [JSON.stringify(rows.slice(i, i + UPSERT_CHUNK)), options.now],
    );
  }
  await db.query(
    `DELETE FROM work_items w WHERE w.patient_id = ANY($1::uuid[])
        AND NOT EXISTS (SELECT 1 FROM unnest($2::uuid[], $3::text[]) AS k(pid, month) WHERE k.pid = w.patient_id AND k.month = w.month)`,
    [ids, rows.map((r) => r.patient_id), rows.map((r) => r.month)],
  );
  return { refreshed: rows.length };
}

export interface WorklistQuery {
  orgId: string;
  month: LocalMonth;
  /** a user id: items of patients this user coordinates or owns clinically; null = everyone's */
  assignee: string | null;
  minUrgency: number;
  limit: number;
  cursor: { urgency: number; patientId: string } | null;
}

export interface WorklistRow {
  patientId: string;
  reference: string;
  name: string;
  month: string;
  coordinatorId: string | null;
  clinicalOwnerId: string | null;
  urgency: number;
  openItems: number;
  items: unknown[];
  summary: Record<string, unknown>;
  computedAt: Date;
}

export interface WorklistCounts {
  total: number;
  done: number;
  byKind: Record<string, number>;
  byLevel: { urgent: number; high: number; normal: number };
}

/** One page of the month's open work, most urgent first (index work_items_org_month / _coordinator), and the counts. */
export async function listWorkItems(q: Queryable, query: WorklistQuery): Promise<{ rows: WorklistRow[]; counts: WorklistCounts }> {
  const { rows } = await q.query<{
    patient_id: string; reference: string; name: string; month: string; coordinator_id: string | null; clinical_owner_id: string | null; urgency: number;
    open_items: number; items: unknown[]; summary: Record<string, unknown>; computed_at: Date;
  }>(
    `SELECT w.patient_id, p.reference, p.name, w.month, w.coordinator_id, w.clinical_owner_id, w.urgency, w.open_items, w.items, w.summary, w.computed_at
       FROM work_items w JOIN patients p ON p.id = w.patient_id
      WHERE w.org_id = $1 AND w.month = $2 AND w.open_items > 0 AND w.urgency >= $3
        AND ($4::uuid IS NULL OR w.coordinator_id = $4 OR w.clinical_owner_id = $4)
        AND ($5::integer IS NULL OR w.urgency < $5 OR (w.urgency = $5 AND w.patient_id > $6::uuid))
      ORDER BY w.urgency DESC, w.patient_id
      LIMIT $7`,
    [query.orgId, query.month, query.minUrgency, query.assignee, query.cursor?.urgency ?? null, query.cursor?.patientId ?? null, query.limit],
  );
  const filters = [query.orgId, query.month, query.minUrgency, query.assignee];
  // summary.openKinds is extracted once per row (MATERIALIZED), then tested per kind: cheaper than testing
  // the items array once per kind
  const kindColumns = WORK_ITEM_KINDS.map((k, i) => `count(*) FILTER (WHERE open_items > 0 AND kinds ? $${i + 5}) AS k${i}`).join(', ');
  const { rows: countRows } = await q.query<Record<string, number | string>>(
    `WITH scoped AS MATERIALIZED (
       SELECT open_items, urgency, summary->'openKinds' AS kinds FROM work_items
        WHERE org_id = $1 AND month = $2 AND urgency >= $3 AND ($4::uuid IS NULL OR coordinator_id = $4 OR clinical_owner_id = $4))
     SELECT count(*) FILTER (WHERE open_items > 0) AS total, count(*) FILTER (WHERE open_items = 0) AS done,
            count(*) FILTER (WHERE open_items > 0 AND urgency >= 300000) AS urgent,
            count(*) FILTER (WHERE open_items > 0 AND urgency >= 10000 AND urgency < 300000) AS high,
            count(*) FILTER (WHERE open_items > 0 AND urgency < 10000) AS normal, ${kindColumns}
       FROM scoped`,
    [...filters, ...WORK_ITEM_KINDS],
  );
  const c = countRows[0] ?? {};
  return {
    rows: rows.map((r) => ({
      patientId: r.patient_id, reference: r.reference, name: r.name, month: r.month, coordinatorId: r.coordinator_id, clinicalOwnerId: r.clinical_owner_id,
      urgency: r.urgency, openItems: r.open_items, items: r.items, summary: r.summary, computedAt: r.computed_at,
    })),
    counts: {
      total: Number(c.total ?? 0),
      done: Number(c.done ?? 0),
      byKind: Object.fromEntries(WORK_ITEM_KINDS.map((k, i) => [k, Number(c[`k${i}`] ?? 0)])),
      byLevel: { urgent: Number(c.urgent ?? 0), high: Number(c.high ?? 0), normal: Number(c.normal ?? 0) },
    },
  };
}
