/**
 * What the fleet list needs to diagnose every cap at once, in one set-based query: per cap in scope, the
 * same facts device-diagnostics.ts reads for one cap (latest gauges of the window's heartbeats, window sums,
 * battery loss, boots, clock corrections, sequence gaps), reduced in SQL so a fleet of thousands costs one
 * round trip, not thousands. Reads devices, heartbeats, events (seq, boot, kind and args only) and
 * time_corrections; never patients or assignments, so nothing here can carry patient identity.
 *
 * Caps in the operator's warehouse stock (no organisation) are left out: they are not in anyone's hands,
 * and "never connected" is their normal state.
 */
import type { Queryable } from '../db/database.ts';
import { EventKind } from '../../../protocol/src/messages.ts';
import type { DeviceScope } from '../repositories/devices.ts';

/** The heartbeat gauges whose latest value diagnostics read (protocol HeartbeatKey names). */
export const GAUGES = ['rsrpDbm', 'sinrDeciDb', 'ceLevel', 'batteryPct', 'batteryMv', 'queueDepth', 'queueOldestAgeS', 'timeSource', 'clockCorrectionMs', 'eventsDroppedTotal', 'lastResetReason'] as const;
export type Gauge = (typeof GAUGES)[number];
/** The heartbeat counters diagnostics sum over the window. */
export const COUNTERS = ['publishOk', 'publishFail', 'attachFailures', 'connectionLosses', 'unexpectedReboots'] as const;
export type Counter = (typeof COUNTERS)[number];

/** How many recent boot events and clock corrections the single-cap view reads (device-diagnostics.ts). */
export const RECENT_BOOTS = 20;
export const RECENT_CORRECTIONS = 20;

export interface CapFacts {
  deviceId: string;
  serial: string;
  organisation: string | null;
  appFirmware: string | null;
  lastSeenAt: Date | null;
  droppedTotal: number;
  /** Newest heartbeat ever (the fallback for gauges when the window has none). */
  lastHeartbeatAt: Date | null;
  lastHeartbeatMetrics: Record<string, unknown> | null;
  /** Heartbeats received in the window. */
  windowHeartbeats: number;
  /** Latest value of each gauge among the window's heartbeats (null = not reported in the window). */
  latest: Record<Gauge, number | null>;
  sums: Record<Counter, number>;
  /** Battery samples in the window (received order): count, time span, and the % lost between consecutive samples (rises ignored). */
  battery: { samples: number; spanMs: number; lostPct: number };
  /** Boots that began inside the window, as their heartbeats report them: (bootCount, lastResetReason). */
  heartbeatBoots: { boot: number; reason: number }[];
  /** The newest boot events received in the window (newest first, at most RECENT_BOOTS). */
  bootEvents: { boot: number; reason: number }[];
  /** Events missing between the first and last seq the cloud holds. */
  missingEvents: number;
  clockCorrections: number;
  /** Largest |correction| among the newest RECENT_CORRECTIONS corrections of the window, seconds. */
  maxRecentCorrectionS: number;
}

interface FactsRow {
  device_id: string;
  serial: string;
  org_slug: string | null;
  app_firmware: string | null;
  last_seen_at: Date | null;
  dropped_total: number;
  last_hb_at: Date | null;
  last_hb_metrics: Record<string, unknown> | null;
  window_heartbeats: number | string | null;
  latest: Record<string, number | null> | null;
  sums: Record<string, number | null> | null;
  battery_samples: number | string | null;
  battery_span_ms: number | string | null;
  battery_lost: number | string | null;
  hb_boots: { boot: number; reason: number }[] | null;
  boot_events: { boot: number; reason: number }[] | null;
  missing_events: number | string | null;
  corrections: number | string | null;
  max_correction_s: number | string | null;
}

// A jsonb number is always finite, so `jsonb_typeof = 'number'` is device-diagnostics' `num()` test.
const isNumber = (key: string) => `jsonb_typeof(h.metrics->'${key}') = 'number'`;
const value = (key: string) => `(h.metrics->>'${key}')::float8`;
// Every ordered aggregate shares one ORDER BY, so PostgreSQL sorts each cap's heartbeats once for all of them.
const latestOf = (key: string) => `'${key}', (array_agg(${value(key)} ORDER BY h.received_at DESC, h.id DESC) FILTER (WHERE ${isNumber(key)}))[1]`;
const sumOf = (key: string) => `'${key}', COALESCE(sum(${value(key)}) FILTER (WHERE ${isNumber(key)}), 0)`;

const FLEET_FACTS_SQL = `
WITH scope AS (
  SELECT d.id, d.serial, o.slug AS org_slug, d.app_firmware, d.last_seen_at, d.dropped_total
    FROM devices d JOIN organisations o ON o.id = d.org_id
   WHERE ($1::boolean OR d.org_id = $2::uuid)
),
hb AS (
  SELECT h.* FROM heartbeats h JOIN scope s ON s.id = h.device_id WHERE h.received_at >= $3
),
hb_stats AS (
  SELECT h.device_id, count(*) AS window_heartbeats,
         jsonb_build_object(${GAUGES.map(latestOf).join(', ')}) AS latest,
         jsonb_build_object(${COUNTERS.map(sumOf).join(', ')}) AS sums
    FROM hb h GROUP BY h.device_id
),
battery AS (
  SELECT device_id, count(*) AS samples,
         (extract(epoch FROM (array_agg(at ORDER BY received_at DESC, id DESC))[1] - (array_agg(at ORDER BY received_at, id))[1]) * 1000) AS span_ms,
         COALESCE(sum(GREATEST(0, prev - pct)), 0) AS lost
    FROM (SELECT h.device_id, h.id, h.received_at, COALESCE(h.sampled_at, h.received_at) AS at, ${value('batteryPct')} AS pct,
                 lag(${value('batteryPct')}) OVER (PARTITION BY h.device_id ORDER BY h.received_at, h.id) AS prev
            FROM hb h WHERE ${isNumber('batteryPct')}) b
   GROUP BY device_id
),
hb_boots AS (
  SELECT device_id, jsonb_agg(jsonb_build_object('boot', boot, 'reason', reason)) AS boots
    FROM (SELECT DISTINCT h.device_id, ${value('bootCount')} AS boot, ${value('lastResetReason')} AS reason
            FROM hb h
           WHERE ${isNumber('bootCount')} AND ${isNumber('lastResetReason')}
             AND COALESCE(h.sampled_at, h.received_at) - make_interval(secs => h.uptime_s) >= $3) x
   GROUP BY device_id
),
boot_events AS (
  SELECT device_id, jsonb_agg(jsonb_build_object('boot', boot, 'reason', reason) ORDER BY rn) AS boots
    FROM (SELECT e.device_id, e.boot, COALESCE(e.args[1], 0) AS reason, row_number() OVER (PARTITION BY e.device_id ORDER BY e.seq DESC) AS rn
            FROM events e JOIN scope s ON s.id = e.device_id
           WHERE e.kind = $4 AND e.received_at >= $3) x
   WHERE rn <= $5
   GROUP BY device_id
),
seq_stats AS (
  -- (device_id, seq) is unique, so the seqs missing between the first and the last are span - count.
  SELECT e.device_id, max(e.seq) - min(e.seq) + 1 - count(*) AS missing
    FROM events e JOIN scope s ON s.id = e.device_id GROUP BY e.device_id
),
corrections AS (
  SELECT device_id, count(*) AS n, COALESCE(max(abs(correction_s)) FILTER (WHERE rn <= $6), 0) AS max_s
    FROM (SELECT t.device_id, t.correction_s, row_number() OVER (PARTITION BY t.device_id ORDER BY t.created_at DESC) AS rn
            FROM time_corrections t JOIN scope s ON s.id = t.device_id WHERE t.created_at >= $3) x
   GROUP BY device_id
)
SELECT s.id AS device_id, s.serial, s.org_slug, s.app_firmware, s.last_seen_at, s.dropped_total,
       last_hb.received_at AS last_hb_at, last_hb.metrics AS last_hb_metrics,
       hs.window_heartbeats, hs.latest, hs.sums,
       b.samples AS battery_samples, b.span_ms AS battery_span_ms, b.lost AS battery_lost,
       hbb.boots AS hb_boots, be.boots AS boot_events, q.missing AS missing_events,
       c.n AS corrections, c.max_s AS max_correction_s
  FROM scope s
  LEFT JOIN LATERAL (SELECT received_at, metrics FROM heartbeats WHERE device_id = s.id ORDER BY received_at DESC, id DESC LIMIT 1) last_hb ON true
  LEFT JOIN hb_stats hs ON hs.device_id = s.id
  LEFT JOIN battery b ON b.device_id = s.id
  LEFT JOIN hb_boots hbb ON hbb.device_id = s.id
  LEFT JOIN boot_events be ON be.device_id = s.id
  LEFT JOIN seq_stats q ON q.device_id = s.id
  LEFT JOIN corrections c ON c.device_id = s.id
 ORDER BY s.serial`;

const n = (v: number | string | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/** The facts of every cap `scope` may see that a clinic holds (see the header), serial order. */
export async function loadFleetFacts(db: Queryable, scope: DeviceScope, since: Date): Promise<CapFacts[]> {
  const { rows } = await db.query<FactsRow>(FLEET_FACTS_SQL, [scope.fleet, scope.orgId, since, EventKind.Boot, RECENT_BOOTS, RECENT_CORRECTIONS]);
  return rows.map((r) => ({
    deviceId: r.device_id,
    serial: r.serial,
    organisation: r.org_slug,
    appFirmware: r.app_firmware,
    lastSeenAt: r.last_seen_at,
    droppedTotal: n(r.dropped_total),
    lastHeartbeatAt: r.last_hb_at,
    lastHeartbeatMetrics: r.last_hb_metrics,
    windowHeartbeats: n(r.window_heartbeats),
    latest: Object.fromEntries(GAUGES.map((key) => [key, r.latest?.[key] ?? null])) as Record<Gauge, number | null>,
    sums: Object.fromEntries(COUNTERS.map((key) => [key, n(r.sums?.[key])])) as Record<Counter, number>,
    battery: { samples: n(r.battery_samples), spanMs: n(r.battery_span_ms), lostPct: n(r.battery_lost) },
    heartbeatBoots: r.hb_boots ?? [],
    bootEvents: r.boot_events ?? [],
    missingEvents: n(r.missing_events),
    clockCorrections: n(r.corrections),
    maxRecentCorrectionS: n(r.max_correction_s),
  }));
}
