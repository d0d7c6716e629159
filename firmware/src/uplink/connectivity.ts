/**
 * Connectivity: wires the modem driver and the uplink into the firmware (F1's createFirmware calls
 * `createConnectivity(ctx).start()`).
 *
 * Inputs (bus):  LID_CLOSED, SYMPTOM_RECORDED, EVENT_RECORDED, UPLOAD_REQUESTED.
 * Outputs (bus): UPLOAD_STARTED, UPLOAD_FINISHED, LINK_STATE, EVENTS_ACKED, CONFIG_RECEIVED, COMMAND_RECEIVED;
 *                TimeKeeper.setWall on network/cloud time; ctx.reboot(UserReset) after a Reboot command.
 * Pieces:        AtEngine (modem/at-engine.ts) -> ConnectionSupervisor (modem/connection-supervisor.ts)
 *                <- UploadSession (uplink/upload-session.ts) scheduled by UploadPolicy (uplink/upload-policy.ts);
 *                HeartbeatBuilder (uplink/heartbeat.ts) for diagnostics.
 */

import { MessageKind, TimeSource, downlinkTopic, type Heartbeat, type Hello, type TimeAnchor } from '../../../protocol/src/messages.ts';
import type { DiagnosticCounters, FirmwareContext } from '../context.ts';
import type { LogStats, StoredEvent } from '../log/event-log.ts';
import { ResetReason } from '../boot/reset-reason.ts';
import { hashString } from '../random.ts';
import { AtEngine } from '../modem/at-engine.ts';
import { ConnectionSupervisor, type ModemIdentity, type ModemSnapshot, type SupervisorCounters, type SupervisorOptions } from '../modem/connection-supervisor.ts';
import type { PsmTimers } from '../modem/commands/psm-timers.ts';
import type { Timers } from '../ports/ports.ts';
import { HeartbeatBuilder, newUplinkCounters, type HeartbeatSources, type UplinkCounters } from './heartbeat.ts';
import { UploadPolicy, type UploadPolicyOptions, type UploadReason } from './upload-policy.ts';
import { UploadSession, type SessionEnv, type SessionOptions, type SessionResult } from './upload-session.ts';
import { TRACE } from '../trace.ts';
import { hexToBytes } from '../../../protocol/src/hex.ts';

export interface ConnectivityOptions {
  host?: string; // default mqtt.pillcap.example
  port?: number; // default 8883
  apn?: string; // default pillcap.iot
  /** Requested PSM timers; TAU longer than the heartbeat interval (ref §4). Default TAU 24 h, active 10 s. */
  psm?: PsmTimers;
  hwRevision?: string;
  supervisor?: Partial<Omit<SupervisorOptions, 'serial' | 'buildUnixS'>>;
  session?: SessionOptions;
  policy?: UploadPolicyOptions;
}

export interface ConnectivityStats {
  atCommands: number;
  radioOnMs: number;
  sessions: number;
  sessionsOk: number;
  uplink: UplinkCounters;
  state: string;
}

export interface Connectivity {
  start(): void;
  stats(): ConnectivityStats;
  readonly engine: AtEngine;
  readonly supervisor: ConnectionSupervisor;
  readonly policy: UploadPolicy;
}

export function createConnectivity(ctx: FirmwareContext, options: ConnectivityOptions = {}): Connectivity {
  const ports = ctx.ports;
  const trace = (line: string): void => ports.log(line);
  const uplink = newUplinkCounters();
  let session: UploadSession | undefined;
  let helloSent = false;
  let sessions = 0;
  let sessionsOk = 0;

  const engine = new AtEngine(ports.modem, ports.timers, trace);
  const supervisor = new ConnectionSupervisor(
    engine,
    { timers: ports.timers, clock: ports.clock, modemPower: ports.modemPower },
    {
      host: options.host ?? 'mqtt.pillcap.example',
      port: options.port ?? 8883,
      apn: options.apn ?? 'pillcap.iot',
      psm: options.psm ?? { tauS: 86400, activeS: 10 },
      ...options.supervisor,
      serial: ctx.serial,
      buildUnixS: ports.build.buildUnixS,
    },
    (e) => {
      if (e.type === 'downlink') {
        if (e.topic !== downlinkTopic(ctx.serial)) {
          if (TRACE) trace(`uplink: message on ${e.topic} ignored`);
        } else if (session) session.downlink(e.payload);
        else if (TRACE) trace('uplink: downlink outside a session ignored');
      } else if (e.type === 'link_lost') {
        if (session) session.linkLost();
      } else if (e.type === 'time') ctx.time.setWall(e.unixS, e.source === 'nitz' ? TimeSource.Nitz : TimeSource.Cclk);
    },
    trace,
  );
  supervisor.onStateChange = (state) => ctx.bus.publish({ type: 'LINK_STATE', state });

  const env: SessionEnv = new ContextView(ctx, supervisor, uplink, trace, options.hwRevision);

  const policy = new UploadPolicy(ports.timers, () => ports.clock.monotonicMs(), () => ctx.random(), () => ctx.config, startSession, options.policy);

  function startSession(reason: UploadReason): void {
    if (session) return;
    policy.sessionStarted();
    sessions++;
    ctx.bus.publish({ type: 'UPLOAD_STARTED', reason });
    const s = new UploadSession(supervisor, env, !helloSent, options.session);
    session = s;
    s.run((r: SessionResult) => {
      if (session === s) session = undefined;
      if (r.helloSent) helloSent = true;
      if (r.ok) sessionsOk++;
      policy.sessionDone({ ok: r.ok, backoffHint: r.backoffHint, morePending: r.morePending, again: r.again });
      const next = policy.nextStartMs;
      const fin: { type: 'UPLOAD_FINISHED'; ok: boolean; reason?: string; failures: number; nextInMs?: number } = { type: 'UPLOAD_FINISHED', ok: r.ok, failures: policy.failures };
      if (r.reason !== undefined) fin.reason = r.reason;
      if (next !== undefined) fin.nextInMs = Math.max(0, next - ports.clock.monotonicMs());
      ctx.bus.publish(fin);
      if (r.reboot) ctx.reboot(ResetReason.UserReset);
    });
  }

  return {
    engine,
    supervisor,
    policy,
    start(): void {
      ctx.bus.subscribe((m) => {
        if (m.type === 'LID_CLOSED') policy.lidClosed();
        else if (m.type === 'SYMPTOM_RECORDED') policy.symptom();
        else if (m.type === 'EVENT_RECORDED') {
          if (m.seq > 0) policy.event(m.kind);
        } else if (m.type === 'UPLOAD_REQUESTED') policy.request('request');
      });
      policy.begin();
    },
    stats(): ConnectivityStats {
      return { atCommands: engine.stats.commands, radioOnMs: supervisor.counters.radioOnMs, sessions, sessionsOk, uplink: { ...uplink }, state: supervisor.state };
    },
  };
}

/*
 * The heartbeat's and the session's view of the firmware context, one object for both. A class rather than
 * an object literal of arrow functions: the methods live once on the prototype (with the code) instead of one
 * closure per source per boot in RAM. Every method reads the context when called, as the closures did.
 */
class ContextView implements HeartbeatSources, SessionEnv {
  readonly appFirmware: string;
  readonly supervisor: SupervisorCounters;
  readonly identity: ModemIdentity;
  readonly timers: Timers;
  readonly log: SessionEnv['log'];
  readonly heartbeat_: HeartbeatBuilder;
  readonly uplink: UplinkCounters;
  readonly trace: (line: string) => void;
  private readonly ctx_: FirmwareContext;
  private readonly hwRevision_: string | undefined;

  constructor(ctx_: FirmwareContext, link: ConnectionSupervisor, uplink: UplinkCounters, trace: (line: string) => void, hwRevision_: string | undefined) {
    this.ctx_ = ctx_;
    this.uplink = uplink;
    this.trace = trace;
    this.hwRevision_ = hwRevision_;
    this.appFirmware = ctx_.ports.build.version;
    this.supervisor = link.counters;
    this.identity = link.identity;
    this.timers = ctx_.ports.timers;
    this.log = ctx_.log;
    this.heartbeat_ = new HeartbeatBuilder(this);
  }
  /** The session's name for the uplink counters. */
  get counters(): UplinkCounters {
    return this.uplink;
  }
  serial(): string {
    return this.ctx_.serial;
  }
  anchor(): TimeAnchor {
    return this.ctx_.time.anchor();
  }
  uptimeS(): number {
    return this.ctx_.time.uptimeS();
  }
  unixS(): number | undefined {
    return this.ctx_.time.unixS();
  }
  timeSource(): TimeSource {
    return this.ctx_.time.source;
  }
  lastCorrectionS(): number {
    return this.ctx_.time.lastCorrectionS;
  }
  logStats(): LogStats {
    return this.ctx_.log.stats();
  }
  diagnostics(): DiagnosticCounters {
    return this.ctx_.diagnostics;
  }
  takeCounters(): void {
    this.ctx_.takeCounters();
  }
  batteryMv(): number | undefined {
    return this.ctx_.ports.power.batteryMv();
  }
  temperatureDeciC(): number | undefined {
    return this.ctx_.ports.power.temperatureDeciC();
  }
  anchorsFor(events: StoredEvent[]): TimeAnchor[] {
    return this.ctx_.time.anchorsFor(events);
  }
  setWall(unixS: number, source: TimeSource): void {
    this.ctx_.time.setWall(unixS, source);
  }
  configVersion(): number {
    return this.ctx_.config.configVersion;
  }
  hello(identity: ModemIdentity): Hello {
    return buildHello(this.ctx_, identity, this.hwRevision_);
  }
  heartbeat(snap: ModemSnapshot): Heartbeat {
    return this.heartbeat_.build(snap);
  }
  heartbeatDelivered(): void {
    this.heartbeat_.commit();
  }
  emit(m: Parameters<SessionEnv['emit']>[0]): void {
    this.ctx_.bus.publish(m);
  }
}

function imageHashBytes(text: string): Uint8Array {
  if (/^([0-9a-fA-F]{2}){8,32}$/.test(text)) {
    return hexToBytes(text);
  }
  // Not a hex digest (development builds): derive a stable 8-byte stand-in from the text.
  const out = new Uint8Array(8);
  const a = hashString(text, 1);
  const b = hashString(text, 2);
  for (let i = 0; i < 4; i++) {
    out[i] = (a >>> (i * 8)) & 0xff;
    out[4 + i] = (b >>> (i * 8)) & 0xff;
  }
  return out;
}

export function buildHello(ctx: FirmwareContext, id: ModemIdentity, hwRevision?: string): Hello {
  const h: Hello = {
    kind: MessageKind.Hello,
    serial: ctx.serial,
    anchor: ctx.time.anchor(),
    appFirmware: ctx.ports.build.version.slice(0, 64),
    imageHash: imageHashBytes(ctx.ports.build.imageHash),
    bootCount: ctx.time.boot,
    resetReason: ctx.resetReason,
    configVersion: ctx.config.configVersion,
  };
  if (id.modemFirmware !== undefined) h.modemFirmware = id.modemFirmware.slice(0, 64);
  if (id.imei !== undefined && /^[0-9]{15}$/.test(id.imei)) h.imei = id.imei;
  if (id.iccid !== undefined && /^[0-9]{18,22}$/.test(id.iccid)) h.iccid = id.iccid;
  if (hwRevision !== undefined) h.hwRevision = hwRevision;
  return h;
}
