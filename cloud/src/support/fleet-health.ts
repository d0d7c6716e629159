/**
 * The fleet list: every cap's verdict, kinds of trouble and score, worst first (trouble-kinds.ts `byTrouble`). The verdicts are diagnose.ts'
 * own, from a DiagnosticsSummary built with the same reductions device-diagnostics.ts applies to one cap
 * (cloud/test/api/support-fleet.test.ts holds the two to the same verdicts), so the list and
 * `pillcap support diag <serial>` always agree.
 */
import type { Queryable } from '../db/database.ts';
import type { DeviceScope } from '../repositories/devices.ts';
import { diagnose, type Diagnosis, type DiagnosticsSummary, type Severity, type Verdict } from './diagnose.ts';
import { loadFleetFacts, type CapFacts, type Gauge } from './fleet-repository.ts';
import { isPowerLossReset, isUnexpectedReset } from './reset-reasons.ts';
import { TROUBLE_KINDS, byTrouble, troubleKinds, troubleScore, type TroubleKind } from './trouble-kinds.ts';

export interface FleetCap {
  serial: string;
  organisation: string | null;
  appFirmware: string | null;
  lastSeenAt: Date | null;
  /** Hours since the last contact (null: never heard from). */
  silentHours: number | null;
  batteryPct: number | null;
  rsrpDbm: number | null;
  signalBand: string;
  status: Severity;
  score: number;
  troubles: TroubleKind[];
  primary: Verdict;
  verdicts: Verdict[];
}

export interface FleetHealth {
  generatedAt: Date;
  windowDays: number;
  /** Caps in scope, and how many have each kind of trouble (a cap may count under several) or none. */
  total: number;
  counts: Record<TroubleKind, number> & { healthy: number };
  /** Caps matching the filter; `caps` holds the first `limit` of them, worst first. */
  matching: number;
  caps: FleetCap[];
}

const FIRST_BOOT = 1;

/** The DiagnosticsSummary device-diagnostics.ts would build for this cap, from the fleet query's facts. */
export function summaryOf(facts: CapFacts, now: Date, windowDays: number): DiagnosticsSummary {
  // Gauges: newest heartbeat of the window that reported them; with none in the window, the newest ever.
  const fallback = facts.windowHeartbeats === 0 ? facts.lastHeartbeatMetrics : null;
  const latest = (key: Gauge): number | undefined => {
    if (fallback) {
      const v = fallback[key];
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    }
    return facts.latest[key] ?? undefined;
  };
  const { samples, spanMs, lostPct } = facts.battery;
  const dropPerDay = samples >= 2 && spanMs >= 12 * 3600 * 1000 ? lostPct / (spanMs / 86_400_000) : undefined;

  const unexpectedEvents = facts.bootEvents.filter((b) => isUnexpectedReset(b.reason)).length;
  const powerLossEvents = facts.bootEvents.filter((b) => b.boot > FIRST_BOOT && isPowerLossReset(b.reason)).length;
  const powerLossBoots = new Set(facts.heartbeatBoots.filter((b) => b.boot > FIRST_BOOT && isPowerLossReset(b.reason)).map((b) => b.boot));
  const unexpectedBoots = new Set(facts.heartbeatBoots.filter((b) => isUnexpectedReset(b.reason)).map((b) => b.boot));
  const sinrDeci = latest('sinrDeciDb');

  return {
    now,
    windowDays,
    lastSeenAt: facts.lastSeenAt ?? facts.lastHeartbeatAt,
    lastHeartbeatAt: facts.lastHeartbeatAt,
    rsrpDbm: latest('rsrpDbm'),
    sinrDb: sinrDeci === undefined ? undefined : sinrDeci / 10,
    ceLevel: latest('ceLevel'),
    batteryPct: latest('batteryPct'),
    batteryMv: latest('batteryMv'),
    batteryDropPctPerDay: dropPerDay,
    queueDepth: latest('queueDepth'),
    queueOldestAgeS: latest('queueOldestAgeS'),
    timeSource: latest('timeSource'),
    publishOk: facts.sums.publishOk,
    publishFail: facts.sums.publishFail,
    attachFailures: facts.sums.attachFailures,
    connectionLosses: facts.sums.connectionLosses,
    unexpectedReboots: Math.max(facts.sums.unexpectedReboots, unexpectedBoots.size, unexpectedEvents),
    powerLosses: Math.max(powerLossEvents, powerLossBoots.size),
    lastResetReason: facts.bootEvents[0]?.reason ?? latest('lastResetReason'),
    missingEvents: facts.missingEvents,
    eventsDroppedTotal: Math.max(facts.droppedTotal, latest('eventsDroppedTotal') ?? 0),
    maxClockCorrectionS: Math.max(facts.maxRecentCorrectionS, Math.abs((latest('clockCorrectionMs') ?? 0) / 1000)),
    clockCorrections: facts.clockCorrections,
  };
}

function capOf(facts: CapFacts, summary: DiagnosticsSummary, diagnosis: Diagnosis): FleetCap {
  const lastContact = summary.lastSeenAt ?? summary.lastHeartbeatAt;
  return {
    serial: facts.serial,
    organisation: facts.organisation,
    appFirmware: facts.appFirmware,
    lastSeenAt: lastContact,
    silentHours: lastContact ? Math.max(0, Math.floor((summary.now.getTime() - lastContact.getTime()) / 3_600_000)) : null,
    batteryPct: summary.batteryPct ?? null,
    rsrpDbm: summary.rsrpDbm ?? null,
    signalBand: diagnosis.signalBand,
    status: diagnosis.status,
    score: troubleScore(diagnosis.verdicts),
    troubles: troubleKinds(diagnosis.verdicts),
    primary: diagnosis.primary,
    verdicts: diagnosis.verdicts,
  };
}

export async function loadFleetHealth(
  db: Queryable,
  scope: DeviceScope,
  options: { now?: Date; windowDays: number; trouble?: TroubleKind; limit: number },
): Promise<FleetHealth> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - options.windowDays * 86_400_000);
  const facts = await loadFleetFacts(db, scope, since);
  const caps = facts.map((f) => {
    const summary = summaryOf(f, now, options.windowDays);
    return capOf(f, summary, diagnose(summary));
  });
  const counts = { ...Object.fromEntries(TROUBLE_KINDS.map((kind) => [kind, 0])), healthy: 0 } as FleetHealth['counts'];
  for (const cap of caps) {
    for (const kind of cap.troubles) counts[kind] += 1;
    if (cap.status === 'ok') counts.healthy += 1;
  }
  const matching = (options.trouble ? caps.filter((cap) => cap.troubles.includes(options.trouble!)) : caps).sort(byTrouble);
  return { generatedAt: now, windowDays: options.windowDays, total: caps.length, counts, matching: matching.length, caps: matching.slice(0, options.limit) };
}
