/** What the cloud did to device time (corrections, receive anchoring, estimates); field support reads these. */
import type { Queryable } from '../db/database.ts';

export type TimeAction =
  | 'receive_anchored' // device did not know the time: current boot anchored on receive time
  | 'corrected_future' // device time ahead of receive time beyond tolerance: replaced by receive time
  | 'corrected_before_floor' // device time before the floor date: replaced by receive time
  | 'corrected_drift' // device time behind receive time beyond tolerance: replaced by receive time
  | 'estimated' // old boot without an anchor: time estimated from what is already stored for that boot
  | 'unresolved' // old boot without any anchor: events kept with no wall time
  | 'rejected_anchor'; // an old boot's anchor was implausible and ignored

export interface NewTimeCorrection {
  deviceId: string;
  uplinkId: number | null;
  boot: number | null;
  action: TimeAction;
  correctionS: number | null;
  detail: string;
  /** When the cloud made the correction: the receive time of the uplink (the ingestor's clock); default now(). */
  at?: Date;
}

export interface TimeCorrection extends NewTimeCorrection {
  id: number;
  createdAt: Date;
}

export async function recordTimeCorrections(q: Queryable, rows: readonly NewTimeCorrection[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO time_corrections (device_id, uplink_id, boot, action, correction_s, detail, created_at)
     SELECT d, u, b, a, c, t, COALESCE(w, now())
       FROM unnest($1::uuid[], $2::int8[], $3::int[], $4::text[], $5::int8[], $6::text[], $7::timestamptz[]) AS x(d, u, b, a, c, t, w)`,
    [
      rows.map((r) => r.deviceId),
      rows.map((r) => r.uplinkId),
      rows.map((r) => r.boot),
      rows.map((r) => r.action),
      rows.map((r) => r.correctionS),
      rows.map((r) => r.detail),
      rows.map((r) => r.at ?? null),
    ],
  );
}

interface TimeCorrectionRow {
  id: number;
  device_id: string;
  uplink_id: number | null;
  boot: number | null;
  action: TimeAction;
  correction_s: number | null;
  detail: string;
  created_at: Date;
}

const SELECT_CORRECTIONS = 'SELECT id, device_id, uplink_id, boot, action, correction_s, detail, created_at FROM time_corrections';

const toTimeCorrection = (r: TimeCorrectionRow): TimeCorrection => ({
  id: r.id,
  deviceId: r.device_id,
  uplinkId: r.uplink_id,
  boot: r.boot,
  action: r.action,
  correctionS: r.correction_s,
  detail: r.detail,
  createdAt: r.created_at,
});

export async function listTimeCorrections(q: Queryable, deviceId: string, limit = 50): Promise<TimeCorrection[]> {
  const { rows } = await q.query<TimeCorrectionRow>(`${SELECT_CORRECTIONS} WHERE device_id = $1 ORDER BY id DESC LIMIT $2`, [deviceId, limit]);
  return rows.map(toTimeCorrection);
}

/** Corrections made since `since`, newest first (at most `limit`). */
export async function listTimeCorrectionsSince(q: Queryable, deviceId: string, since: Date, limit: number): Promise<TimeCorrection[]> {
  const { rows } = await q.query<TimeCorrectionRow>(`${SELECT_CORRECTIONS} WHERE device_id = $1 AND created_at >= $2 ORDER BY created_at DESC LIMIT $3`, [
    deviceId,
    since,
    limit,
  ]);
  return rows.map(toTimeCorrection);
}

/** How many corrections were made since `since` (the list above is capped; support needs the true count). */
export async function countTimeCorrectionsSince(q: Queryable, deviceId: string, since: Date): Promise<number> {
  const { rows } = await q.query<{ n: string | number }>('SELECT count(*) AS n FROM time_corrections WHERE device_id = $1 AND created_at >= $2', [deviceId, since]);
  return Number(rows[0]?.n ?? 0);
}
