/**
 * Serialises everything that rebuilds a patient's monitored_days: the ingestor's incremental refresh and the
 * full rebuilds (API back-dated assign/unassign, recompute jobs). Both read events/heartbeats and write
 * whole day rows; under READ COMMITTED, without this lock a rebuild whose snapshot missed an event committed
 * meanwhile could overwrite the day the ingestor had just written with it (and two ingest transactions for the
 * same patient could do the same to each other).
 *
 * One transaction-scoped advisory lock per patient bucket (FNV-1a of the id, mod PATIENT_DAY_BUCKETS), taken
 * BEFORE the transaction reads events/heartbeats for those patients (the next READ COMMITTED statement then
 * sees whatever the previous holder committed). Rules that keep this deadlock-free:
 *  - call it once per transaction with every patient the transaction will refresh (a later call for a subset
 *    is a no-op: the locks are held already); buckets are taken in ascending order in one statement;
 *  - take it before any devices row lock (FOR NO KEY UPDATE, the only device lock the ingest/assign paths take,
 *    so the KEY SHARE locks of event inserts never wait for it or block it); see docs/billing.md.
 * Bulk recomputes take at most PATIENT_DAY_BUCKETS locks per transaction (well inside the shared lock table:
 * max_locks_per_transaction × max_connections, 6,400 by default). Released at commit/rollback.
 * PGlite (one connection) grants them at once.
 */
import type { Queryable } from '../db/database.ts';

/** Fixed first key of pg_advisory_xact_lock(int4, int4): 'pday'. */
export const PATIENT_DAY_LOCK_CLASS = 0x70646179;
export const PATIENT_DAY_BUCKETS = 1024;

export function patientDayBucket(patientId: string): number {
  const s = patientId.toLowerCase();
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % PATIENT_DAY_BUCKETS;
}

/** Takes the day locks of these patients (ascending buckets, one round trip). Returns the buckets locked. */
export async function lockPatientDays(tx: Queryable, patientIds: Iterable<string | null | undefined>): Promise<number[]> {
  const buckets = new Set<number>();
  for (const id of patientIds) if (id) buckets.add(patientDayBucket(id));
  if (buckets.size === 0) return [];
  const sorted = [...buckets].sort((a, b) => a - b);
  // a function scan of unnest yields the (sorted) array in order, so the locks are taken in that order
  await tx.query('SELECT count(*) FROM (SELECT pg_advisory_xact_lock($1::integer, b) FROM unnest($2::integer[]) AS b) AS l', [PATIENT_DAY_LOCK_CLASS, sorted]);
  return sorted;
}
