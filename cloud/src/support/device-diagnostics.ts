/**
 * Reads one device's diagnostics from the database and reduces them to a DiagnosticsSummary plus the
 * histories the dashboard charts. Queries touch devices, heartbeats, events (seq and boot only),
 * time_corrections and device_commands; never patients or assignments' patient ids, so nothing here can
 * carry patient identity.
 */
import type { Queryable } from '../db/database.ts';
import { EventKind } from '../../../protocol/src/messages.ts';
import { diagnose, type Diagnosis, type DiagnosticsSummary } from './diagnose.ts';
import { isUnexpectedReset, resetReasonName } from './reset-reasons.ts';

export interface DeviceIdentity {
  id: string;
  serial: string;
  app_firmware: string | null;
  modem_firmware: string | null;
  last_seen_at: Date | null;
  ack_seq: number;
  log_tail_seq: number;
  dropped_total: number;
  boot_count: number | null;
}

export interface HistoryPoint {
  at: string;
  rsrpDbm: number | null;
  sinrDb: number | null;
  batteryPct: number | null;
  batteryMv: number | null;
  queueDepth: number | null;
}

export interface DeviceDiagnostics {
  serial: string;
  generatedAt: string;
  windowDays: number;
  firmware: { app: string | null; modem: string | null };
  lastSeenAt: string | null;
  lastHeartbeatAt: string | null;
  signal: { rsrpDbm: number | null; rsrqDb: number | null; sinrDb: number | null; ceLevel: number | null; band: string; operator: string | null; lteBand: number | null };
  battery: { pct: number | null; mv: number | null; dropPctPerDay: number | null };
  queue: { depth: number | null; oldestAgeS: number | null; ackSeq: number; logTailSeq: number; droppedTotal: number };
  uploads: { ok: number; failed: number; successRatio: number | null; attachFailures: number; connectionLosses: number };
  seqGaps: { missing: number; ranges: { from: number; to: number }[] };
  reboots: { unexpected: number; bootCount: number | null; recent: { at: string | null; boot: number; reason: number; reasonName: string; unexpected: boolean }[] };
  clock: { timeSource: number | null; corrections: { at: string; action: string; correctionS: number | null; detail: string }[] };
  history: HistoryPoint[];
  commands: { commandId: number; code: number; status: string; createdAt: string; resultAt: string | null; detail: string | null }[];
  diagnosis: Diagnosis;
}

type Metrics = Record<string, unknown>;
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const iso = (value: Date | null): string | null => (value ? new Date(value).toISOString() : null);

/** Battery % lost per day, ignoring rises (charging); needs samples spanning at least 12 hours. */
export function batteryDropPerDay(samples: { at: number; pct: number }[]): number | undefined {
  if (samples.length < 2) return undefined;
  const span = samples[samples.length - 1]!.at - samples[0]!.at;
  if (span < 12 * 3600 * 1000) return undefined;
  let lost = 0;
  for (let i = 1; i < samples.length; i += 1) lost += Math.max(0, samples[i - 1]!.pct - samples[i]!.pct);
  return lost / (span / 86_400_000);
}

export async function collectDeviceDiagnostics(db: Queryable, device: DeviceIdentity, options: { now?: Date; windowDays?: number } = {}): Promise<DeviceDiagnostics> {
  const now = options.now ?? new Date();
  const windowDays = options.windowDays ?? 14;
  const since = new Date(now.getTime() - windowDays * 86_400_000);

  const heartbeats = await db.query<{ received_at: Date; sampled_at: Date | null; metrics: Metrics }>(
    `SELECT received_at, sampled_at, metrics FROM heartbeats
      WHERE device_id = $1 AND received_at >= $2 ORDER BY received_at ASC, id ASC LIMIT 2000`,
    [device.id, since],
  );
  const lastHeartbeat = await db.query<{ received_at: Date; metrics: Metrics }>(
    'SELECT received_at, metrics FROM heartbeats WHERE device_id = $1 ORDER BY received_at DESC, id DESC LIMIT 1',
    [device.id],
  );
  const gaps = await db.query<{ gap_from: number; gap_to: number }>(
    `SELECT prev + 1 AS gap_from, seq - 1 AS gap_to
       FROM (SELECT seq, lag(seq) OVER (ORDER BY seq) AS prev FROM events WHERE device_id = $1) s
      WHERE seq - prev > 1 ORDER BY seq DESC`,
    [device.id],
  );
  const boots = await db.query<{ occurred_at: Date | null; received_at: Date; boot: number; args: number[] }>(
    `SELECT occurred_at, received_at, boot, args FROM events
      WHERE device_id = $1 AND kind = $2 AND received_at >= $3 ORDER BY seq DESC LIMIT 20`,
    [device.id, EventKind.Boot, since],
  );
  const corrections = await db.query<{ created_at: Date; action: string; correction_s: number | null; detail: string }>(
    `SELECT created_at, action, correction_s, detail FROM time_corrections
      WHERE device_id = $1 AND created_at >= $2 ORDER BY created_at DESC LIMIT 20`,
    [device.id, since],
  );
  const commands = await db.query<{ command_id: number; code: number; status: string; created_at: Date; result_at: Date | null; detail: string | null }>(
    `SELECT command_id, code, status, created_at, result_at, detail FROM device_commands
      WHERE device_id = $1 ORDER BY created_at DESC, id DESC LIMIT 10`,
    [device.id],
  );

  // Latest value of each gauge: newest heartbeat that reported it (unset = unknown, never zero).
  const rows = heartbeats.rows;
  const newestFirst = [...rows].reverse();
  if (newestFirst.length === 0 && lastHeartbeat.rows[0]) newestFirst.push({ ...lastHeartbeat.rows[0], sampled_at: null });
  const latest = (key: string): number | undefined => {
    for (const row of newestFirst) {
      const value = num(row.metrics[key]);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const latestString = (key: string): string | null => {
    for (const row of newestFirst) if (typeof row.metrics[key] === 'string') return row.metrics[key] as string;
    return null;
  };
  const sum = (key: string): number => rows.reduce((total, row) => total + (num(row.metrics[key]) ?? 0), 0);

  const history: HistoryPoint[] = rows.map((row) => {
    const sinr = num(row.metrics.sinrDeciDb);
    return {
      at: (row.sampled_at ?? row.received_at).toISOString(),
      rsrpDbm: num(row.metrics.rsrpDbm) ?? null,
      sinrDb: sinr === undefined ? null : sinr / 10,
      batteryPct: num(row.metrics.batteryPct) ?? null,
      batteryMv: num(row.metrics.batteryMv) ?? null,
      queueDepth: num(row.metrics.queueDepth) ?? null,
    };
  });
  const batterySamples = history.filter((p) => p.batteryPct !== null).map((p) => ({ at: Date.parse(p.at), pct: p.batteryPct! }));
  const dropPerDay = batteryDropPerDay(batterySamples);

  const missing = gaps.rows.reduce((total, gap) => total + (gap.gap_to - gap.gap_from + 1), 0);
  const recentBoots = boots.rows.map((row) => {
    const reason = row.args[0] ?? 0;
    return { at: iso(row.occurred_at ?? row.received_at), boot: row.boot, reason, reasonName: resetReasonName(reason), unexpected: isUnexpectedReset(reason) };
  });
  const unexpectedFromHeartbeats = sum('unexpectedReboots');
  const unexpectedFromEvents = recentBoots.filter((b) => b.unexpected).length;
  const sinrDeci = latest('sinrDeciDb');
  const rsrqDeci = latest('rsrqDeciDb');
  const maxCorrection = corrections.rows.reduce((max, row) => Math.max(max, Math.abs(row.correction_s ?? 0)), Math.abs((latest('clockCorrectionMs') ?? 0) / 1000));
  const lastSeen = device.last_seen_at ?? lastHeartbeat.rows[0]?.received_at ?? null;

  const summary: DiagnosticsSummary = {
    now,
    windowDays,
    lastSeenAt: lastSeen,
    lastHeartbeatAt: lastHeartbeat.rows[0]?.received_at ?? null,
    rsrpDbm: latest('rsrpDbm'),
    sinrDb: sinrDeci === undefined ? undefined : sinrDeci / 10,
    ceLevel: latest('ceLevel'),
    batteryPct: latest('batteryPct'),
    batteryMv: latest('batteryMv'),
    batteryDropPctPerDay: dropPerDay,
    queueDepth: latest('queueDepth'),
    queueOldestAgeS: latest('queueOldestAgeS'),
    timeSource: latest('timeSource'),
    publishOk: sum('publishOk'),
    publishFail: sum('publishFail'),
    attachFailures: sum('attachFailures'),
    connectionLosses: sum('connectionLosses'),
    unexpectedReboots: Math.max(unexpectedFromHeartbeats, unexpectedFromEvents),
    lastResetReason: recentBoots[0]?.reason ?? latest('lastResetReason'),
    missingEvents: missing,
    eventsDroppedTotal: Math.max(device.dropped_total, latest('eventsDroppedTotal') ?? 0),
    maxClockCorrectionS: maxCorrection,
  };
  const diagnosis = diagnose(summary);

  return {
    serial: device.serial,
    generatedAt: now.toISOString(),
    windowDays,
    firmware: { app: device.app_firmware, modem: device.modem_firmware },
    lastSeenAt: iso(lastSeen),
    lastHeartbeatAt: iso(summary.lastHeartbeatAt),
    signal: {
      rsrpDbm: summary.rsrpDbm ?? null,
      rsrqDb: rsrqDeci === undefined ? null : rsrqDeci / 10,
      sinrDb: summary.sinrDb ?? null,
      ceLevel: summary.ceLevel ?? null,
      band: diagnosis.signalBand,
      operator: latestString('operator'),
      lteBand: latest('band') ?? null,
    },
    battery: { pct: summary.batteryPct ?? null, mv: summary.batteryMv ?? null, dropPctPerDay: dropPerDay === undefined ? null : Math.round(dropPerDay * 10) / 10 },
    queue: { depth: summary.queueDepth ?? null, oldestAgeS: summary.queueOldestAgeS ?? null, ackSeq: device.ack_seq, logTailSeq: device.log_tail_seq, droppedTotal: summary.eventsDroppedTotal },
    uploads: { ok: summary.publishOk, failed: summary.publishFail, successRatio: diagnosis.uploadSuccessRatio, attachFailures: summary.attachFailures, connectionLosses: summary.connectionLosses },
    seqGaps: { missing, ranges: gaps.rows.slice(0, 20).map((g) => ({ from: g.gap_from, to: g.gap_to })) },
    reboots: { unexpected: summary.unexpectedReboots, bootCount: device.boot_count ?? latest('bootCount') ?? null, recent: recentBoots },
    clock: {
      timeSource: summary.timeSource ?? null,
      corrections: corrections.rows.map((row) => ({ at: row.created_at.toISOString(), action: row.action, correctionS: row.correction_s, detail: row.detail })),
    },
    history,
    commands: commands.rows.map((row) => ({ commandId: row.command_id, code: row.code, status: row.status, createdAt: row.created_at.toISOString(), resultAt: iso(row.result_at), detail: row.detail })),
    diagnosis,
  };
}
