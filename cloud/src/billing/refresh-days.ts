/**
 * Keeps monitored_days in step with events and heartbeats. The ingestor calls `refreshDaysForEvents` inside
 * its transaction after inserting events. Each affected (patient, local date) is REBUILT from everything the
 * database holds for that date (not incremented), so duplicates, late and out-of-order arrivals converge on
 * the same rows, and a re-run changes nothing.
 *
 * If an affected date falls inside a period that was already exported, that patient's periods are
 * recomputed in the same transaction so the period is flagged amended at once (the export snapshot itself is
 * never touched).
 *
 * Every path that rebuilds days holds the patients' day locks first (patient-day-lock.ts), so a rebuild and
 * an ingest of the same patient never interleave their read and write.
 */
import type { Queryable } from '../db/database.ts';
import {
  deleteDays,
  loadEventsInWindows,
  loadHeartbeatsInWindows,
  loadPatientContexts,
  patientsWithExports,
  patientsWithExportsOverlapping,
  upsertDaysMany,
  type PatientWindow,
} from './billing-repository.ts';
import { localDateOf, utcWindowCovering, type LocalDate } from './local-date.ts';
import { buildMonitoredDays, type MonitoredDay } from './monitored-days.ts';
import { rebuildDaysInSql } from './days-sql.ts';
import { recomputePeriodsInTx } from './recompute-patient.ts';
import { lockPatientDays } from './patient-day-lock.ts';

export interface IngestedEvent {
  eventId: number;
  patientId: string | null;
  occurredAt: Date | null;
  kind: number;
  source: string;
}

/** Rebuilds the days these events touch. Events without a patient or a resolved time touch nothing. */
export async function refreshDaysForEvents(tx: Queryable, events: readonly IngestedEvent[], options: { now?: Date } = {}): Promise<void> {
  const instants = new Map<string, Date[]>();
  for (const e of events) {
    if (!e.patientId || !e.occurredAt || Number.isNaN(e.occurredAt.getTime())) continue;
    let list = instants.get(e.patientId);
    if (!list) instants.set(e.patientId, (list = []));
    list.push(e.occurredAt);
  }
  await refreshDaysAt(tx, instants, options.now ?? new Date());
}

/** Heartbeats make days device-active; the caller gives the patient the cap was assigned to at sampledAt. */
export async function refreshDaysForHeartbeats(tx: Queryable, heartbeats: readonly { patientId: string | null; sampledAt: Date | null }[], options: { now?: Date } = {}): Promise<void> {
  const instants = new Map<string, Date[]>();
  for (const h of heartbeats) {
    if (!h.patientId || !h.sampledAt || Number.isNaN(h.sampledAt.getTime())) continue;
    let list = instants.get(h.patientId);
    if (!list) instants.set(h.patientId, (list = []));
    list.push(h.sampledAt);
  }
  await refreshDaysAt(tx, instants, options.now ?? new Date());
}

/** Same as refreshDaysForHeartbeats, but resolves the patient from the device's assignment at sampledAt. */
export async function refreshDaysForDeviceHeartbeats(tx: Queryable, heartbeats: readonly { deviceId: string; sampledAt: Date | null }[], options: { now?: Date } = {}): Promise<void> {
  const valid = heartbeats.filter((h): h is { deviceId: string; sampledAt: Date } => !!h.sampledAt && !Number.isNaN(h.sampledAt.getTime()));
  if (valid.length === 0) return;
  const { rows } = await tx.query<{ i: number; patient_id: string }>(
    `SELECT r.i, a.patient_id
       FROM jsonb_to_recordset($1::jsonb) AS r(i integer, device_id uuid, t timestamptz)
       JOIN device_assignments a ON a.device_id = r.device_id AND a.assigned_at <= r.t AND (a.unassigned_at IS NULL OR a.unassigned_at > r.t)`,
    [JSON.stringify(valid.map((h, i) => ({ i, device_id: h.deviceId, t: h.sampledAt.toISOString() })))],
  );
  await refreshDaysForHeartbeats(tx, rows.map((r) => ({ patientId: r.patient_id, sampledAt: valid[r.i]!.sampledAt })), options);
}

async function refreshDaysAt(tx: Queryable, instants: Map<string, Date[]>, now: Date): Promise<void> {
  if (instants.size === 0) return;
  // a no-op when the caller (the ingestor) locked the whole set of its transaction already, as it should
  await lockPatientDays(tx, instants.keys());
  const contexts = await loadPatientContexts(tx, [...instants.keys()]);
  const affected = new Map<string, Set<LocalDate>>();
  const windows: PatientWindow[] = [];
  const ranges: { patientId: string; from: LocalDate; to: LocalDate }[] = [];
  for (const [patientId, list] of instants) {
    const ctx = contexts.get(patientId);
    if (!ctx) continue; // unknown patient: nothing to attribute
    const dates = new Set(list.map((t) => localDateOf(t, ctx.patient.timeZone)));
    const sorted = [...dates].sort();
    const from = sorted[0]!;
    const to = sorted[sorted.length - 1]!;
    const w = utcWindowCovering(from, to);
    windows.push({ patientId, start: w.start, end: w.end });
    ranges.push({ patientId, from, to });
    affected.set(patientId, dates);
  }
  const events = await loadEventsInWindows(tx, windows);
  const heartbeats = await loadHeartbeatsInWindows(tx, windows);
  const groups: { patientId: string; days: MonitoredDay[] }[] = [];
  const emptied: { patientId: string; localDate: LocalDate }[] = [];
  const eventsBy = groupByPatient(events);
  const heartbeatsBy = groupByPatient(heartbeats);
  for (const [patientId, dates] of affected) {
    const ctx = contexts.get(patientId)!;
    const days = buildMonitoredDays(eventsBy.get(patientId) ?? [], ctx.patient.timeZone, ctx.policy, heartbeatsBy.get(patientId) ?? []).filter((d) =>
      dates.has(d.localDate),
    );
    groups.push({ patientId, days });
    const present = new Set(days.map((d) => d.localDate));
    for (const d of dates) if (!present.has(d)) emptied.push({ patientId, localDate: d });
  }
  await upsertDaysMany(tx, groups);
  await deleteDays(tx, emptied);
  const touchedExports = await patientsWithExportsOverlapping(tx, ranges);
  if (touchedExports.length > 0) await recomputePeriodsInTx(tx, touchedExports, now);
}

/**
 * Rebuilds every day of these patients from scratch (policy or time-zone change, repair, reassignment), in the
 * database with one set-based statement (days-sql.ts; same rules as buildMonitoredDays, proven equal by test).
 */
export async function rebuildDaysForPatients(
  tx: Queryable,
  patientIds: readonly string[],
  options: { recomputeExportedPeriods?: boolean; now?: Date } = {},
): Promise<Map<string, MonitoredDay[]>> {
  if (patientIds.length === 0) return new Map();
  // before the rebuild reads events: an ingest refreshing these patients commits first, or waits for us
  await lockPatientDays(tx, patientIds);
  const contexts = await loadPatientContexts(tx, patientIds);
  const { byPatient } = await rebuildDaysInSql(tx, new Map([...contexts].map(([id, c]) => [id, c.policy])), { returning: 'full' });
  // exported periods must show an amendment at once (e.g. after a reassignment moved events)
  if (options.recomputeExportedPeriods ?? true) {
    const exported = await patientsWithExports(tx, [...contexts.keys()]);
    if (exported.length > 0) await recomputePeriodsInTx(tx, exported, options.now ?? new Date(), { days: byPatient, contexts });
  }
  return byPatient;
}

function groupByPatient<T extends { patientId: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    let l = out.get(r.patientId);
    if (!l) out.set(r.patientId, (l = []));
    l.push(r);
  }
  return out;
}
