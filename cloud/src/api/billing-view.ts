/**
 * The API's window onto C2's billing engine (cloud/src/billing). Monitored days come from the
 * monitored_days table that the ingestor keeps current (refreshDaysForEvents); periods, codes, evidence and
 * management months from `computeBillingForPatients`. Every lookup is checked against the caller's
 * organisation first, so the engine is never asked about another tenant's patient.
 */
import type { Queryable } from '../db/database.ts';
import { computeBillingForPatients } from '../billing/patient-billing-loader.ts';
import type { PatientBilling } from '../billing/patient-billing.ts';
import { toLocalDate } from '../billing/local-date.ts';

export interface LoadedPatient {
  id: string;
  orgId: string;
  timeZone: string;
  monitoringStart: string;
  rpmActive: boolean;
  regimen: { dosesPerDay?: number; reminderMinutes?: number[] };
}

export interface CalendarDayFacts {
  localDate: string;
  deviceActive: boolean;
  qualifying: boolean;
  eventCount: number;
  kindCounts: Record<string, number>;
}

export interface PatientBillingView {
  patient: LoadedPatient;
  billing: PatientBilling;
}

/** The patient if it belongs to `orgId`, else undefined. */
export async function patientOfOrg(db: Queryable, orgId: string, patientId: string): Promise<LoadedPatient | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(patientId)) return undefined;
  const result = await db.query<{ id: string; org_id: string; time_zone: string; monitoring_start: string | Date; rpm_active: boolean; regimen: LoadedPatient['regimen'] | null }>(
    'SELECT id, org_id, time_zone, monitoring_start, rpm_active, regimen FROM patients WHERE id = $1 AND org_id = $2',
    [patientId, orgId],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return { id: row.id, orgId: row.org_id, timeZone: row.time_zone, monitoringStart: toLocalDate(row.monitoring_start), rpmActive: row.rpm_active, regimen: row.regimen ?? {} };
}

/** Billing for one patient of `orgId` as of `asOf`; undefined when the patient is not in that organisation. */
export async function loadPatientBilling(db: Queryable, orgId: string, patientId: string, asOf: Date): Promise<PatientBillingView | undefined> {
  const patient = await patientOfOrg(db, orgId, patientId);
  if (!patient) return undefined;
  const computed = (await computeBillingForPatients(db, [patient.id], asOf)).get(patient.id);
  if (!computed) return undefined;
  return { patient, billing: computed.billing };
}

/** The stored day records (monitored / device-active, event counts per kind) of one patient. */
export async function calendarDays(db: Queryable, patientId: string): Promise<CalendarDayFacts[]> {
  const rows = await db.query<{ local_date: string | Date; device_active: boolean; qualifying: boolean; event_count: number; kind_counts: Record<string, number> | null }>(
    'SELECT local_date, device_active, qualifying, event_count, kind_counts FROM monitored_days WHERE patient_id = $1 ORDER BY local_date',
    [patientId],
  );
  return rows.rows.map((r) => ({ localDate: toLocalDate(r.local_date), deviceActive: r.device_active, qualifying: r.qualifying, eventCount: r.event_count, kindCounts: r.kind_counts ?? {} }));
}

export interface CurrentPeriodSummary {
  index: number;
  startDate: string;
  endDate: string;
  monitoredDays: number;
  deviceActiveDays: number;
  supplyCode: string | null;
  status: string;
}

/** This period's figures for each patient (absent when monitoring has not started yet). Ids must be of one org. */
export async function currentPeriodsFor(db: Queryable, patientIds: readonly string[], asOf: Date): Promise<Map<string, CurrentPeriodSummary>> {
  const out = new Map<string, CurrentPeriodSummary>();
  const computed = await computeBillingForPatients(db, patientIds, asOf);
  for (const [id, { billing }] of computed) {
    const period = billing.periods[billing.periods.length - 1];
    if (!period) continue;
    out.set(id, {
      index: period.index, startDate: period.startDate, endDate: period.endDate, monitoredDays: period.monitoredDays,
      deviceActiveDays: period.deviceActiveDays, supplyCode: period.supplyCode, status: period.status,
    });
  }
  return out;
}
