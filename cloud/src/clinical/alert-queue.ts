/**
 * The alert evaluation queue (alert_evaluation_queue): the ingestor adds the patients whose data changed
 * inside its own transaction, so an ingest never waits for rule evaluation and a crash forgets nothing; the
 * clinical scheduler takes them off in the transaction that evaluates them (a failed evaluation rolls the
 * delete back, and the patients stay queued).
 */
import type { Queryable } from '../db/database.ts';

/**
 * Queues `patientIds` and the patients currently holding `deviceIds` (any uplink from a cap is contact,
 * which can end a cap_silent episode). Idempotent: a patient already queued stays queued once.
 */
export async function enqueueAlertEvaluation(tx: Queryable, patientIds: readonly string[], deviceIds: readonly string[] = []): Promise<void> {
  if (patientIds.length === 0 && deviceIds.length === 0) return;
  await tx.query(
    `INSERT INTO alert_evaluation_queue (patient_id)
     SELECT id FROM unnest($1::uuid[]) AS id
     UNION
     SELECT patient_id FROM device_assignments WHERE device_id = ANY($2::uuid[]) AND unassigned_at IS NULL
     ORDER BY 1
     ON CONFLICT (patient_id) DO NOTHING`,
    [[...new Set(patientIds)], [...new Set(deviceIds)]],
  );
}

/**
 * Takes up to `limit` queued patients, oldest first. Rows another instance is draining are skipped (SKIP
 * LOCKED), so two schedulers never evaluate the same queued patient at once. Call inside the evaluating
 * transaction.
 */
export async function takeQueuedPatients(tx: Queryable, limit: number): Promise<string[]> {
  const { rows } = await tx.query<{ patient_id: string }>(
    `DELETE FROM alert_evaluation_queue
      WHERE patient_id IN (SELECT patient_id FROM alert_evaluation_queue ORDER BY queued_at, patient_id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING patient_id`,
    [limit],
  );
  return rows.map((r) => r.patient_id).sort();
}
