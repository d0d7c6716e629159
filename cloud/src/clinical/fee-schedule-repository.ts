/** The organisation's fee-schedule override, kept in organisations.settings.feeSchedule. */
import type { Queryable } from '../db/database.ts';
import { feeScheduleFrom, type FeeEntry, type FeeScheduleOverride } from './fee-schedule.ts';

export async function loadFeeSchedule(q: Queryable, orgId: string): Promise<FeeEntry[]> {
  const { rows } = await q.query<{ settings: unknown }>('SELECT settings FROM organisations WHERE id = $1', [orgId]);
  return feeScheduleFrom(rows[0]?.settings ?? {});
}

/** Replaces the organisation's override (an empty one restores the seeded defaults). */
export async function saveFeeScheduleOverride(tx: Queryable, orgId: string, override: FeeScheduleOverride): Promise<void> {
  await tx.query(`UPDATE organisations SET settings = jsonb_set(settings, '{feeSchedule}', $2::jsonb, true) WHERE id = $1`, [orgId, JSON.stringify(override)]);
}
