/**
 * Recompute entry points: rebuild days from events and heartbeats, recompute periods, store their records
 * (status, counts, codes, dates, serials, amendment diff). `billingForPatient` only reads (with evidence).
 */
import type { Database, Queryable } from '../db/database.ts';
import { PatientNotFoundError } from './billing-errors.ts';
import { listOrganisationPatientIds, loadDays, loadPatientContexts, savePeriods, type PatientContext } from './billing-repository.ts';
import { rebuildDaysInSql } from './days-sql.ts';
import { computeBillingForPatients, computePeriodRecordsForPatients } from './patient-billing-loader.ts';
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

/**
 * Stores the period records of these patients (inside the caller's transaction): from their stored days
 * unless `days` is given (a rebuild just produced them), read without event ids since the record does not
 * hold them (evidence is built on read). Returns the number of periods.
 */
export async function recomputePeriodsInTx(
  tx: Queryable,
  patientIds: readonly string[],
  asOf: Date,
  options: { days?: ReadonlyMap<string, readonly DayFacts[]>; contexts?: ReadonlyMap<string, PatientContext>; phases?: RecomputePhases } = {},
): Promise<{ periods: number }> {
  const records = await timed(options.phases, 'periods', async () =>
    computePeriodRecordsForPatients(tx, patientIds, asOf, options.days ?? (await loadDays(tx, patientIds, { withEvents: false })), options.contexts),
  );
  await timed(options.phases, 'save', () => savePeriods(tx, [...records].map(([patientId, periods]) => ({ patientId, periods }))));
  let periods = 0;
  for (const list of records.values()) periods += list.length;
  return { periods };
}

/** Patients per statement from which the bulk plan (hash joins over whole tables) beats index lookups. */
const BULK_PLAN_MIN_PATIENTS = 500;

/** Rebuilds the patients' monitored days from raw events and heartbeats (one set-based statement), in `tx`. */
async function rebuildDays(
  tx: Queryable,
  patientIds: readonly string[],
  returning: 'facts' | 'slim',
  phases: RecomputePhases | undefined,
): Promise<{ contexts: Map<string, PatientContext>; days: Map<string, DayFacts[]> }> {
  return timed(phases, 'days', async () => {
    if (patientIds.length >= BULK_PLAN_MIN_PATIENTS) await useBulkPlan(tx);
    // before reading events: serialised with the ingestor's refresh of the same patients
    await lockPatientDays(tx, patientIds);
    const contexts = await loadPatientContexts(tx, patientIds);
    const { byPatient } = await rebuildDaysInSql(tx, new Map([...contexts].map(([id, c]) => [id, c.policy])), { returning });
    return { contexts, days: byPatient };
  });
}

/**
 * Full recompute of several patients in one transaction: days rebuilt from raw events and heartbeats, then
 * periods, codes and evidence by the pure engine; the period records stored. Returns full billing.
 */
export async function recomputePatients(
  db: Database,
  patientIds: readonly string[],
  options: { asOf?: Date; phases?: RecomputePhases } = {},
): Promise<Map<string, PatientBilling>> {
  const asOf = options.asOf ?? new Date();
  return db.transaction(async (tx) => {
    const { contexts, days } = await rebuildDays(tx, patientIds, 'facts', options.phases);
    const computed = await timed(options.phases, 'periods', () => computeBillingForPatients(tx, [...contexts.keys()], asOf, days, contexts));
    await timed(options.phases, 'save', () => savePeriods(tx, [...computed].map(([patientId, c]) => ({ patientId, periods: c.billing.periods }))));
    return new Map([...computed].map(([id, c]) => [id, c.billing]));
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

export interface BatchOptions {
  asOf?: Date;
  /** patients per transaction (default 5,000) */
  batchSize?: number;
  /** connections used at once (default 2; PGlite always 1) */
  concurrency?: number;
  phases?: RecomputePhases;
}

/**
 * Runs `work` over batches of patients, one transaction each, on up to `concurrency` connections at once
 * (PGlite runs them one after another); sums the periods. Batches are made of whole day-lock buckets
 * (patient-day-lock.ts), so concurrent batches never wait for each other's locks, and each holds at most
 * PATIENT_DAY_BUCKETS of them.
 */
async function inBatches(
  db: Database,
  patientIds: readonly string[],
  options: BatchOptions,
  work: (batch: readonly string[]) => Promise<number>,
): Promise<{ patients: number; periods: number }> {
  const concurrency = db.kind === 'pglite' ? 1 : Math.max(1, options.concurrency ?? 2);
  const batches = batchesByBucket(patientIds, options.batchSize ?? 5_000);
  let next = 0;
  let periods = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) periods += await work(batches[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  return { patients: new Set(patientIds).size, periods };
}

/**
 * Full recompute of many patients (after a policy or time-zone change, or a repair): days rebuilt from raw
 * events and heartbeats, then the period records. Returns the counts only, so memory stays bounded.
 */
export async function recomputePatientsInBatches(db: Database, patientIds: readonly string[], options: BatchOptions = {}): Promise<{ patients: number; periods: number }> {
  const asOf = options.asOf ?? new Date();
  return inBatches(db, patientIds, options, (batch) =>
    db.transaction(async (tx) => {
      const { contexts, days } = await rebuildDays(tx, batch, 'slim', options.phases);
      return (await recomputePeriodsInTx(tx, [...contexts.keys()], asOf, { days, contexts, phases: options.phases })).periods;
    }),
  );
}

/**
 * Billing recompute of many patients from the monitored days the ingestor keeps current: periods, codes,
 * setup code, amendments, stored as period records. This is what a clinic's month-end run or a dashboard
 * refresh costs (bench/billing); `recomputePatientsInBatches` also rebuilds the days from raw events.
 */
export async function recomputePeriodsInBatches(db: Database, patientIds: readonly string[], options: BatchOptions = {}): Promise<{ patients: number; periods: number }> {
  const asOf = options.asOf ?? new Date();
  return inBatches(db, patientIds, options, (batch) =>
    db.transaction(async (tx) => {
      if (batch.length >= BULK_PLAN_MIN_PATIENTS) await useBulkPlan(tx);
      // serialised with the ingestor's refresh of the same patients, which may rewrite their exported periods
      await lockPatientDays(tx, batch);
      return (await recomputePeriodsInTx(tx, batch, asOf, { phases: options.phases })).periods;
    }),
  );
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
