/**
 * Recompute entry points: rebuild days from events and heartbeats, recompute periods, store them (status,
 * codes, evidence, amendment diff). `billingForPatient` only reads.
 */
import type { Database, Queryable } from '../db/database.ts';
import { PatientNotFoundError } from './billing-errors.ts';
import { listOrganisationPatientIds, loadPatientContexts, savePeriods, type PatientContext } from './billing-repository.ts';
import { rebuildDaysInSql } from './days-sql.ts';
import { computeBillingForPatients } from './patient-billing-loader.ts';
import { lockPatientDays, patientDayBucket } from './patient-day-lock.ts';
import type { DayFacts, PatientBilling } from './patient-billing.ts';

export { PatientNotFoundError };

/** Milliseconds spent per phase (summed over batches and connections); filled when passed in, for the bench. */
export interface RecomputePhases {
  /** monitored_days rebuilt from events and heartbeats (one set-based statement per batch) */
  days: number;
  /** the other inputs loaded and the pure engine run (periods, codes, evidence) */
  periods: number;
  /** billing_periods written (unchanged rows skipped) */
  save: number;
}

const timed = async <T>(phases: RecomputePhases | undefined, phase: keyof RecomputePhases, work: () => Promise<T>): Promise<T> => {
  if (!phases) return work();
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    phases[phase] += performance.now() - t0;
  }
};

/** Recomputes and stores the periods of these patients from their stored days (inside the caller's tx). */
export async function recomputePeriodsInTx(
  tx: Queryable,
  patientIds: readonly string[],
  asOf: Date,
  preloadedDays?: ReadonlyMap<string, readonly DayFacts[]>,
  preloadedContexts?: ReadonlyMap<string, PatientContext>,
  phases?: RecomputePhases,
): Promise<Map<string, PatientBilling>> {
  const computed = await timed(phases, 'periods', () => computeBillingForPatients(tx, patientIds, asOf, preloadedDays, preloadedContexts));
  await timed(phases, 'save', () =>
    savePeriods(
      tx,
      [...computed.entries()].map(([patientId, c]) => ({ patientId, periods: c.billing.periods })),
    ),
  );
  return new Map([...computed.entries()].map(([id, c]) => [id, c.billing]));
}

/** Patients per statement from which the bulk plan (hash joins over whole tables) beats index lookups. */
const BULK_PLAN_MIN_PATIENTS = 500;

/**
 * Full recompute of several patients: days rebuilt from raw events/heartbeats by one set-based statement
 * (days-sql.ts), then periods, codes and evidence by the pure engine, stored. One transaction.
 */
export async function recomputePatients(
  db: Database,
  patientIds: readonly string[],
  options: { asOf?: Date; phases?: RecomputePhases } = {},
): Promise<Map<string, PatientBilling>> {
  const asOf = options.asOf ?? new Date();
  return db.transaction(async (tx) => {
    if (patientIds.length >= BULK_PLAN_MIN_PATIENTS) await useBulkPlan(tx);
    const { contexts, byPatient } = await timed(options.phases, 'days', async () => {
      // before reading events: serialised with the ingestor's refresh of the same patients
      await lockPatientDays(tx, patientIds);
      const contexts = await loadPatientContexts(tx, patientIds);
      const { byPatient } = await rebuildDaysInSql(tx, new Map([...contexts].map(([id, c]) => [id, c.policy])), { returning: 'facts' });
      return { contexts, byPatient };
    });
    return recomputePeriodsInTx(tx, [...contexts.keys()], asOf, byPatient, contexts, options.phases);
  });
}

/**
 * Transaction-local planner settings for statements over thousands of patients: the patient list arrives as
 * an array parameter, whose size the planner cannot see, so it would pick per-patient index lookups (nested
 * loops) where one pass over events and heartbeats with hash joins is several times cheaper; the aggregation
 * needs memory for its sorts; JIT compilation costs more than it saves here.
 */
async function useBulkPlan(tx: Queryable): Promise<void> {
  await tx.query(`SELECT set_config('enable_nestloop', 'off', true), set_config('work_mem', '256MB', true), set_config('jit', 'off', true)`);
}

/**
 * Full recompute of many patients, in batches (one transaction each) run on up to `concurrency` connections
 * at once (PGlite runs them one after another). Returns the counts only, so memory stays bounded.
 * Batches are made of whole day-lock buckets (patient-day-lock.ts), so concurrent batches never wait for
 * each other's locks, and each holds at most PATIENT_DAY_BUCKETS of them.
 */
export async function recomputePatientsInBatches(
  db: Database,
  patientIds: readonly string[],
  options: { asOf?: Date; batchSize?: number; concurrency?: number; phases?: RecomputePhases } = {},
): Promise<{ patients: number; periods: number }> {
  const batchSize = options.batchSize ?? 5_000;
  const concurrency = db.kind === 'pglite' ? 1 : Math.max(1, options.concurrency ?? 2);
  const batches = batchesByBucket(patientIds, batchSize);
  let next = 0;
  let periods = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      for (const b of (await recomputePatients(db, batch, options)).values()) periods += b.periods.length;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  return { patients: patientIds.length, periods };
}

/** Consecutive buckets packed up to `batchSize` patients (a bucket larger than that forms a batch alone). */
function batchesByBucket(patientIds: readonly string[], batchSize: number): string[][] {
  const byBucket = new Map<number, string[]>();
  for (const id of new Set(patientIds)) {
    const b = patientDayBucket(id);
    let list = byBucket.get(b);
    if (!list) byBucket.set(b, (list = []));
    list.push(id);
  }
  const batches: string[][] = [];
  let current: string[] = [];
  for (const b of [...byBucket.keys()].sort((x, y) => x - y)) {
    const list = byBucket.get(b)!;
    if (current.length > 0 && current.length + list.length > batchSize) {
      batches.push(current);
      current = [];
    }
    current.push(...list);
  }
  if (current.length > 0) batches.push(current);
  return batches;
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
 * carry the qualification of the policy they were built with). Batches of 5,000 patients, one transaction each.
 */
export async function recomputeOrganisation(db: Database, orgId: string, options: { asOf?: Date; concurrency?: number } = {}): Promise<{ patients: number }> {
  const ids = await listOrganisationPatientIds(db, orgId);
  await recomputePatientsInBatches(db, ids, options);
  return { patients: ids.length };
}
