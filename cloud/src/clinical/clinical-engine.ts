/**
 * The clinical engine as a running service: the alert scheduler (queue drained on ingest, full sweep on a
 * schedule, escalation) with the work queue refreshed for exactly the patients each tick evaluated, so an
 * alert raised or cleared shows in /v1/worklist within one tick. `pillcap start` runs it in-process;
 * `pillcap clinical run` runs it as its own process in production (one or more: drains skip locked rows).
 */
import type { Database } from '../db/database.ts';
import { startClinicalScheduler, type ClinicalScheduler } from './clinical-scheduler.ts';
import { refreshWorkItems } from './work-queue-repository.ts';

export interface ClinicalEngineOptions {
  db: Database;
  now?: () => Date;
  queueIntervalMs?: number;
  sweepIntervalMs?: number;
  onError?: (error: unknown, tick: 'drain' | 'sweep') => void;
}

export function startClinicalEngine(options: ClinicalEngineOptions): ClinicalScheduler {
  return startClinicalScheduler({
    ...options,
    afterEvaluate: async (db, patientIds, now) => {
      await refreshWorkItems(db, { patientIds, now });
    },
  });
}
