/**
 * The organisation's alert rule settings, kept in organisations.settings.clinical (rules, escalateAfterMinutes)
 * beside any other clinical settings, which a save leaves alone.
 */
import type { Queryable } from '../db/database.ts';
import { appendAudit } from '../repositories/audit.ts';
import { clinicalAlertSettingsOf, type ClinicalAlertSettings, type RuleOverrides } from './alert-rules.ts';

export async function loadAlertSettings(q: Queryable, orgId: string): Promise<ClinicalAlertSettings> {
  const { rows } = await q.query<{ settings: unknown }>('SELECT settings FROM organisations WHERE id = $1', [orgId]);
  return clinicalAlertSettingsOf(rows[0]?.settings ?? {});
}

export async function saveAlertSettings(
  q: Queryable,
  input: { orgId: string; rules: RuleOverrides; escalateAfterMinutes: number; actor: string; userId: string | null },
): Promise<ClinicalAlertSettings> {
  await q.query(
    `UPDATE organisations
        SET settings = jsonb_set(settings, '{clinical}', COALESCE(settings->'clinical', '{}'::jsonb) || $2::jsonb)
      WHERE id = $1`,
    [input.orgId, JSON.stringify({ rules: input.rules, escalateAfterMinutes: input.escalateAfterMinutes })],
  );
  // every monitored patient of the organisation is evaluated under the new rules at the next drain
  await q.query(
    `INSERT INTO alert_evaluation_queue (patient_id)
     SELECT patient_id FROM care_plans WHERE org_id = $1 AND consent_at IS NOT NULL ORDER BY 1
     ON CONFLICT (patient_id) DO NOTHING`,
    [input.orgId],
  );
  await appendAudit(q, { actor: input.actor, orgId: input.orgId, userId: input.userId, action: 'alert_rules.update', detail: { rules: input.rules, escalateAfterMinutes: input.escalateAfterMinutes } });
  return loadAlertSettings(q, input.orgId);
}
