/** Heartbeats: device diagnostics, idempotent on (device, boot, uptime). */
import type { Queryable } from '../db/database.ts';

export interface NewHeartbeat {
  deviceId: string;
  boot: number;
  uptimeS: number;
  sampledAt: Date | null;
  receivedAt: Date;
  metrics: Record<string, unknown>;
  uplinkId: number;
}

export interface StoredHeartbeat extends NewHeartbeat {
  id: number;
}

interface HeartbeatRow {
  id: number;
  device_id: string;
  boot: number;
  uptime_s: number;
  sampled_at: Date | null;
  received_at: Date;
  metrics: Record<string, unknown>;
  uplink_id: number;
}

const toHeartbeat = (r: HeartbeatRow): StoredHeartbeat => ({
  id: r.id,
  deviceId: r.device_id,
  boot: r.boot,
  uptimeS: r.uptime_s,
  sampledAt: r.sampled_at,
  receivedAt: r.received_at,
  metrics: r.metrics,
  uplinkId: r.uplink_id,
});

/** Inserts heartbeats; returns how many were new (a redelivered heartbeat is ignored). */
/**
 * Inserts heartbeats, skipping any already stored (same cap, boot and uptime: a re-sent uplink); within one
 * call the first of two identical heartbeats wins. Returns the uplink ids whose heartbeat was new.
 */
export async function insertHeartbeats(q: Queryable, heartbeats: readonly NewHeartbeat[]): Promise<Set<number>> {
  if (heartbeats.length === 0) return new Set();
  const { rows } = await q.query<{ uplink_id: number }>(
    `INSERT INTO heartbeats (device_id, boot, uptime_s, sampled_at, received_at, metrics, uplink_id)
     SELECT h.device_id, h.boot, h.uptime_s, h.sampled_at, h.received_at, h.metrics::jsonb, h.uplink_id
       FROM unnest($1::uuid[], $2::int[], $3::int8[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::int8[])
            WITH ORDINALITY AS h(device_id, boot, uptime_s, sampled_at, received_at, metrics, uplink_id, ord)
      ORDER BY h.ord
     ON CONFLICT (device_id, boot, uptime_s) DO NOTHING
     RETURNING uplink_id`,
    [
      heartbeats.map((h) => h.deviceId),
      heartbeats.map((h) => h.boot),
      heartbeats.map((h) => h.uptimeS),
      heartbeats.map((h) => h.sampledAt),
      heartbeats.map((h) => h.receivedAt),
      heartbeats.map((h) => JSON.stringify(h.metrics)),
      heartbeats.map((h) => h.uplinkId),
    ],
  );
  return new Set(rows.map((r) => Number(r.uplink_id)));
}

const SELECT_HEARTBEATS = 'SELECT id, device_id, boot, uptime_s, sampled_at, received_at, metrics, uplink_id FROM heartbeats';

/** Newest first. */
export async function latestHeartbeats(q: Queryable, deviceId: string, limit = 10): Promise<StoredHeartbeat[]> {
  const { rows } = await q.query<HeartbeatRow>(`${SELECT_HEARTBEATS} WHERE device_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2`, [deviceId, limit]);
  return rows.map(toHeartbeat);
}

/** Heartbeats received since `since`, oldest first (at most `limit`). */
export async function listHeartbeatsSince(q: Queryable, deviceId: string, since: Date, limit: number): Promise<StoredHeartbeat[]> {
  const { rows } = await q.query<HeartbeatRow>(`${SELECT_HEARTBEATS} WHERE device_id = $1 AND received_at >= $2 ORDER BY received_at ASC, id ASC LIMIT $3`, [
    deviceId,
    since,
    limit,
  ]);
  return rows.map(toHeartbeat);
}
