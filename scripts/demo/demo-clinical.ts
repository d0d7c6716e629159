/**
 * Once the demo fleet has caught up with today: one full alert evaluation and a work queue refresh, so the
 * clinic's alerts and month's work are there when the dashboard first opens. From then on the clinical
 * scheduler the system runs keeps them current (this adds no scheduler of its own).
 */
import { evaluateAlerts, type EvaluateResult } from '../../cloud/src/clinical/evaluate-alerts.ts';
import { refreshWorkItems } from '../../cloud/src/clinical/work-queue-repository.ts';
import type { Database } from '../../cloud/src/db/database.ts';

export async function evaluateDemoClinic(db: Database, now: Date): Promise<{ alerts: EvaluateResult; workItems: number }> {
  const alerts = await evaluateAlerts(db, { now });
  const { refreshed } = await refreshWorkItems(db, { now });
  return { alerts, workItems: refreshed };
}
