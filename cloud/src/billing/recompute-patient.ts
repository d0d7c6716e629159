/**
 * Recompute entry points: rebuild days from events and heartbeats, recompute periods, store them (status,
 * codes, evidence, amendment diff). `billingForPatient` only reads.
 */
import type { Database, Queryable } from '../db/database.ts';
import { PatientNotFoundError } from './billing-errors.ts';
import { listOrganisationPatientIds, savePeriods } from './billing-repository.ts';
import { computeBillingForPatients } from './patient-billing-loader.ts';
import type { DayFacts, PatientBilling } from './patient-billing.ts';
import { rebuildDaysForPatients } from './refresh-days.ts';

export { PatientNotFoundError };

/** Recomputes and stores the periods of these patients from their stored days (inside the caller's tx). */
export async function recomputePeriodsInTx(
  tx: Queryable,
  patientIds: readonly string[],
  asOf: Date,
  preloadedDays?: ReadonlyMap<string, readonly DayFacts[]>,
): Promise<Map<string, PatientBilling>> {
  const computed = await computeBillingForPatients(tx, patientIds, asOf, preloadedDays);
  await savePeriods(
    tx,
    [...computed.entries()].map(([patientId, c]) => ({ patientId, periods: c.billing.periods })),
  );
  return new Map([...computed.entries()].map(([id, c]) => [id, c.billing]));
}

/** Full recompute of several patients: days from raw events/heartbeats, then periods. One transaction. */
export async function recomputePatients(db: Database, patientIds: readonly string[], options: { asOf?: Date } = {}): Promise<Map<string, PatientBilling>> {
  const asOf = options.asOf ?? new Date();
  return db.transaction(async (tx) => {
    const days = await rebuildDaysForPatients(tx, patientIds, { recomputeExportedPeriods: false });
    return recomputePeriodsInTx(tx, patientIds, asOf, days);
  });
}

export async function recomputePatient(db: Database, patientId: string, options: { asOf?: Date } = {}): Promise<PatientBilling> {
  const result = (await recomputePatients(db, [patientId], options)).get(patientId);
  if (!result) throw new PatientNotFoundError(patientId);
  return result;
}

/** Days, periods with codes and evidence, management months, as of `asOf` (default now). Read-only. */
export async function billingForPatient(db: Queryable, patientId: string, options: { asOf?: Date } = {}): Promise<PatientBilling> {
  const result = (await computeBillingForPatients(db, [patientId], options.asOf ?? new Date())).get(patientId);
  if (!result) throw new PatientNotFoundError(patientId);
  return result.billing;
}

/**
 * Recomputes every patient of an organisation (after a change to organisations.settings.billing: stored days
 * carry the qualification of the policy they were built with). Batches of 1,000 patients, one transaction each.
 */
export async function recomputeOrganisation(db: Database, orgId: string, options: { asOf?: Date } = {}): Promise<{ patients: number }> {
  const ids = await listOrganisationPatientIds(db, orgId);
  for (let i = 0; i < ids.length; i += 1_000) await recomputePatients(db, ids.slice(i, i + 1_000), options);
  return { patients: ids.length };
}
