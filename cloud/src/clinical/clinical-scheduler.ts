/**
 * Runs the alert engine on ingest and on a schedule. Every `queueIntervalMs` it drains the evaluation queue
 * the ingestor fills (in the transaction that evaluates those patients) and escalates what is due; every
 * `sweepIntervalMs` it evaluates every monitored patient, so silence (a cap that sends nothing, a patient
 * who opens nothing) is noticed without any uplink. Ticks never overlap; an error is reported and the next
 * tick tries again (a failed drain leaves its patients queued).
 *
 * `afterEvaluate` runs after each drain or sweep with the patients just evaluated: the hook for work that
 * follows alerts (the work queue refresh).
 */
import type { Database } from '../db/database.ts';
import { takeQueuedPatients } from './alert-queue.ts';
import { sweepPatientIds } from './alert-snapshots.ts';
import { escalateAlerts, evaluateAlerts, evaluateAlertsInTx, type EvaluateResult } from './evaluate-alerts.ts';

export type AfterEvaluate = (db: Database, patientIds: string[], now: Date) => Promise<void>;

export interface ClinicalSchedulerOptions {
  db: Database;
  now?: () => Date;
  queueIntervalMs?: number;
  sweepIntervalMs?: number;
  afterEvaluate?: AfterEvaluate;
  /** Queued patients per drain transaction (default 500): bounds how long an ingest may wait on a queued row. */
  drainBatch?: number;
  /** Called with any error of a tick (default: console.error). */
  onError?: (error: unknown, tick: 'drain' | 'sweep') => void;
}

export interface ClinicalScheduler {
  stop(): Promise<void>;
  /** Drains the queue until empty, then escalates. Returns the summed figures. */
  drainOnce(): Promise<EvaluateResult>;
  /** Evaluates every monitored patient (and escalates). */
  sweepOnce(): Promise<EvaluateResult>;
}

const zero = (): EvaluateResult => ({ evaluated: 0, raised: 0, updated: 0, resolved: 0, escalated: 0 });

export function startClinicalScheduler(options: ClinicalSchedulerOptions): ClinicalScheduler {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  const queueIntervalMs = options.queueIntervalMs ?? 2000;
  const sweepIntervalMs = options.sweepIntervalMs ?? 300_000;
  const batch = options.drainBatch ?? 500;
  const onError = options.onError ?? ((error, tick) => console.error(`clinical scheduler ${tick} failed:`, error));
  let stopped = false;
  // one tick at a time: a drain and a sweep of the same instance never run together
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  };

  const drain = async (): Promise<EvaluateResult> => {
    const total = zero();
    const at = now();
    for (;;) {
      const { ids, r } = await db.transaction(async (tx) => {
        const ids = await takeQueuedPatients(tx, batch);
        return { ids, r: await evaluateAlertsInTx(tx, ids, at) };
      });
      total.evaluated += r.evaluated;
      total.raised += r.raised;
      total.updated += r.updated;
      total.resolved += r.resolved;
      if (ids.length > 0 && options.afterEvaluate) await options.afterEvaluate(db, ids, at);
      if (ids.length < batch) break;
    }
    total.escalated = await escalateAlerts(db, { now: at });
    return total;
  };

  const sweep = async (): Promise<EvaluateResult> => {
    const at = now();
    const ids = await sweepPatientIds(db);
    const r = await evaluateAlerts(db, { patientIds: ids, now: at });
    r.escalated += await escalateAlerts(db, { now: at });
    if (ids.length > 0 && options.afterEvaluate) await options.afterEvaluate(db, ids, at);
    return r;
  };

  const timers: ReturnType<typeof setTimeout>[] = [];
  const loop = (tick: 'drain' | 'sweep', intervalMs: number, work: () => Promise<EvaluateResult>) => {
    const schedule = () => {
      if (stopped) return;
      const t = setTimeout(() => {
        void serial(work)
          .catch((error) => onError(error, tick))
          .finally(schedule);
      }, intervalMs);
      t.unref?.();
      timers[tick === 'drain' ? 0 : 1] = t;
    };
    schedule();
  };
  loop('drain', queueIntervalMs, drain);
  loop('sweep', sweepIntervalMs, sweep);

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await chain;
    },
    drainOnce: () => serial(drain),
    sweepOnce: () => serial(sweep),
  };
}
