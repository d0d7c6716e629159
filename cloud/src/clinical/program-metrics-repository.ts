/**
 * Loads the facts behind the program metrics (program-metrics.ts) for one organisation, optionally one
 * coordinator's patients. Periods and codes come from the billing engine itself (computeBillingForPatients,
 * in chunks), so the metrics count exactly what billing would claim, with the same guards (RPM, 98975
 * order, device logistics excluded from management minutes).
 */
import { EventKind } from '../../../protocol/src/messages.ts';
import type { Queryable } from '../db/database.ts';
import { computeBillingForPatients, type PatientBillingWithContext } from '../billing/patient-billing-loader.ts';
import { addDays, dateRange, localDateOf, monthOf, toLocalDate, utcWindowCovering, type LocalDate } from '../billing/local-date.ts';
import { computeAdherence } from '../adherence/compute-adherence.ts';
import { resolveAdherenceOptions } from '../adherence/adherence-options.ts';
import { computeProgramMetrics, type MetricsPatient, type ProgramMetrics } from './program-metrics.ts';
import { loadFeeSchedule } from './fee-schedule-repository.ts';

const BILLING_CHUNK = 500;
const ADHERENCE_WINDOW = 30;

interface PatientRow {
  id: string;
  coordinator_id: string | null;
  time_zone: string;
  monitoring_start: string;
  regimen: { dosesPerDay?: number; reminderMinutes?: number[] } | null;
}

const byPatient = <T>(rows: readonly T[], id: (r: T) => string): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = id(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
};

const monthCounts = (rows: readonly { month: string; n: number | string }[] | undefined): Map<string, number> => new Map((rows ?? []).map((r) => [r.month, Number(r.n)]));

export async function loadProgramMetrics(
  db: Queryable,
  input: { orgId: string; from: string; to: string; coordinatorId?: string | null; now: Date },
): Promise<ProgramMetrics> {
  const feeSchedule = await loadFeeSchedule(db, input.orgId);
  const { rows: patients } = await db.query<PatientRow>(
    `SELECT p.id, cp.coordinator_id, p.time_zone, p.monitoring_start::text AS monitoring_start, p.regimen
       FROM patients p LEFT JOIN care_plans cp ON cp.patient_id = p.id
      WHERE p.org_id = $1 AND ($2::uuid IS NULL OR cp.coordinator_id = $2)`,
    [input.orgId, input.coordinatorId ?? null],
  );
  const ids = patients.map((p) => p.id);
  if (ids.length === 0) return computeProgramMetrics({ patients: [], from: input.from, to: input.to, feeSchedule });

  const { rows: dayRows } = await db.query<{ patient_id: string; dates: (string | Date)[] }>(
    `SELECT md.patient_id, array_agg(md.local_date ORDER BY md.local_date) AS dates
       FROM monitored_days md JOIN patients p ON p.id = md.patient_id
      WHERE md.patient_id = ANY($1::uuid[]) AND (md.device_active OR md.qualifying) AND md.local_date >= p.monitoring_start
      GROUP BY md.patient_id`,
    [ids],
  );
  const dataDates = new Map(dayRows.map((r) => [r.patient_id, r.dates.map((d) => toLocalDate(d))]));
  const grouped = async (table: 'interactive_communications' | 'therapy_changes') =>
    byPatient((await db.query<{ patient_id: string; month: string; n: number | string }>(`SELECT patient_id, month, count(*) AS n FROM ${table} WHERE patient_id = ANY($1::uuid[]) GROUP BY patient_id, month`, [ids])).rows, (r) => r.patient_id);
  const comms = await grouped('interactive_communications');
  const changes = await grouped('therapy_changes');
  const { rows: alertRows } = await db.query<{ patient_id: string; raised_at: Date; acted_at: Date | null }>(
    `SELECT patient_id, raised_at, COALESCE(acknowledged_at, CASE WHEN closed_by IS NOT NULL THEN closed_at END) AS acted_at
       FROM alerts WHERE org_id = $1 AND patient_id = ANY($2::uuid[])`,
    [input.orgId, ids],
  );
  const alerts = byPatient(alertRows, (r) => r.patient_id);

  const billing = new Map<string, PatientBillingWithContext>();
  for (let i = 0; i < ids.length; i += BILLING_CHUNK) {
    for (const [id, b] of await computeBillingForPatients(db, ids.slice(i, i + BILLING_CHUNK), input.now)) billing.set(id, b);
  }

  const adherence = await loadAdherence(db, input.orgId, patients, dataDates, input.now);

  const facts: MetricsPatient[] = patients.map((p) => {
    const today = localDateOf(input.now, p.time_zone);
    const dates = dataDates.get(p.id) ?? [];
    const b = billing.get(p.id)?.billing;
    const currentMonth = monthOf(today);
    return {
      id: p.id,
      coordinatorId: p.coordinator_id,
      today,
      monitoringStart: p.monitoring_start,
      activationDate: dates[0] ?? null,
      dataDates: dates,
      periods: (b?.periods ?? []).filter((x) => x.status !== 'open').map((x) => ({ endDate: x.endDate, monitoredDays: x.monitoredDays, codes: x.codes })),
      managementMonths: (b?.management ?? []).filter((m) => m.month < currentMonth).map((m) => ({ month: m.month, codes: m.codes })),
      communicationsByMonth: monthCounts(comms.get(p.id)),
      therapyChangesByMonth: monthCounts(changes.get(p.id)),
      alerts: (alerts.get(p.id) ?? []).map((a) => ({
        month: monthOf(localDateOf(a.raised_at, p.time_zone)),
        minutesToAcknowledge: a.acted_at ? Math.max(0, (a.acted_at.getTime() - a.raised_at.getTime()) / 60_000) : null,
      })),
      adherence: adherence.get(p.id) ?? { first30: null, latest30: null },
    };
  });
  return computeProgramMetrics({ patients: facts, from: input.from, to: input.to, feeSchedule });
}

/**
 * Taking adherence in the first 30 days after activation and in the latest 30 (ending yesterday), for the
 * patients with at least 60 days since activation (two windows that do not overlap).
 */
async function loadAdherence(
  db: Queryable,
  orgId: string,
  patients: readonly PatientRow[],
  dataDates: ReadonlyMap<string, LocalDate[]>,
  now: Date,
): Promise<Map<string, { first30: number | null; latest30: number | null }>> {
  const windows = patients.flatMap((p) => {
    const activation = dataDates.get(p.id)?.[0];
    if (!activation) return [];
    const yesterday = addDays(localDateOf(now, p.time_zone), -1);
    const latestFrom = addDays(yesterday, -(ADHERENCE_WINDOW - 1));
    const firstTo = addDays(activation, ADHERENCE_WINDOW - 1);
    if (latestFrom <= firstTo) return [];
    return [{ p, first: { from: activation, to: firstTo }, latest: { from: latestFrom, to: yesterday } }];
  });
  const out = new Map<string, { first30: number | null; latest30: number | null }>();
  if (windows.length === 0) return out;
  const { rows: org } = await db.query<{ settings: unknown }>('SELECT settings FROM organisations WHERE id = $1', [orgId]);
  const options = resolveAdherenceOptions(org[0]?.settings ?? {});
  const spans = windows.map((w) => ({ id: w.p.id, ...utcWindowCovering(addDays(w.first.from, -1), addDays(w.latest.to, 1)) }));
  const { rows: openings } = await db.query<{ patient_id: string; id: number; occurred_at: Date }>(
    `SELECT e.patient_id, e.id, e.occurred_at
       FROM jsonb_to_recordset($1::jsonb) AS w(id uuid, s timestamptz, e timestamptz)
       JOIN events e ON e.patient_id = w.id AND e.occurred_at >= w.s AND e.occurred_at < w.e
      WHERE e.kind = $2 AND e.time_quality <> 'unresolved'
      ORDER BY e.patient_id, e.occurred_at, e.id`,
    [JSON.stringify(spans.map((s) => ({ id: s.id, s: s.start.toISOString(), e: s.end.toISOString() }))), EventKind.LidOpened],
  );
  const byId = byPatient(openings, (r) => r.patient_id);
  const { rows: assignments } = await db.query<{ patient_id: string; assigned_at: Date; unassigned_at: Date | null }>(
    'SELECT patient_id, assigned_at, unassigned_at FROM device_assignments WHERE patient_id = ANY($1::uuid[])',
    [windows.map((w) => w.p.id)],
  );
  const assigned = byPatient(assignments, (r) => r.patient_id);
  for (const w of windows) {
    const zone = w.p.time_zone;
    const dosesPerDay = Number.isInteger(w.p.regimen?.dosesPerDay) && w.p.regimen!.dosesPerDay! >= 1 ? w.p.regimen!.dosesPerDay! : 1;
    const regimen = { dosesPerDay, reminderMinutes: w.p.regimen?.reminderMinutes };
    const opened = (byId.get(w.p.id) ?? []).map((o) => ({ eventId: Number(o.id), at: o.occurred_at }));
    // as the adherence view does: a date is observed when a cap was assigned for part of it, else NA
    const observed = new Set<LocalDate>();
    for (const a of assigned.get(w.p.id) ?? []) {
      const start = localDateOf(a.assigned_at, zone);
      const end = a.unassigned_at ? localDateOf(a.unassigned_at.getTime() - 1, zone) : w.latest.to;
      if (end >= start) for (const d of dateRange(start > w.first.from ? start : w.first.from, end < w.latest.to ? end : w.latest.to)) observed.add(d);
    }
    const taking = (range: { from: LocalDate; to: LocalDate }) =>
      computeAdherence({ zone, from: range.from, to: range.to, regimen, openings: opened, observedDates: observed, options }).summary.takingAdherence;
    out.set(w.p.id, { first30: taking(w.first), latest30: taking(w.latest) });
  }
  return out;
}

/** Names of the organisation's users among `ids` (the coordinators a metrics row is about). */
export async function userNames(q: Queryable, orgId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; name: string }>('SELECT id, name FROM users WHERE org_id = $1 AND id = ANY($2::uuid[])', [orgId, [...ids]]);
  return new Map(rows.map((u) => [u.id, u.name]));
}
