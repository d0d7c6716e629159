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
const COUNTER_KEYS = ['connectionLosses', 'attachFailures', 'mqttOpenFailures', 'mqttConnFailures', 'publishOk', 'publishRetrans', 'publishFail', 'radioOnMs'] as const;
const UPLINK_KEYS = ['ackTimeouts', 'bytesTx', 'bytesRx', 'uploadAttempts'] as const;
const SIGNAL_KEYS = ['rsrpDbm', 'rsrqDeciDb', 'sinrDeciDb', 'rssiDbm'] as const;
/** Core counters sent only when non-zero. */
const CORE_KEYS = ['unexpectedReboots', 'lidOpenCount', 'lidBounceCount', 'buttonPresses', 'watchdogNearMiss'] as const;

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
    const set = (k: HeartbeatMetric, v: number | undefined): void => {
      if (v === undefined || !Number.isFinite(v)) return;
      const rule = HEARTBEAT_METRIC_RULES[k];
      if (Array.isArray(rule) && (v < rule[0] || v > rule[1])) return;
      m[k] = Math.round(v);
    };
    const uptimeS = s.uptimeS();
    set('intervalS', uptimeS - (this.lastCommitUptimeS_ ?? 0));

    // Power: the board's own measurement first, the modem's supply reading as a fallback (ref §8).
    set('batteryMv', s.batteryMv() ?? snap.battery?.mv);
    set('batteryPct', snap.battery?.pct);
    set('temperatureDeciC', s.temperatureDeciC());

    // Radio
    const sig = snap.signal;
    if (sig) for (const k of SIGNAL_KEYS) set(k, sig[k]);
    set('ceLevel', snap.ceLevel);
    set('band', snap.network?.band);
    set('earfcn', snap.network?.earfcn);
    const op = snap.network?.operator;
    if (op !== undefined && /^[0-9]{5,6}$/.test(op)) m.operator = op;
    set('lteMode', lteModeOf(sig?.sysmode) ?? lteModeOf(snap.network?.act));
    set('cellId', snap.registration?.cellId);
    set('tac', snap.registration?.tac);
    if (snap.psm?.enabled) {
      set('psmTauS', snap.psm.tauS);
      set('psmActiveS', snap.psm.activeS);
    }
    set('timeToConnectMs', s.supervisor.timeToConnectMs);

    // Counters since the last committed heartbeat: `delta` returns the cumulative values (the next
    // baseline) and hands each positive change to `put`.
    const delta = (cur: Record<string, number>, base: Record<string, number>, keys: readonly string[], put: (k: string, d: number) => void): Record<string, number> => {
      const now: Record<string, number> = {};
      for (const k of keys) {
        now[k] = cur[k];
        const d = cur[k] - (base[k] ?? 0);
        if (d > 0) put(k, d);
      }
      return now;
    };
    const sup = delta(s.supervisor as unknown as Record<string, number>, this.baseSup_, COUNTER_KEYS, set as (k: string, d: number) => void);
    const statOut: Record<string, number> = {};
    let anyStat = false;
    const stat = delta(s.supervisor.mqttStat, this.baseStat_, Object.keys(s.supervisor.mqttStat), (k, d) => {
      statOut[k] = d;
      anyStat = true;
    });
    if (anyStat) m.mqttStat = statOut;
    const up = delta(s.uplink as unknown as Record<string, number>, this.baseUp_, UPLINK_KEYS, set as (k: string, d: number) => void);

    // Queue
    const ls = s.logStats();
    set('queueDepth', ls.count);
    if (ls.oldest) {
      const a = s.anchor();
      if (ls.oldest.boot === a.boot) set('queueOldestAgeS', a.uptimeS - ls.oldest.uptimeS);
      else if (ls.oldest.unixS !== undefined && a.unixS !== null) set('queueOldestAgeS', a.unixS - ls.oldest.unixS);
    }
    set('eventsDroppedTotal', ls.droppedTotal);
    set('flashBytesUsed', ls.bytesUsed);

    // Core
    const d = s.diagnostics();
    set('bootCount', d.bootCount);
    set('lastResetReason', d.lastResetReason);
    set('uptimeS', uptimeS);
    for (const k of CORE_KEYS) if (d[k] > 0) set(k, d[k]);
    const src = s.timeSource();
    set('timeSource', src);
    if (src !== TimeSource.None) set('clockCorrectionMs', s.lastCorrectionS() * 1000);

    // Static strings, only on change
    const statics: Record<string, string> = {};
    const stat1 = (k: 'appFirmware' | 'modemFirmware' | 'imei' | 'iccid', v: string | undefined): void => {
      if (v === undefined || v === '') return;
      statics[k] = v;
      if (this.sentStatic_[k] !== v) m[k] = v;
    };
    stat1('appFirmware', s.appFirmware);
    stat1('modemFirmware', s.identity.modemFirmware);
    stat1('imei', s.identity.imei);
    stat1('iccid', s.identity.iccid);

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
