/**
 * Heartbeat: the daily (and per-session) diagnostics message (diagnostics.md §5, messages.ts HeartbeatKey).
 *
 * Inputs:  a ModemSnapshot sampled in the session (QCSQ, QNWINFO, CEREG?, QCFG celevel, CBC, QPSMS?), the
 *          supervisor's and the uplink's cumulative counters, the event log's stats, the core diagnostics
 *          counters, the time keeper.
 * Outputs: build() -> Heartbeat; commit() after the broker took it (PUBACK).
 * Rules:   unset values are omitted, never zero; counters are the change since the last committed
 *          heartbeat (cumulative counters are kept and a baseline is subtracted, so a heartbeat that was never
 *          delivered loses nothing); static strings (firmware versions, IMEI, ICCID) only when they changed;
 *          values outside the protocol's documented range are left out rather than sent wrong.
 */

import { HEARTBEAT_METRIC_RULES } from '../../../protocol/src/limits.ts';
import { LteMode, MessageKind, TimeSource, type Heartbeat, type HeartbeatMetric, type TimeAnchor } from '../../../protocol/src/messages.ts';
import type { ModemIdentity, ModemSnapshot, SupervisorCounters } from '../modem/connection-supervisor.ts';
import type { LogStats } from '../log/event-log.ts';
import type { DiagnosticCounters } from '../context.ts';

/** Uplink counters kept by the upload session (cumulative since boot). */
export interface UplinkCounters {
  ackTimeouts: number;
  bytesTx: number;
  bytesRx: number;
  uploadAttempts: number;
  /** Log records that could not be encoded and were skipped (not a HeartbeatKey; traced). */
  malformedSkipped: number;
}

export function newUplinkCounters(): UplinkCounters {
  return { ackTimeouts: 0, bytesTx: 0, bytesRx: 0, uploadAttempts: 0, malformedSkipped: 0 };
}

export interface HeartbeatSources {
  serial(): string;
  anchor(): TimeAnchor;
  uptimeS(): number;
  unixS(): number | undefined;
  timeSource(): TimeSource;
  lastCorrectionS(): number;
  logStats(): LogStats;
  /** Non-destructive read of the core diagnostics. */
  diagnostics(): DiagnosticCounters;
  /** Reset the core counters (ctx.takeCounters) once the heartbeat was delivered. */
  takeCounters(): void;
  batteryMv(): number | undefined;
  temperatureDeciC(): number | undefined;
  appFirmware: string;
  supervisor: SupervisorCounters;
  identity: ModemIdentity;
  uplink: UplinkCounters;
}

type Metrics = Heartbeat['metrics'];
type Numbers = Partial<Record<HeartbeatMetric, number | undefined>>;

/*
 * Metric names appear only as unquoted keys, never as strings: the firmware build shortens them (the wire
 * carries HeartbeatKey integers), and a string would keep the long name.
 */

/** The positive changes of `cur` since `base`. */
function changes(cur: Record<string, number>, base: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in cur) {
    const d = cur[k] - (base[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

export function lteModeOf(act: string | undefined): number | undefined {
  if (act === undefined) return undefined;
  const a = act.toUpperCase();
  if (a.indexOf('EMTC') >= 0 || a.indexOf('CAT-M') >= 0 || a === 'LTE') return LteMode.LteM;
  if (a.indexOf('NBIOT') >= 0 || a.indexOf('NB-IOT') >= 0) return LteMode.NbIot;
  if (a.indexOf('NOSERVICE') >= 0 || a.indexOf('NO SERVICE') >= 0) return LteMode.None;
  return undefined;
}

export class HeartbeatBuilder {
  private baseSup_: Record<string, number> = {};
  private baseStat_: Record<string, number> = {};
  private baseUp_: Record<string, number> = {};
  private lastCommitUptimeS_: number | undefined;
  private sentStatic_: Record<string, string> = {};
  private draft_: { sup: Record<string, number>; stat: Record<string, number>; up: Record<string, number>; uptimeS: number; statics: Record<string, string> } | undefined;

  private readonly s_: HeartbeatSources;

  constructor(s_: HeartbeatSources) {
    this.s_ = s_;
  }

  build(snap: ModemSnapshot): Heartbeat {
    const s = this.s_;
    const m: Record<string, unknown> = {};
    const set = (values: Numbers): void => {
      for (const k in values) {
        const v = values[k as HeartbeatMetric];
        if (v === undefined || !Number.isFinite(v)) continue;
        const rule = HEARTBEAT_METRIC_RULES[k as HeartbeatMetric];
        if (Array.isArray(rule) && (v < rule[0] || v > rule[1])) continue;
        m[k] = Math.round(v);
      }
    };
    const uptimeS = s.uptimeS();
    const sig = snap.signal;
    set({
      intervalS: uptimeS - (this.lastCommitUptimeS_ ?? 0),
      // Power: the board's own measurement first, the modem's supply reading as a fallback (ref §8).
      batteryMv: s.batteryMv() ?? snap.battery?.mv,
      batteryPct: snap.battery?.pct,
      temperatureDeciC: s.temperatureDeciC(),
      // Radio
      rsrpDbm: sig?.rsrpDbm,
      rsrqDeciDb: sig?.rsrqDeciDb,
      sinrDeciDb: sig?.sinrDeciDb,
      rssiDbm: sig?.rssiDbm,
      ceLevel: snap.ceLevel,
      band: snap.network?.band,
      earfcn: snap.network?.earfcn,
      lteMode: lteModeOf(sig?.sysmode) ?? lteModeOf(snap.network?.act),
      cellId: snap.registration?.cellId,
      tac: snap.registration?.tac,
      timeToConnectMs: s.supervisor.timeToConnectMs,
    });
    const op = snap.network?.operator;
    if (op !== undefined && /^[0-9]{5,6}$/.test(op)) m.operator = op;
    if (snap.psm?.enabled) set({ psmTauS: snap.psm.tauS, psmActiveS: snap.psm.activeS });

    // Counters since the last committed heartbeat: the cumulative values now are the next baseline.
    const c = s.supervisor;
    const sup = {
      connectionLosses: c.connectionLosses,
      attachFailures: c.attachFailures,
      mqttOpenFailures: c.mqttOpenFailures,
      mqttConnFailures: c.mqttConnFailures,
      publishOk: c.publishOk,
      publishRetrans: c.publishRetrans,
      publishFail: c.publishFail,
      radioOnMs: c.radioOnMs,
    };
    set(changes(sup, this.baseSup_) as Numbers);
    const stat = { ...c.mqttStat };
    const statOut = changes(stat, this.baseStat_);
    if (Object.keys(statOut).length > 0) m.mqttStat = statOut;
    const u = s.uplink;
    const up = { ackTimeouts: u.ackTimeouts, bytesTx: u.bytesTx, bytesRx: u.bytesRx, uploadAttempts: u.uploadAttempts };
    set(changes(up, this.baseUp_) as Numbers);

    // Queue
    const ls = s.logStats();
    let queueOldestAgeS: number | undefined;
    if (ls.oldest) {
      const a = s.anchor();
      if (ls.oldest.boot === a.boot) queueOldestAgeS = a.uptimeS - ls.oldest.uptimeS;
      else if (ls.oldest.unixS !== undefined && a.unixS !== null) queueOldestAgeS = a.unixS - ls.oldest.unixS;
    }
    const d = s.diagnostics();
    const src = s.timeSource();
    set({
      queueDepth: ls.count,
      queueOldestAgeS,
      eventsDroppedTotal: ls.droppedTotal,
      flashBytesUsed: ls.bytesUsed,
      // Core
      bootCount: d.bootCount,
      lastResetReason: d.lastResetReason,
      uptimeS,
      timeSource: src,
      clockCorrectionMs: src !== TimeSource.None ? s.lastCorrectionS() * 1000 : undefined,
    });
    // Core counters, sent only when non-zero.
    set(changes({ unexpectedReboots: d.unexpectedReboots, lidOpenCount: d.lidOpenCount, lidBounceCount: d.lidBounceCount, buttonPresses: d.buttonPresses, watchdogNearMiss: d.watchdogNearMiss }, {}) as Numbers);

    // Static strings, only on change
    const statics: Record<string, string> = {};
    const strings: Record<string, string | undefined> = { appFirmware: s.appFirmware, modemFirmware: s.identity.modemFirmware, imei: s.identity.imei, iccid: s.identity.iccid };
    for (const k in strings) {
      const v = strings[k];
      if (v === undefined || v === '') continue;
      statics[k] = v;
      if (this.sentStatic_[k] !== v) m[k] = v;
    }

    this.draft_ = { sup, stat, up, uptimeS, statics };
    return { kind: MessageKind.Heartbeat, serial: s.serial(), anchor: s.anchor(), metrics: m as Metrics };
  }

  /** The last built heartbeat was delivered: start new counter intervals. */
  commit(): void {
    const d = this.draft_;
    if (d === undefined) return;
    this.baseSup_ = d.sup;
    this.baseStat_ = d.stat;
    this.baseUp_ = d.up;
    this.lastCommitUptimeS_ = d.uptimeS;
    for (const k of Object.keys(d.statics)) this.sentStatic_[k] = d.statics[k];
    this.draft_ = undefined;
    this.s_.takeCounters();
  }
}
