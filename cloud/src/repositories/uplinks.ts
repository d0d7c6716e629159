/**
 * Raw uplinks: every MQTT message is stored (bytes, topic, receive time) before it is decoded, then marked
 * processed, duplicate or quarantined (with an error code and a reason). Nothing a device sends is deleted.
 */
import type { Queryable } from '../db/database.ts';

export type UplinkStatus = 'received' | 'processed' | 'duplicate' | 'quarantined';

/** Why an uplink was quarantined. The protocol codes come from ProtocolError; the rest from the ingestor. */
export type QuarantineCode =
  | 'malformed_cbor'
  | 'unknown_version'
  | 'unknown_kind'
  | 'invalid_field'
  | 'wrong_topic'
  | 'serial_mismatch'
  | 'unknown_device'
  | 'processing_error';

export interface NewUplink {
  receivedAt: Date;
  topic: string;
  topicSerial: string | null;
  payload: Uint8Array;
}

export interface Uplink extends NewUplink {
  id: number;
  status: UplinkStatus;
  errorCode: string | null;
  error: string | null;
  kind: number | null;
  deviceId: string | null;
  processedAt: Date | null;
}

interface UplinkRow {
  id: number;
  received_at: Date;
  topic: string;
  topic_serial: string | null;
  payload: Uint8Array;
  status: UplinkStatus;
  error_code: string | null;
  error: string | null;
  kind: number | null;
  device_id: string | null;
  processed_at: Date | null;
}

const COLUMNS = 'id, received_at, topic, topic_serial, payload, status, error_code, error, kind, device_id, processed_at';
const toUplink = (r: UplinkRow): Uplink => ({
  id: r.id,
  receivedAt: r.received_at,
  topic: r.topic,
  topicSerial: r.topic_serial,
  payload: r.payload,
  status: r.status,
  errorCode: r.error_code,
  error: r.error,
  kind: r.kind,
  deviceId: r.device_id,
  processedAt: r.processed_at,
});

/** Inserts the uplinks in one statement; returns their ids in input order. */
export async function storeUplinks(q: Queryable, uplinks: readonly NewUplink[]): Promise<number[]> {
  if (uplinks.length === 0) return [];
  const values: string[] = [];
  const params: unknown[] = [];
  uplinks.forEach((u, i) => {
    const b = i * 4;
    values.push(`($${b + 1}::timestamptz, $${b + 2}::text, $${b + 3}::text, $${b + 4}::bytea)`);
    params.push(u.receivedAt, u.topic, u.topicSerial, u.payload);
  });
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO uplinks (received_at, topic, topic_serial, payload) VALUES ${values.join(', ')} RETURNING id`,
    params,
  );
  // bigserial values are drawn in row order within one statement, so ascending ids follow input order.
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

export interface UplinkOutcome {
  id: number;
  status: Exclude<UplinkStatus, 'received'>;
  errorCode?: string | null;
  error?: string | null;
  kind?: number | null;
  deviceId?: string | null;
}

/** Records the outcome of processing, in one statement for the whole batch. */
export async function markUplinks(q: Queryable, outcomes: readonly UplinkOutcome[], at: Date): Promise<void> {
  if (outcomes.length === 0) return;
  await q.query(
    `UPDATE uplinks u SET status = o.status, error_code = o.error_code, error = o.error, kind = o.kind,
            device_id = o.device_id, processed_at = $7
       FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int[], $6::uuid[]) AS o(id, status, error_code, error, kind, device_id)
      WHERE u.id = o.id`,
    [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.errorCode ?? null),
      outcomes.map((o) => o.error ?? null),
      outcomes.map((o) => o.kind ?? null),
      outcomes.map((o) => o.deviceId ?? null),
      at,
    ],
  );
}

export async function getUplink(q: Queryable, id: number): Promise<Uplink | undefined> {
  const { rows } = await q.query<UplinkRow>(`SELECT ${COLUMNS} FROM uplinks WHERE id = $1`, [id]);
  return rows[0] && toUplink(rows[0]);
}

export async function listUplinks(
  q: Queryable,
  filter: { status?: UplinkStatus; deviceId?: string; topicSerial?: string; limit?: number } = {},
): Promise<Uplink[]> {
  const { rows } = await q.query<UplinkRow>(
    `SELECT ${COLUMNS} FROM uplinks
      WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR device_id = $2) AND ($3::text IS NULL OR topic_serial = $3)
      ORDER BY id DESC LIMIT $4`,
    [filter.status ?? null, filter.deviceId ?? null, filter.topicSerial ?? null, filter.limit ?? 100],
  );
  return rows.map(toUplink);
}

/** Uplinks stored but never processed (an ingestor died between the raw commit and the processing commit). */
export async function listUnprocessedUplinks(q: Queryable, olderThan: Date, limit: number): Promise<Uplink[]> {
  const { rows } = await q.query<UplinkRow>(
    `SELECT ${COLUMNS} FROM uplinks WHERE status = 'received' AND received_at < $1 ORDER BY id LIMIT $2`,
    [olderThan, limit],
  );
  return rows.map(toUplink);
}
