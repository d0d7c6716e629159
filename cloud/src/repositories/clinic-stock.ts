/**
 * A clinic's stock: the caps its organisation holds that no patient has right now, the ones staff can hand
 * to a newly enrolled patient. Only the organisation's own caps (the fleet operator's unshipped stock is not
 * the clinic's to assign, see POST /v1/patients/:id/assignments).
 */
import type { Queryable } from '../db/database.ts';

export interface StockCap {
  serial: string;
  appFirmware: string | null;
  factoryPassed: boolean;
  registeredAt: Date;
  lastSeenAt: Date | null;
}

/** One page of the organisation's unassigned caps by serial, after `after` (keyset paging). */
export async function listStockCaps(q: Queryable, orgId: string, page: { after?: string | null; limit: number }): Promise<StockCap[]> {
  const { rows } = await q.query<{ serial: string; app_firmware: string | null; factory_passed: boolean; registered_at: Date; last_seen_at: Date | null }>(
    `SELECT d.serial, d.app_firmware, d.factory_passed, d.registered_at, d.last_seen_at
       FROM devices d
      WHERE d.org_id = $1
        AND NOT EXISTS (SELECT 1 FROM device_assignments a WHERE a.device_id = d.id AND a.unassigned_at IS NULL)
        AND ($2::text IS NULL OR d.serial > $2)
      ORDER BY d.serial LIMIT $3`,
    [orgId, page.after ?? null, page.limit],
  );
  return rows.map((r) => ({ serial: r.serial, appFirmware: r.app_firmware, factoryPassed: r.factory_passed, registeredAt: r.registered_at, lastSeenAt: r.last_seen_at }));
}
