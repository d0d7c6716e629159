/**
 * Adherence and symptom queries for one patient over a local date range. Events with an unresolved time are
 * left out (their day is unknown); estimated times are kept for analytics (unlike billing).
 */
import { z } from 'zod';
import { EventKind } from '../../../protocol/src/messages.ts';
import type { Queryable } from '../db/database.ts';
import { BillingInputError, PatientNotFoundError } from '../billing/billing-errors.ts';
import { addDays, dateRange, isLocalDate, localDateOf, utcWindowCovering, type LocalDate } from '../billing/local-date.ts';
import { resolveAdherenceOptions } from './adherence-options.ts';
import { computeAdherence, type AdherenceResult, type Regimen } from './compute-adherence.ts';
import { buildSymptomTimeline, type SymptomTimelineEntry } from './symptom-timeline.ts';

const rangeSchema = z
  .object({ from: z.string().refine(isLocalDate, 'from must be YYYY-MM-DD'), to: z.string().refine(isLocalDate, 'to must be YYYY-MM-DD') })
  .refine((r) => r.from <= r.to, 'from must not be after to')
  .refine((r) => dateRange(r.from, r.to).length <= 731, 'range is limited to two years');

const regimenSchema = z.object({ dosesPerDay: z.number().int().min(1).max(24), reminderMinutes: z.array(z.number().int().min(0).max(1439)).max(24).optional() });

interface PatientRow {
  time_zone: string;
  regimen: unknown;
  settings: unknown;
}

async function loadPatient(q: Queryable, patientId: string): Promise<PatientRow> {
  const { rows } = await q.query<PatientRow>(
    'SELECT p.time_zone, p.regimen, o.settings FROM patients p JOIN organisations o ON o.id = p.org_id WHERE p.id = $1',
    [patientId],
  );
  if (!rows[0]) throw new PatientNotFoundError(patientId);
  return rows[0];
}

function parseRange(range: { from: string; to: string }): { from: LocalDate; to: LocalDate } {
  const r = rangeSchema.safeParse(range);
  if (!r.success) throw new BillingInputError(r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}

async function loadKindEvents(q: Queryable, patientId: string, kind: number, from: LocalDate, to: LocalDate) {
  const w = utcWindowCovering(addDays(from, -1), addDays(to, 1));
  const { rows } = await q.query<{ id: number; occurred_at: Date; args: number[]; serial: string }>(
    `SELECT e.id, e.occurred_at, e.args, d.serial FROM events e JOIN devices d ON d.id = e.device_id
      WHERE e.patient_id = $1 AND e.kind = $2 AND e.occurred_at >= $3 AND e.occurred_at < $4 AND e.time_quality <> 'unresolved'
      ORDER BY e.occurred_at, e.id`,
    [patientId, kind, w.start, w.end],
  );
  return rows;
}

export async function adherenceForPatient(
  q: Queryable,
  patientId: string,
  range: { from: string; to: string; options?: unknown },
): Promise<AdherenceResult & { patientId: string }> {
  const { from, to } = parseRange(range);
  const patient = await loadPatient(q, patientId);
  const options = resolveAdherenceOptions(patient.settings, range.options);
  const regimenParsed = regimenSchema.safeParse(patient.regimen);
  const regimen: Regimen = regimenParsed.success ? regimenParsed.data : { dosesPerDay: 1 };
  const openings = await loadKindEvents(q, patientId, EventKind.LidOpened, from, to);
  const { rows: assignments } = await q.query<{ assigned_at: Date; unassigned_at: Date | null }>(
    'SELECT assigned_at, unassigned_at FROM device_assignments WHERE patient_id = $1',
    [patientId],
  );
  // a date is observed when a cap was assigned for at least part of it (otherwise NA, not 0)
  const observed = new Set<LocalDate>();
  for (const a of assignments) {
    const start = localDateOf(a.assigned_at, patient.time_zone);
    const end = a.unassigned_at ? localDateOf(a.unassigned_at.getTime() - 1, patient.time_zone) : to;
    if (end < start) continue;
    const lo = start > from ? start : from;
    const hi = end < to ? end : to;
    if (lo <= hi) for (const d of dateRange(lo, hi)) observed.add(d);
  }
  const result = computeAdherence({
    zone: patient.time_zone,
    from,
    to,
    regimen,
    openings: openings.map((o) => ({ eventId: Number(o.id), at: o.occurred_at })),
    observedDates: observed,
    options,
  });
  return { patientId, ...result };
}

export async function symptomTimeline(q: Queryable, patientId: string, range: { from: string; to: string }): Promise<SymptomTimelineEntry[]> {
  const { from, to } = parseRange(range);
  const patient = await loadPatient(q, patientId);
  const rows = await loadKindEvents(q, patientId, EventKind.Symptom, from, to);
  return buildSymptomTimeline(
    rows.map((r) => ({ eventId: Number(r.id), at: r.occurred_at, pattern: Number(r.args?.[0] ?? 0), serial: r.serial })),
    patient.time_zone,
    from,
    to,
  );
}
