/**
 * Reads of the monitored_days table for clinic views (the billing engine writes it and reads it in bulk in
 * cloud/src/billing/billing-repository.ts; this is the per-patient calendar with event counts).
 */
import type { Queryable } from '../db/database.ts';
import { toLocalDate } from '../billing/local-date.ts';

export interface DayRecord {
  localDate: string;
  deviceActive: boolean;
  qualifying: boolean;
  eventCount: number;
  kindCounts: Record<string, number>;
}

/** The patient's stored days (monitored / device-active, event counts per kind), oldest first. */
export async function listDayRecords(q: Queryable, patientId: string): Promise<DayRecord[]> {
  const { rows } = await q.query<{ local_date: string | Date; device_active: boolean; qualifying: boolean; event_count: number; kind_counts: Record<string, number> | null }>(
    'SELECT local_date, device_active, qualifying, event_count, kind_counts FROM monitored_days WHERE patient_id = $1 ORDER BY local_date',
    [patientId],
  );
  return rows.map((r) => ({ localDate: toLocalDate(r.local_date), deviceActive: r.device_active, qualifying: r.qualifying, eventCount: r.event_count, kindCounts: r.kind_counts ?? {} }));
}
