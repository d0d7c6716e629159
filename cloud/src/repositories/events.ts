/**
 * Events: one row per device event, unique on (device, seq). Inserts are idempotent (ON CONFLICT DO NOTHING)
 * and return only the rows that were new, so redelivery and re-sent batches change nothing twice.
 */
import type { Queryable } from '../db/database.ts';

export type EventSource = 'device' | 'self_report' | 'diagnostic';
export type TimeQuality = 'device_clock' | 'receive_anchored' | 'estimated' | 'unresolved';

export interface NewEvent {
  deviceId: string;
  seq: number;
  boot: number;
  uptimeS: number;
  kind: number;
  args: number[];
  source: EventSource;
  occurredAt: Date | null;
  timeQuality: TimeQuality;
  patientId: string | null;
  uplinkId: number;
  receivedAt: Date;
}

export interface StoredEvent extends NewEvent {
  id: number;
}

interface EventRow {
  id: number;
  device_id: string;
  seq: number;
  boot: number;
  uptime_s: number;
  kind: number;
  args: number[];
  source: EventSource;
  occurred_at: Date | null;
  time_quality: TimeQuality;
  patient_id: string | null;
  uplink_id: number;
  received_at: Date;
}

const COLUMNS = 'id, device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at';
const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  deviceId: r.device_id,
  seq: r.seq,
  boot: r.boot,
  uptimeS: r.uptime_s,
  kind: r.kind,
  args: r.args,
  source: r.source,
  occurredAt: r.occurred_at,
  timeQuality: r.time_quality,
  patientId: r.patient_id,
  uplinkId: r.uplink_id,
  receivedAt: r.received_at,
});

/** Rows per statement: keeps each statement's arrays moderate on both back ends. */
const CHUNK = 5000;

/**
 * Inserts events in (device, seq) order (so concurrent ingestors take index locks in one order) and returns
 * the ones that were not already stored.
 */
export async function insertEvents(q: Queryable, events: readonly NewEvent[]): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const sorted = [...events].sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq - b.seq));
  const inserted: StoredEvent[] = [];
  for (let start = 0; start < sorted.length; start += CHUNK) {
    const chunk = sorted.slice(start, start + CHUNK);
    // RETURNING only the key and id: the rest is known, and parsing every column back costs real time.
    const { rows } = await q.query<{ id: number; device_id: string; seq: number }>(
      `INSERT INTO events (device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at)
       SELECT e.device_id, e.seq, e.boot, e.uptime_s, e.kind, e.args::int[], e.source, e.occurred_at, e.time_quality,
              e.patient_id, e.uplink_id, e.received_at
         FROM unnest($1::uuid[], $2::int8[], $3::int[], $4::int8[], $5::int[], $6::text[], $7::text[], $8::timestamptz[],
                     $9::text[], $10::uuid[], $11::int8[], $12::timestamptz[])
              WITH ORDINALITY AS e(device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at, ord)
        ORDER BY e.ord
       ON CONFLICT (device_id, seq) DO NOTHING
       RETURNING id, device_id, seq`,
      [
        chunk.map((e) => e.deviceId),
        chunk.map((e) => e.seq),
        chunk.map((e) => e.boot),
        chunk.map((e) => e.uptimeS),
        chunk.map((e) => e.kind),
        chunk.map((e) => `{${e.args.join(',')}}`),
        chunk.map((e) => e.source),
        chunk.map((e) => e.occurredAt),
        chunk.map((e) => e.timeQuality),
        chunk.map((e) => e.patientId),
        chunk.map((e) => e.uplinkId),
        chunk.map((e) => e.receivedAt),
      ],
    );
    inserted.push(...matchInserted(chunk, rows));
  }
  return inserted;
}

function matchInserted(chunk: readonly NewEvent[], rows: readonly { id: number; device_id: string; seq: number }[]): StoredEvent[] {
  const ids = new Map(rows.map((r) => [`${r.device_id}:${r.seq}`, r.id]));
  const out: StoredEvent[] = [];
  for (const e of chunk) {
    const id = ids.get(`${e.deviceId}:${e.seq}`);
    if (id !== undefined) out.push({ ...e, id });
  }
  return out;
}

/** The ack for one device; see contiguousAckSeqs. */
export async function contiguousAckSeq(q: Queryable, deviceId: string, logTailSeq: number, previousAck: number): Promise<number> {
  return (await contiguousAckSeqs(q, [{ deviceId, logTailSeq, previousAck }])).get(deviceId)!;
}

/** Records seq ranges a cap reported lost (idempotent). */
export async function recordLostRanges(q: Queryable, ranges: readonly { deviceId: string; from: number; to: number; uplinkId: number }[]): Promise<number> {
  if (ranges.length === 0) return 0;
  const { rowCount } = await q.query(
    `INSERT INTO lost_seq_ranges (device_id, from_seq, to_seq, uplink_id)
     SELECT * FROM unnest($1::uuid[], $2::int8[], $3::int8[], $4::int8[])
     ON CONFLICT (device_id, from_seq) DO NOTHING`,
    [ranges.map((r) => r.deviceId), ranges.map((r) => r.from), ranges.map((r) => r.to), ranges.map((r) => r.uplinkId)],
  );
  return rowCount;
}

export async function listLostRanges(q: Queryable, deviceId: string): Promise<{ from: number; to: number }[]> {
  const { rows } = await q.query<{ from_seq: number; to_seq: number }>(
    'SELECT from_seq, to_seq FROM lost_seq_ranges WHERE device_id = $1 ORDER BY from_seq',
    [deviceId],
  );
  return rows.map((r) => ({ from: r.from_seq, to: r.to_seq }));
}

/**
 * Acks for many devices in two round trips (docs/protocol.md 5.1, arithmetic in protocol/src/ack.ts): a seq
 * is accounted for when its event is committed or it lies in a recorded lost range; the ack is the highest
 * seq reached contiguously from the device's log tail, never below the previous ack.
 */
export async function contiguousAckSeqs(
  q: Queryable,
  devices: readonly { deviceId: string; logTailSeq: number; previousAck: number }[],
): Promise<Map<string, number>> {
  if (devices.length === 0) return new Map();
  // Everything at or below max(previousAck, logTailSeq - 1) is accounted for already.
  const starts = devices.map((d) => Math.max(d.previousAck, d.logTailSeq - 1, 0) + 1);
  const params = [devices.map((d) => d.deviceId), starts];
  const [held, lost] = await Promise.all([
    q.query<{ device_id: string; seq: number }>(
      `SELECT e.device_id, e.seq FROM unnest($1::uuid[], $2::int8[]) AS d(device_id, start)
         JOIN events e ON e.device_id = d.device_id AND e.seq >= d.start`,
      params,
    ),
    q.query<{ device_id: string; from_seq: number; to_seq: number }>(
      `SELECT l.device_id, l.from_seq, l.to_seq FROM unnest($1::uuid[], $2::int8[]) AS d(device_id, start)
         JOIN lost_seq_ranges l ON l.device_id = d.device_id AND l.to_seq >= d.start`,
      params,
    ),
  ]);
  const seqs = new Map<string, Set<number>>();
  for (const r of held.rows) {
    let set = seqs.get(r.device_id);
    if (!set) seqs.set(r.device_id, (set = new Set()));
    set.add(r.seq);
  }
  const ranges = new Map<string, { from: number; to: number }[]>();
  for (const r of lost.rows) {
    let list = ranges.get(r.device_id);
    if (!list) ranges.set(r.device_id, (list = []));
    list.push({ from: r.from_seq, to: r.to_seq });
  }
  const result = new Map<string, number>();
  for (const d of devices) {
    const held = seqs.get(d.deviceId) ?? new Set<number>();
    const gone = (ranges.get(d.deviceId) ?? []).sort((a, b) => a.from - b.from);
    let ack = Math.max(d.previousAck, d.logTailSeq - 1, 0);
    for (;;) {
      const next = ack + 1;
      if (held.has(next)) {
        ack = next;
        continue;
      }
      const range = gone.find((r) => r.from <= next && r.to >= next);
      if (range) {
        ack = range.to;
        continue;
      }
      break;
    }
    result.set(d.deviceId, ack);
  }
  return result;
}

export async function listDeviceEvents(q: Queryable, deviceId: string, options: { limit?: number } = {}): Promise<StoredEvent[]> {
  const { rows } = await q.query<EventRow>(`SELECT ${COLUMNS} FROM events WHERE device_id = $1 ORDER BY seq LIMIT $2`, [deviceId, options.limit ?? 10000]);
  return rows.map(toEvent);
}

export async function listPatientEvents(q: Queryable, patientId: string, from: Date, to: Date): Promise<StoredEvent[]> {
  const { rows } = await q.query<EventRow>(
    `SELECT ${COLUMNS} FROM events WHERE patient_id = $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY occurred_at, id`,
    [patientId, from, to],
  );
  return rows.map(toEvent);
}

/** Seq gaps (lost events) for a device: ranges [from, to] missing between stored seqs. */
export async function seqGaps(q: Queryable, deviceId: string): Promise<{ from: number; to: number }[]> {
  const { rows } = await q.query<{ from_seq: number; to_seq: number }>(
    `SELECT seq + 1 AS from_seq, next_seq - 1 AS to_seq
       FROM (SELECT seq, lead(seq) OVER (ORDER BY seq) AS next_seq FROM events WHERE device_id = $1) s
      WHERE next_seq > seq + 1 ORDER BY seq`,
    [deviceId],
  );
  return rows.map((r) => ({ from: r.from_seq, to: r.to_seq }));
}

/**
 * A wall-clock reference for an old boot from what is already stored: unix seconds at uptime 0 of that
 * boot, derived from resolved events or heartbeats of the same boot. Used to estimate events of boots the
 * current batch carries no anchor for.
 */
export async function bootEpochs(q: Queryable, deviceId: string, boots: readonly number[]): Promise<Map<number, number>> {
  if (boots.length === 0) return new Map();
  const { rows } = await q.query<{ boot: number; epoch_s: number }>(
    `SELECT boot, min(epoch_s)::int8 AS epoch_s FROM (
        SELECT boot, floor(extract(epoch FROM occurred_at))::int8 - uptime_s AS epoch_s FROM events
         WHERE device_id = $1 AND boot = ANY($2::int[]) AND time_quality IN ('device_clock', 'receive_anchored')
        UNION ALL
        SELECT boot, floor(extract(epoch FROM sampled_at))::int8 - uptime_s FROM heartbeats
         WHERE device_id = $1 AND boot = ANY($2::int[]) AND sampled_at IS NOT NULL
      ) x GROUP BY boot`,
    [deviceId, [...new Set(boots)]],
  );
  return new Map(rows.map((r) => [r.boot, r.epoch_s]));
}

/**
 * Gives the patient the cap's events from `from` on that belong to nobody yet (a back-dated assignment).
 * Returns how many events moved.
 */
export async function attachEventsToPatient(q: Queryable, input: { deviceId: string; patientId: string; from: Date }): Promise<number> {
  const { rowCount } = await q.query('UPDATE events SET patient_id = $2 WHERE device_id = $1 AND patient_id IS NULL AND occurred_at >= $3', [
    input.deviceId,
    input.patientId,
    input.from,
  ]);
  return rowCount;
}

/** Takes the cap's events from `from` on away from the patient (a back-dated unassignment). Returns how many. */
export async function detachEventsFromPatient(q: Queryable, input: { deviceId: string; patientId: string; from: Date }): Promise<number> {
  const { rowCount } = await q.query('UPDATE events SET patient_id = NULL WHERE device_id = $1 AND patient_id = $2 AND occurred_at >= $3', [
    input.deviceId,
    input.patientId,
    input.from,
  ]);
  return rowCount;
}

/** The cap's newest events of one kind received since `since` (device fields only: no patient). */
export async function listRecentEventsOfKind(
  q: Queryable,
  input: { deviceId: string; kind: number; since: Date; limit: number },
): Promise<{ occurredAt: Date | null; receivedAt: Date; boot: number; args: number[] }[]> {
  const { rows } = await q.query<{ occurred_at: Date | null; received_at: Date; boot: number; args: number[] }>(
    `SELECT occurred_at, received_at, boot, args FROM events
      WHERE device_id = $1 AND kind = $2 AND received_at >= $3 ORDER BY seq DESC LIMIT $4`,
    [input.deviceId, input.kind, input.since, input.limit],
  );
  return rows.map((r) => ({ occurredAt: r.occurred_at, receivedAt: r.received_at, boot: r.boot, args: r.args }));
}
