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
import { findPatientInOrg } from '../repositories/patients.ts';

export interface LoadedPatient {
  id: string;
  orgId: string;
  timeZone: string;
  monitoringStart: string;
  rpmActive: boolean;
  regimen: { dosesPerDay?: number; reminderMinutes?: number[] };
}

export interface PatientBillingView {
  patient: LoadedPatient;
  billing: PatientBilling;
}

/** The patient if it belongs to `orgId`, else undefined. */
export async function patientOfOrg(db: Queryable, orgId: string, patientId: string): Promise<LoadedPatient | undefined> {
  const p = await findPatientInOrg(db, orgId, patientId);
  if (!p) return undefined;
  return { id: p.id, orgId: p.orgId, timeZone: p.timeZone, monitoringStart: toLocalDate(p.monitoringStart), rpmActive: p.rpmActive, regimen: p.regimen ?? {} };
}

/** Billing for one patient of `orgId` as of `asOf`; undefined when the patient is not in that organisation. */
export async function loadPatientBilling(db: Queryable, orgId: string, patientId: string, asOf: Date): Promise<PatientBillingView | undefined> {
  const patient = await patientOfOrg(db, orgId, patientId);
  if (!patient) return undefined;
  const computed = (await computeBillingForPatients(db, [patient.id], asOf)).get(patient.id);
  if (!computed) return undefined;
  return { patient, billing: computed.billing };
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
