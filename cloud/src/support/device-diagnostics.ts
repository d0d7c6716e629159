/**
 * Reads one device's diagnostics from the database and reduces them to a DiagnosticsSummary plus the
 * histories the dashboard charts. Its queries (in cloud/src/repositories) touch devices, heartbeats, events (seq and boot only),
 * time_corrections and device_commands; never patients or assignments' patient ids, so nothing here can
 * carry patient identity.
 */
import type { Queryable } from '../db/database.ts';
import { EventKind } from '../../../protocol/src/messages.ts';
import { listRecentCommands } from '../repositories/commands.ts';
import type { Device } from '../repositories/devices.ts';
import { listRecentEventsOfKind, seqGaps } from '../repositories/events.ts';
import { latestHeartbeats, listHeartbeatsSince } from '../repositories/heartbeats.ts';
import { countTimeCorrectionsSince, listTimeCorrectionsSince } from '../repositories/time-corrections.ts';
import { diagnose, type Diagnosis, type DiagnosticsSummary } from './diagnose.ts';
import { isPowerLossReset, isUnexpectedReset, resetReasonName } from './reset-reasons.ts';

/** The device fields diagnostics read (a repositories/devices.ts `Device` has them all). */
export type DeviceIdentity = Pick<Device, 'id' | 'serial' | 'appFirmware' | 'modemFirmware' | 'lastSeenAt' | 'ackSeq' | 'logTailSeq' | 'droppedTotal' | 'bootCount'>;

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
  reboots: { unexpected: number; powerLosses: number; bootCount: number | null; recent: { at: string | null; boot: number; reason: number; reasonName: string; unexpected: boolean }[] };
  clock: { timeSource: number | null; correctionsInWindow: number; corrections: { at: string; action: string; correctionS: number | null; detail: string }[] };
  history: HistoryPoint[];
  commands: { commandId: number; code: number; status: string; createdAt: string; resultAt: string | null; detail: string | null }[];
  diagnosis: Diagnosis;
}

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

  const heartbeats = await listHeartbeatsSince(db, device.id, since, 2000);
  const [lastHeartbeat] = await latestHeartbeats(db, device.id, 1);
  const gaps = (await seqGaps(db, device.id)).reverse(); // newest first
  const boots = await listRecentEventsOfKind(db, { deviceId: device.id, kind: EventKind.Boot, since, limit: 20 });
  const corrections = await listTimeCorrectionsSince(db, device.id, since, 20);
  const correctionCount = await countTimeCorrectionsSince(db, device.id, since);
  const commands = await listRecentCommands(db, device.id, 10);

  // Latest value of each gauge: newest heartbeat that reported it (unset = unknown, never zero).
  const rows = heartbeats;
  const newestFirst = [...rows].reverse();
  if (newestFirst.length === 0 && lastHeartbeat) newestFirst.push({ ...lastHeartbeat, sampledAt: null });
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
      at: (row.sampledAt ?? row.receivedAt).toISOString(),
      rsrpDbm: num(row.metrics.rsrpDbm) ?? null,
      sinrDb: sinr === undefined ? null : sinr / 10,
      batteryPct: num(row.metrics.batteryPct) ?? null,
      batteryMv: num(row.metrics.batteryMv) ?? null,
      queueDepth: num(row.metrics.queueDepth) ?? null,
    };
  });
  const batterySamples = history.filter((p) => p.batteryPct !== null).map((p) => ({ at: Date.parse(p.at), pct: p.batteryPct! }));
  const dropPerDay = batteryDropPerDay(batterySamples);

  const missing = gaps.reduce((total, gap) => total + (gap.to - gap.from + 1), 0);
  const recentBoots = boots.map((row) => {
    const reason = row.args[0] ?? 0;
    return { at: iso(row.occurredAt ?? row.receivedAt), boot: row.boot, reason, reasonName: resetReasonName(reason), unexpected: isUnexpectedReset(reason) };
  });
  const unexpectedFromHeartbeats = sum('unexpectedReboots');
  const unexpectedFromEvents = recentBoots.filter((b) => b.unexpected).length;
  // A power loss is one boot: one Boot event (deduplicated by seq), or every heartbeat of that boot repeating its
  // bootCount and lastResetReason. Either source may miss some (a cut during a flash write can lose the Boot
  // event; a boot may end before its first heartbeat), so take the larger count. Boot 1 is the cap's first
  // power-up, not a loss; and a heartbeat speaks for its boot only if that boot began inside the window
  // (every heartbeat repeats the reason its boot started with, however long ago that was).
  const FIRST_BOOT = 1;
  const powerLossesFromEvents = recentBoots.filter((b) => b.boot > FIRST_BOOT && isPowerLossReset(b.reason)).length;
  const powerLossBootsFromHeartbeats = new Set<number>();
  const unexpectedBootsFromHeartbeats = new Set<number>();
  for (const row of rows) {
    const reason = num(row.metrics.lastResetReason);
    const boot = num(row.metrics.bootCount);
    if (reason === undefined || boot === undefined) continue;
    const bootStartedMs = (row.sampledAt ?? row.receivedAt).getTime() - row.uptimeS * 1000;
    if (bootStartedMs < since.getTime()) continue;
    if (boot > FIRST_BOOT && isPowerLossReset(reason)) powerLossBootsFromHeartbeats.add(boot);
    if (isUnexpectedReset(reason)) unexpectedBootsFromHeartbeats.add(boot);
  }
  const powerLosses = Math.max(powerLossesFromEvents, powerLossBootsFromHeartbeats.size);
  const sinrDeci = latest('sinrDeciDb');
  const rsrqDeci = latest('rsrqDeciDb');
  const maxCorrection = corrections.reduce((max, row) => Math.max(max, Math.abs(row.correctionS ?? 0)), Math.abs((latest('clockCorrectionMs') ?? 0) / 1000));
  const lastSeen = device.lastSeenAt ?? lastHeartbeat?.receivedAt ?? null;

  const summary: DiagnosticsSummary = {
    now,
    windowDays,
    lastSeenAt: lastSeen,
    lastHeartbeatAt: lastHeartbeat?.receivedAt ?? null,
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
    unexpectedReboots: Math.max(unexpectedFromHeartbeats, unexpectedBootsFromHeartbeats.size, unexpectedFromEvents),
    powerLosses,
    lastResetReason: recentBoots[0]?.reason ?? latest('lastResetReason'),
    missingEvents: missing,
    eventsDroppedTotal: Math.max(device.droppedTotal, latest('eventsDroppedTotal') ?? 0),
    maxClockCorrectionS: maxCorrection,
    clockCorrections: correctionCount,
  };
  const diagnosis = diagnose(summary);

  return {
    serial: device.serial,
    generatedAt: now.toISOString(),
    windowDays,
    firmware: { app: device.appFirmware, modem: device.modemFirmware },
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
    queue: { depth: summary.queueDepth ?? null, oldestAgeS: summary.queueOldestAgeS ?? null, ackSeq: device.ackSeq, logTailSeq: device.logTailSeq, droppedTotal: summary.eventsDroppedTotal },
    uploads: { ok: summary.publishOk, failed: summary.publishFail, successRatio: diagnosis.uploadSuccessRatio, attachFailures: summary.attachFailures, connectionLosses: summary.connectionLosses },
    seqGaps: { missing, ranges: gaps.slice(0, 20) },
    reboots: { unexpected: summary.unexpectedReboots, powerLosses, bootCount: device.bootCount ?? latest('bootCount') ?? null, recent: recentBoots },
    clock: {
      timeSource: summary.timeSource ?? null,
      correctionsInWindow: correctionCount,
      corrections: corrections.map((row) => ({ at: row.createdAt.toISOString(), action: row.action, correctionS: row.correctionS, detail: row.detail })),
    },
    history,
    commands: commands.map((row) => ({ ...row, createdAt: row.createdAt.toISOString(), resultAt: iso(row.resultAt) })),
    diagnosis,
  };
}
