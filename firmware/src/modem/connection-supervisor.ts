/**
 * Connection supervisor: brings the BG95 from whatever state it is in to an MQTT session, keeps track of
 * what the link is doing, and recovers from every failure the reference names (ref = modem-bg95.md).
 *
 * Inputs:  connect(done), publish(topic, bytes, done), sleep(done), sample(done), abort();
 *          URCs: RDY / APP RDY, +CEREG, +QMTSTAT, +QIURC "pdpdeact", PSM POWER DOWN, POWERED DOWN, +QMTRECV.
 * Outputs: AT commands through the engine; PWRKEY / supply through ModemPower; SupervisorEvent to the
 *          listener (downlink, link_lost, time); counters for the heartbeat.
 * States:  off -> powering_up -> registering -> pdp_up -> mqtt_open -> mqtt_connected -> disconnecting -> psm
 *          (or back to off via QPOWD). `failed` = the last attempt failed; the next connect starts over
 *          from the stage recorded in `resume`.
 *
 * Escalation ladder across failed attempts (reset by a successful connect): attempt 1 retries the session
 * (query, close stale client, open again); attempts 2-3 re-attach (CFUN=0/1) first; every 4th power-cycles
 * the modem. A silent modem (3 consecutive command timeouts) is power-cycled at once, at most once per
 * attempt. The caller (upload session/policy) owns backoff between attempts.
 *
 * Every stage callback carries the generation it was started under; abort() and power cycles bump the
 * generation so late callbacks of a superseded attempt do nothing.
 */

import type { Clock, ModemPower, Timers, TimerHandle } from '../ports/ports.ts';
import { okCommand, q, type AtCommand } from './at-command.ts';
import type { AtEngine, AtFailure, AtResult } from './at-engine.ts';
import { at, cmeeNumeric, cpinRead, echoOff, gsn, qccid, qcfgSet, qgmr } from './commands/basic.ts';
import { cbc, celevel, ceregEnable, ceregRead, cfun, isRegistered, parseCeregUrc, qcsq, qnwinfo, RegStat, type NetworkInfo, type Registration, type SignalQuality } from './commands/network.ts';
import { parsePdpDeact, qiact, qiactRead, qicsgp, qideact } from './commands/pdp.ts';
import { qmtcfgSsl } from './commands/tls.ts';
import { MQTT_PKT_TIMEOUT_S, MQTT_RETRIES, parseQmtstat, qmtclose, qmtconn, qmtconnRead, qmtdisc, qmtopen, qmtopenRead, qmtpub, qmtsub } from './commands/mqtt.ts';
import { cpsms, qpsmsRead } from './commands/psm.ts';
import type { PsmTimers } from './commands/psm-timers.ts';
import { cclkRead, plausibleTime, qltsUtc, type ModemTime } from './commands/time.ts';
import { qpowd } from './commands/power.ts';
import { TRACE } from '../trace.ts';

export type SupervisorState = 'off' | 'powering_up' | 'registering' | 'pdp_up' | 'mqtt_open' | 'mqtt_connected' | 'disconnecting' | 'psm' | 'failed';

/**
 * Where the next connect starts, in bring-up order: a lower stage redoes more work (see `earlier`).
 * A const enum so the build inlines small numbers instead of shipping stage names.
 */
const enum Stage {
  PowerOn,
  Wake,
  Init,
  Reattach,
  Register,
  Pdp,
  PdpCycle,
  CloseOpen,
  Open,
  Connected,
}

/** SupervisorState as a small number inside the supervisor (the public `state` is its name, STATE_NAMES). */
const enum S {
  Off,
  PoweringUp,
  Registering,
  PdpUp,
  MqttOpen,
  MqttConnected,
  Disconnecting,
  Psm,
  Failed,
}

const STATE_NAMES: SupervisorState[] = ['off', 'powering_up', 'registering', 'pdp_up', 'mqtt_open', 'mqtt_connected', 'disconnecting', 'psm', 'failed'];

export interface SupervisorOptions {
  serial: string; // MQTT client id (<= 23 bytes) and topic component
  host: string;
  port: number;
  apn: string;
  psm: PsmTimers;
  buildUnixS: number;
  client?: number; // MQTT client index, default 0
  pdpCtx?: number; // default 1
  sslCtx?: number; // default 2
  keepaliveS?: number; // default 60
  registrationTimeoutMs?: number; // default 180 s
  registrationPollMs?: number; // default 5 s (a +CEREG URC ends the wait earlier)
  readyTimeoutMs?: number; // wait for RDY after PWRKEY, default 10 s
  psmEntryTimeoutMs?: number; // wait for PSM POWER DOWN, default 30 s
  silentTimeouts?: number; // consecutive command timeouts that mean "modem hung", default 3
  timeResyncS?: number; // re-read network time when older than this, default 24 h
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
}

export type SupervisorEvent =
  | { type: 'downlink'; topic: string; payload: Uint8Array }
  | { type: 'link_lost'; cause: string } // the MQTT session ended under us while connected
  | { type: 'time'; unixS: number; source: 'nitz' | 'cclk' }
  | { type: 'registration'; stat: number };

export interface SupervisorCounters {
  connectionLosses: number;
  attachFailures: number;
  mqttOpenFailures: number;
  mqttConnFailures: number;
  mqttStat: Record<number, number>;
  publishOk: number;
  publishRetrans: number;
  publishFail: number;
  powerCycles: number;
  reattaches: number;
  radioOnMs: number; // accumulated
  timeToConnectMs?: number; // last radio-on (or wake) to registered
}

export interface ModemIdentity {
  modemFirmware?: string;
  imei?: string;
  iccid?: string;
}

export interface ModemSnapshot {
  signal?: SignalQuality;
  network?: NetworkInfo;
  registration?: Registration;
  ceLevel?: number;
  battery?: { pct: number; mv: number };
  psm?: PsmTimers & { enabled: boolean };
}

export interface PublishOutcome {
  ok: boolean;
  retransmissions: number;
  reason?: string;
}

export function newSupervisorCounters(): SupervisorCounters {
  return { connectionLosses: 0, attachFailures: 0, mqttOpenFailures: 0, mqttConnFailures: 0, mqttStat: {}, publishOk: 0, publishRetrans: 0, publishFail: 0, powerCycles: 0, reattaches: 0, radioOnMs: 0 };
}

/**
 * Recovery for each +QMTSTAT code (ref §3.7): 1 closed or reset by peer, 3 CONNECT failed, 4 CONNACK failed
 * (3 and 4 counted as conn failures), 5 server closed after our DISCONNECT (only unexpected when
 * connected), 8 client closed (one driver only): open again. 2 PINGREQ failed: the PDP context is suspect,
 * cycle it. 6 sending kept failing: re-attach. 7 link not alive / server unavailable, and unknown codes (the
 * code is counted): open again, with backoff (`qmtstatBackoff`).
 */
function qmtstatResume(err: number): Stage {
  return err === 2 ? Stage.PdpCycle : err === 6 ? Stage.Reattach : Stage.Open;
}

function qmtstatBackoff(err: number): boolean {
  return !((err >= 1 && err <= 6) || err === 8);
}

export class ConnectionSupervisor {
  /** Called on every state change (connectivity publishes LINK_STATE from it). */
  onStateChange: ((state: SupervisorState) => void) | undefined;
  private current_: S = S.Off;

  get state(): SupervisorState {
    return STATE_NAMES[this.current_];
  }

  private set_(next: S): void {
    if (next === this.current_) return;
    this.current_ = next;
    if (this.onStateChange) this.onStateChange(STATE_NAMES[next]);
  }

  readonly counters: SupervisorCounters = newSupervisorCounters();
  readonly identity: ModemIdentity = {};
  /** Set by +QMTSTAT 7 / unknown: the caller should back off before reconnecting. */
  backoffHint = false;
  /** From the last QPSMS? sample: false = the network refused PSM, so do not wait for PSM POWER DOWN. */
  psmGranted: boolean | undefined;
  lastWallSyncMonoMs: number | undefined;

  private resume_: Stage = Stage.PowerOn;
  private gen_ = 0;
  private failStreak_ = 0;
  private msgId_ = 0;
  private identityRead_ = false;
  private bootConfigDone_ = false;
  private mqttConfigured_ = false;
  private registered_ = false;
  private expectDisconnect_ = false;
  private radioOnSince_: number | undefined;
  private attemptPowerCycled_ = false;
  private attemptDone_: ((error?: string) => void) | undefined;
  private readyWaiter_: (() => void) | undefined;
  private regWaiter_: ((r: Registration) => void) | undefined;
  private psmWaiter_: (() => void) | undefined;
  private timers_: TimerHandle[] = [];
  private readonly o_: Required<Omit<SupervisorOptions, 'caCert' | 'clientCert' | 'clientKey'>> & { caCert: string; clientCert: string; clientKey: string };

  // Constructor parameters kept as fields; declared here rather than as parameter properties, which the
  // build would also declare under their long names (esbuild's mangleProps skips those declarations).
  private readonly engine_: AtEngine;
  private readonly ports_: { timers: Timers; clock: Clock; modemPower: ModemPower };
  private readonly listener_: (e: SupervisorEvent) => void;
  private readonly log_: (line: string) => void;

  constructor(
    engine_: AtEngine,
    ports_: { timers: Timers; clock: Clock; modemPower: ModemPower },
    options: SupervisorOptions,
    listener_: (e: SupervisorEvent) => void,
    log_: (line: string) => void,
  ) {
    this.engine_ = engine_;
    this.ports_ = ports_;
    this.listener_ = listener_;
    this.log_ = log_;
    this.o_ = {
      client: 0,
      pdpCtx: 1,
      sslCtx: 2,
      keepaliveS: 60,
      registrationTimeoutMs: 180000,
      registrationPollMs: 5000,
      readyTimeoutMs: 10000,
      psmEntryTimeoutMs: 30000,
      silentTimeouts: 3,
      timeResyncS: 86400,
      caCert: 'cacert.pem',
      clientCert: 'cert.pem',
      clientKey: 'key.pem',
      ...options,
    } as typeof this.o_;
    engine_.onUrc('RDY', () => this.onReady_());
    // APP RDY follows RDY by about a second: it only ends a wait, it never means "rebooted".
    engine_.onUrc('APP RDY', () => this.readyWaiter_ && this.readyWaiter_());
    engine_.onUrc('+CEREG:', (l) => this.onCereg_(l));
    engine_.onUrc('+QMTSTAT:', (l) => this.onQmtstat_(l));
    engine_.onUrc('+QIURC:', (l) => this.onQiurc_(l));
    engine_.onUrc('PSM POWER DOWN', () => this.onPsmPowerDown_());
    engine_.onUrc('POWERED DOWN', () => this.onPoweredDown_());
    // Boot chatter (ref §10): expected, not worth an "unknown line" log entry.
    // One handler shared by all of them: a closure per prefix would stay in RAM for nothing.
    const late = (l: string): void => {
      if (TRACE) this.log_(`modem: late ${l}`);
    };
    for (const p of '+CPIN: +CFUN: +QUSIM: +QIND: +QMTDISC: +QMTCLOSE: +QMTOPEN: +QMTCONN: +QMTPUB: +QMTPUBEX: +QMTSUB:'.split(' ')) engine_.onUrc(p, late);
    engine_.onRecv((m) => {
      this.listener_({ type: 'downlink', topic: m.topic, payload: m.payload });
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Public operations

  /** Bring the link to mqtt_connected. `done(undefined)` on success, `done(reason)` on failure. */
  connect(done: (error?: string) => void): void {
    if (this.current_ === S.MqttConnected) {
      done();
      return;
    }
    this.gen_++;
    this.attemptDone_ = done;
    this.attemptPowerCycled_ = false;
    this.backoffHint = false;
    let start = this.resume_;
    if (this.failStreak_ > 0 && this.failStreak_ % 4 === 0) {
      this.powerCycle_();
      return;
    }
    // From the second failure on, any stage between registration and the MQTT open re-attaches first.
    if (this.failStreak_ >= 2 && start >= Stage.Register && start <= Stage.Open) start = Stage.Reattach;
    this.runStage_(start);
  }

  /** Publish with QoS 1 on the open session. */
  publish(topic: string, payload: Uint8Array, done: (r: PublishOutcome) => void): void {
    if (this.current_ !== S.MqttConnected) {
      done({ ok: false, retransmissions: 0, reason: 'not_connected' });
      return;
    }
    const gen = this.gen_;
    this.engine_.run(qmtpub, { client: this.o_.client, msgId: this.nextMsgId_(), qos: 1, retain: 0, topic, payload }, (r) => {
      const retransmissions = r.ok ? r.value.retransmissions : 0;
      this.counters.publishRetrans += retransmissions;
      if (r.ok && r.value.result === 0) {
        this.counters.publishOk++;
        return done({ ok: true, retransmissions });
      }
      // An abort (link lost, budget) is counted where it happened, not as a failed publish.
      if (r.ok || r.error.kind !== 'aborted') this.counters.publishFail++;
      // A failed publish means the session is suspect: close it and open again next time (ref §13, yaroc).
      if (gen === this.gen_ && this.current_ === S.MqttConnected) {
        this.set_(S.PdpUp);
        this.resume_ = !r.ok && r.error.kind === 'timeout' && this.silent_() ? Stage.PowerOn : Stage.CloseOpen;
      }
      done({ ok: false, retransmissions, reason: r.ok ? `publish_result_${r.value.result}` : `publish_${r.error.kind}` });
    });
  }

  /** End the session: MQTT DISCONNECT, then let the modem enter PSM (or power it down). */
  sleep(done: () => void): void {
    this.drop_();
    const gen = this.gen_;
    const finish = (): void => {
      if (gen !== this.gen_) return;
      done();
    };
    if (this.current_ === S.Off || this.current_ === S.Psm) {
      finish();
      return;
    }
    const wasMqtt = this.current_ === S.MqttConnected || this.current_ === S.MqttOpen;
    this.set_(S.Disconnecting);
    const afterDisc = (): void => {
      if (gen !== this.gen_) return;
      // PSM needs a registration and a grant; without either, waiting 30 s for it only burns charge.
      if (this.psmGranted === false || !this.registered_) return this.powerDown_(finish);
      this.psmWaiter_ = () => {
        this.psmWaiter_ = undefined;
        this.clearTimers_();
        this.enterPsm_();
        finish();
      };
      this.after_(this.o_.psmEntryTimeoutMs, () => {
        if (gen !== this.gen_) return;
        this.psmWaiter_ = undefined;
        this.powerDown_(finish);
      });
    };
    if (wasMqtt) {
      this.expectDisconnect_ = true;
      this.engine_.run(qmtdisc, this.o_.client, () => afterDisc());
    } else afterDisc();
  }

  /** Radio budget exhausted or shutting down: drop everything and power the modem off. */
  abort(done: () => void): void {
    this.drop_();
    this.engine_.abortAll();
    this.powerDown_(done);
  }

  /** Supersedes the attempt in progress (its callbacks do nothing, its `done` is never called) and its timers. */
  private drop_(): void {
    this.gen_++;
    this.attemptDone_ = undefined;
    this.clearTimers_();
  }

  /** Diagnostics sample for the heartbeat; failures only leave fields out. */
  sample(done: (s: ModemSnapshot) => void): void {
    const s: ModemSnapshot = {};
    const steps: [AtCommand<void, any>, keyof ModemSnapshot][] = [
      [qcsq, 'signal'],
      [qnwinfo, 'network'],
      [ceregRead, 'registration'],
      [celevel, 'ceLevel'],
      [cbc, 'battery'],
      [qpsmsRead, 'psm'],
    ];
    let i = 0;
    const next = (): void => {
      if (i >= steps.length) {
        if (s.psm !== undefined) this.psmGranted = s.psm.enabled;
        return done(s);
      }
      const [cmd, key] = steps[i++];
      this.engine_.run(cmd, undefined, (r) => {
        if (r.ok) s[key] = r.value;
        next();
      });
    };
    next();
  }

  // ---------------------------------------------------------------------------------------------------
  // Stages

  private runStage_(stage: Stage): void {
    const gen = this.gen_;
    switch (stage) {
      case Stage.PowerOn:
      case Stage.Wake:
        return this.powerOn_(gen, stage === Stage.Wake);
      case Stage.Init:
        return this.init_(gen);
      case Stage.Reattach:
        return this.reattach_(gen);
      case Stage.Register:
        return this.register_(gen);
      case Stage.Pdp:
      case Stage.PdpCycle:
        return this.pdp_(gen, stage === Stage.PdpCycle);
      case Stage.CloseOpen: {
        const open = (): void => this.open_(gen, 0);
        return this.cmd_(gen, qmtclose, this.o_.client, open, open);
      }
      case Stage.Open:
        return this.open_(gen, 0);
      case Stage.Connected:
        return this.succeed_();
    }
  }

  /** Power on, or (`wake`) PSM wake: PWRKEY pulse, then the UART behaves like after a fresh boot (ref §4). */
  private powerOn_(gen: number, wake: boolean): void {
    this.poweringUp_();
    if (!wake && this.ports_.modemPower.status() === 1) return this.poll_(gen, 5);
    this.ports_.modemPower.pulsePowerKey(500);
    if (wake) this.radioOnSince_ = this.ports_.clock.monotonicMs();
    let settled = false;
    const go = (): void => {
      if (settled || gen !== this.gen_) return;
      settled = true;
      this.readyWaiter_ = undefined;
      this.poll_(gen, 5);
    };
    this.readyWaiter_ = go;
    this.after_(this.o_.readyTimeoutMs, go);
  }

  private poll_(gen: number, tries: number): void {
    this.engine_.run(at, undefined, (r) => {
      if (gen !== this.gen_) return;
      if (r.ok) return this.init_(gen);
      if (this.silent_() && !this.attemptPowerCycled_) {
        this.attemptPowerCycled_ = true;
        return this.powerCycle_();
      }
      if (tries > 1) return this.poll_(gen, tries - 1);
      this.fail_('modem_silent', Stage.PowerOn);
    });
  }

  private poweringUp_(): void {
    this.set_(S.PoweringUp);
    this.mqttConfigured_ = false;
  }

  private init_(gen: number): void {
    this.poweringUp_();
    this.seq_(gen, [step(echoOff), step(cmeeNumeric)], () => this.sim_(gen, 3), 'init');
  }

  private sim_(gen: number, tries: number): void {
    const fail = (why: string): void => this.fail_(`sim_${why}`, Stage.Init);
    this.cmd_(
      gen,
      cpinRead,
      undefined,
      (state) => (state === 'READY' ? this.identityAndRadio_(gen) : fail(state)),
      (e) => {
        // SIM busy: retry (ref §0)
        if (e.kind === 'cme' && e.code === 14 && tries > 1) return this.after_(2000, () => gen === this.gen_ && this.sim_(gen, tries - 1));
        fail(failureText(e));
      },
    );
  }

  private identityAndRadio_(gen: number): void {
    const steps: Step[] = [];
    if (!this.identityRead_) {
      steps.push(
        optional(qgmr, undefined, (v) => (this.identity.modemFirmware = v)),
        optional(gsn, undefined, (v) => (this.identity.imei = v)),
        optional(qccid, undefined, (v) => (this.identity.iccid = v)),
      );
    }
    if (!this.bootConfigDone_) {
      steps.push(
        optional(qcfgSet, { name: 'nwscanseq', values: '020301,1' }),
        optional(qcfgSet, { name: 'iotopmode', values: '0,1' }),
        optional(qcfgSet, { name: 'psm/enter', values: '1' }),
        optional(cpsms, this.o_.psm),
      );
    }
    steps.push(step(qicsgp, { ctx: this.o_.pdpCtx, apn: this.o_.apn }), step(ceregEnable), step(cfun, 1));
    this.seq_(
      gen,
      steps,
      () => {
        this.identityRead_ = true;
        this.bootConfigDone_ = true;
        if (this.radioOnSince_ === undefined) this.radioOnSince_ = this.ports_.clock.monotonicMs();
        this.register_(gen);
      },
      'init',
    );
  }

  private reattach_(gen: number): void {
    this.counters.reattaches++;
    this.set_(S.Registering);
    this.registered_ = false;
    this.seq_(gen, [step(cfun, 0), step(cfun, 1)], () => this.register_(gen), 'reattach');
  }

  private register_(gen: number): void {
    this.set_(S.Registering);
    const startMs = this.ports_.clock.monotonicMs();
    const radioStart = this.radioOnSince_ ?? startMs;
    // The wait is over once `done` is no longer the waiter: registered, failed (fail_ drops it), or superseded.
    const waiting = (): boolean => this.regWaiter_ === done && gen === this.gen_;
    const fail = (reason: string): void => {
      this.counters.attachFailures++;
      this.fail_(reason, Stage.Reattach);
    };
    const done = (r: Registration): void => {
      if (!waiting()) return;
      if (r.stat === RegStat.Denied) return fail('registration_denied');
      if (!isRegistered(r.stat)) return;
      this.regWaiter_ = undefined;
      this.registered_ = true;
      this.counters.timeToConnectMs = this.ports_.clock.monotonicMs() - radioStart;
      this.afterRegistered_(gen);
    };
    this.regWaiter_ = done;
    const pollOnce = (): void => {
      if (!waiting()) return;
      if (this.ports_.clock.monotonicMs() - startMs >= this.o_.registrationTimeoutMs) return fail('registration_timeout');
      this.engine_.run(ceregRead, undefined, (r) => {
        if (!waiting()) return;
        if (r.ok) done(r.value);
        else if (this.handleSilent_(gen, r.error)) return;
        if (waiting()) this.after_(this.o_.registrationPollMs, pollOnce);
      });
    };
    pollOnce();
  }

  private afterRegistered_(gen: number): void {
    const now = this.ports_.clock.monotonicMs();
    const pdp = (): void => this.pdp_(gen, false);
    if (this.lastWallSyncMonoMs !== undefined && now - this.lastWallSyncMonoMs < this.o_.timeResyncS * 1000) return pdp();
    // No NITZ: CCLK as the fallback (ref §6: networks need not send NITZ).
    this.time_(gen, now, qltsUtc, 'nitz', (got) => (got ? pdp() : this.time_(gen, now, cclkRead, 'cclk', pdp)));
  }

  /** Network time from `cmd`, reported to the listener when plausible; `done(true)` if so. */
  private time_(gen: number, now: number, cmd: AtCommand<void, ModemTime | undefined>, source: 'nitz' | 'cclk', done: (got: boolean) => void): void {
    this.engine_.run(cmd, undefined, (r) => {
      if (gen !== this.gen_) return;
      if (!r.ok || !plausibleTime(r.value, this.o_.buildUnixS)) return done(false);
      this.lastWallSyncMonoMs = now;
      this.listener_({ type: 'time', unixS: r.value.unixS, source });
      done(true);
    });
  }

  private pdp_(gen: number, cycle: boolean): void {
    const ctx = this.o_.pdpCtx;
    const activate = (): void =>
      this.cmd_(gen, qiact, ctx, () => {
        this.set_(S.PdpUp);
        this.configure_(gen);
      });
    if (cycle) {
      this.cmd_(gen, qideact, ctx, activate, activate);
      return;
    }
    this.cmd_(gen, qiactRead, undefined, (list) => {
      for (let i = 0; i < list.length; i++) {
        if (list[i].ctx === ctx && list[i].state === 1) {
          this.set_(S.PdpUp);
          return this.configure_(gen);
        }
      }
      activate();
    });
  }

  private configure_(gen: number): void {
    if (this.mqttConfigured_) return this.open_(gen, 0);
    const { client: c, sslCtx: ssl, pdpCtx, keepaliveS, caCert, clientCert, clientKey } = this.o_;
    // The settings of commands/tls.ts qsslcfg and commands/mqtt.ts qmtcfg, written out: TLS 1.2, all cipher
    // suites, server and client authentication, SNI; MQTT 3.1.1 on our PDP context, clean session, packet
    // timeout and retries with notice, received payloads in the URC with their length.
    const steps: Step[] = [
      step(sslcfg, ['sslversion', ssl, 3]),
      step(sslcfg, ['ciphersuite', ssl, '0xFFFF']),
      step(sslcfg, ['seclevel', ssl, 2]),
      step(sslcfg, ['cacert', ssl, caCert, true]),
      step(sslcfg, ['clientcert', ssl, clientCert, true]),
      step(sslcfg, ['clientkey', ssl, clientKey, true]),
      step(sslcfg, ['sni', ssl, 1]),
      step(qmtcfgSsl, { client: c, sslCtx: ssl }),
      step(mqttcfg, ['version', c, 4]),
      step(mqttcfg, ['pdpcid', c, pdpCtx]),
      step(mqttcfg, ['keepalive', c, keepaliveS]),
      step(mqttcfg, ['session', c, 1]),
      step(mqttcfg, ['timeout', c, `${MQTT_PKT_TIMEOUT_S},${MQTT_RETRIES},1`]),
      step(mqttcfg, ['recv/mode', c, '0,1']),
    ];
    this.seq_(
      gen,
      steps,
      () => {
        this.mqttConfigured_ = true;
        this.open_(gen, 0);
      },
      'mqtt_config',
    );
  }

  /** Query before open (ref §3.2, §11.2): reuse a matching socket, close a wrong or stale one. */
  private open_(gen: number, retries: number): void {
    const c = this.o_.client;
    this.cmd_(gen, qmtopenRead, undefined, (open) => {
      const mine = open.filter((s) => s.client === c)[0];
      if (mine !== undefined && mine.host === this.o_.host && mine.port === this.o_.port) {
        this.set_(S.MqttOpen);
        return this.conn_(gen);
      }
      const again = (): void => this.open_(gen, retries + 1);
      const doOpen = (): void =>
        this.cmd_(gen, qmtopen, { client: c, host: this.o_.host, port: this.o_.port }, (result) => {
          if (result === 0) {
            this.set_(S.MqttOpen);
            return this.conn_(gen);
          }
          this.counters.mqttOpenFailures++;
          if (result === 2 && retries < 1) {
            // Identifier occupied: a stale client survived an MCU reset (ref §11.2).
            return this.cmd_(gen, qmtclose, c, again, again);
          }
          if (result === 3 && retries < 1) return this.cmd_(gen, qideact, this.o_.pdpCtx, () => this.cmd_(gen, qiact, this.o_.pdpCtx, again));
          this.fail_(`open_${result}`, result === 3 || result === 5 ? Stage.PdpCycle : Stage.Open);
        });
      if (mine !== undefined) this.cmd_(gen, qmtclose, c, doOpen, doOpen);
      else doOpen();
    });
  }

  private conn_(gen: number): void {
    const c = this.o_.client;
    this.cmd_(gen, qmtconnRead, { client: c }, (st) => {
      if (st === 3) return this.subscribe_(gen); // already connected: reuse after an MCU reset
      this.cmd_(gen, qmtconn, { client: c, clientId: this.o_.serial }, (r) => {
        if (r.result === 0 && (r.retCode === undefined || r.retCode === 0)) return this.subscribe_(gen);
        this.counters.mqttConnFailures++;
        this.fail_(`conn_${r.result}_${r.retCode ?? ''}`, Stage.CloseOpen);
      });
    });
  }

  private subscribe_(gen: number): void {
    this.cmd_(gen, qmtsub, { client: this.o_.client, msgId: this.nextMsgId_(), topic: `pillcap/v1/${this.o_.serial}/down`, qos: 1 }, (r) => {
      if (r.result !== 0 || r.grantedQos === 128) return this.fail_(r.grantedQos === 128 ? 'sub_refused' : `sub_${r.result}`, Stage.CloseOpen);
      this.succeed_();
    });
  }

  private succeed_(): void {
    this.set_(S.MqttConnected);
    this.resume_ = Stage.Connected;
    this.failStreak_ = 0;
    this.expectDisconnect_ = false;
    this.settle_();
  }

  /** Ends the attempt in progress, if any: `done(reason)`. */
  private settle_(reason?: string): void {
    const done = this.attemptDone_;
    this.attemptDone_ = undefined;
    if (done) done(reason);
  }

  private fail_(reason: string, resume: Stage): void {
    if (TRACE) this.log_(`supervisor: attempt failed: ${reason}`);
    this.failStreak_++;
    this.clearTimers_();
    this.regWaiter_ = undefined;
    this.readyWaiter_ = undefined;
    if (this.current_ === S.Off) this.resume_ = Stage.PowerOn;
    else if (this.current_ === S.Psm) this.resume_ = Stage.Wake;
    else {
      this.set_(S.Failed);
      this.resume_ = resume;
    }
    this.settle_(reason);
  }

  // ---------------------------------------------------------------------------------------------------
  // Power

  /** Power-cycle the modem, then bring it up from PowerOn (same attempt). */
  private powerCycle_(): void {
    this.counters.powerCycles++;
    if (TRACE) this.log_('supervisor: power-cycling the modem');
    this.gen_++;
    const gen = this.gen_;
    this.clearTimers_();
    this.engine_.abortAll();
    this.lost_(S.Off);
    const mp = this.ports_.modemPower;
    mp.pulsePowerKey(650);
    this.after_(3000, () => {
      if (gen !== this.gen_) return;
      if (mp.status() === 1) {
        // PWRKEY ignored: the modem is hung hard. Cut the supply where the board has a switch.
        mp.setSupply(false);
        this.after_(1000, () => {
          if (gen !== this.gen_) return;
          mp.setSupply(true);
          this.after_(500, () => gen === this.gen_ && this.runStage_(Stage.PowerOn));
        });
        return;
      }
      this.runStage_(Stage.PowerOn);
    });
  }

  private powerDown_(done: () => void): void {
    const gen = this.gen_;
    const off = (): void => {
      if (gen !== this.gen_) return;
      this.lost_(S.Off, Stage.PowerOn);
      done();
    };
    if (this.current_ === S.Off) return off();
    this.engine_.run(qpowd, undefined, (r) => {
      if (gen !== this.gen_) return;
      if (!r.ok) this.ports_.modemPower.pulsePowerKey(650);
      off();
    });
  }

  private enterPsm_(): void {
    this.lost_(S.Psm, Stage.Wake);
  }

  /** The modem no longer holds a registration or an MQTT configuration (off, PSM, power cycle). */
  private lost_(state: S, resume?: Stage): void {
    this.radioOff_();
    this.set_(state);
    if (resume !== undefined) this.resume_ = resume;
    this.mqttConfigured_ = false;
    this.registered_ = false;
  }

  private radioOff_(): void {
    if (this.radioOnSince_ !== undefined) this.counters.radioOnMs += this.ports_.clock.monotonicMs() - this.radioOnSince_;
    this.radioOnSince_ = undefined;
  }

  // ---------------------------------------------------------------------------------------------------
  // URCs

  private onReady_(): void {
    if (this.readyWaiter_) this.readyWaiter_();
    else if (this.current_ !== S.Off && this.current_ !== S.PoweringUp) {
      // The modem rebooted by itself: everything it held is gone.
      if (TRACE) this.log_('supervisor: unexpected RDY, modem rebooted');
      this.linkDown_('modem_reboot', Stage.Init);
    }
  }

  private onCereg_(line: string): void {
    let r: Registration;
    try {
      r = parseCeregUrc(line);
    } catch {
      if (TRACE) this.log_(`supervisor: bad ${line}`);
      return;
    }
    this.listener_({ type: 'registration', stat: r.stat });
    if (isRegistered(r.stat)) {
      if (this.regWaiter_) this.regWaiter_(r);
      this.registered_ = true;
      return;
    }
    if (this.regWaiter_ && r.stat === RegStat.Denied) this.regWaiter_(r);
    if (this.registered_) {
      this.registered_ = false;
      this.counters.connectionLosses++;
    }
  }

  private onQmtstat_(line: string): void {
    let s: { client: number; err: number };
    try {
      s = parseQmtstat(line);
    } catch {
      if (TRACE) this.log_(`supervisor: bad ${line}`);
      return;
    }
    if (s.client !== this.o_.client) return;
    this.counters.mqttStat[s.err] = (this.counters.mqttStat[s.err] ?? 0) + 1;
    if (s.err === 5 && (this.expectDisconnect_ || this.current_ === S.Disconnecting)) return;
    if (s.err === 3 || s.err === 4) this.counters.mqttConnFailures++;
    if (qmtstatBackoff(s.err)) this.backoffHint = true;
    this.linkDown_(`qmtstat_${s.err}`, qmtstatResume(s.err));
  }

  private onQiurc_(line: string): void {
    const ctx = parsePdpDeact(line);
    if (ctx === undefined) {
      if (TRACE) this.log_(`supervisor: ${line}`);
      return;
    }
    if (ctx !== this.o_.pdpCtx) return;
    // PDP context lost (ref §3.7): reactivate PDP, then open.
    this.linkDown_('pdpdeact', Stage.Register);
  }

  private onPsmPowerDown_(): void {
    if (this.psmWaiter_) {
      this.psmWaiter_();
      return;
    }
    if (this.current_ !== S.Psm && this.current_ !== S.Off) {
      if (TRACE) this.log_('supervisor: modem entered PSM unexpectedly');
      this.linkDown_('psm', Stage.Wake);
      this.enterPsm_();
    }
  }

  private onPoweredDown_(): void {
    if (this.current_ === S.Disconnecting || this.current_ === S.Off) return;
    this.linkDown_('powered_down', Stage.PowerOn);
    this.radioOff_();
    this.set_(S.Off);
  }

  /** The link changed under us. Connected: tell the session. Mid-attempt: the attempt fails fast. */
  private linkDown_(cause: string, resume: Stage): void {
    const wasConnected = this.current_ === S.MqttConnected || this.current_ === S.MqttOpen;
    if (this.current_ === S.Disconnecting || this.current_ === S.Off || this.current_ === S.Psm) return;
    const attempt = this.attemptDone_ !== undefined;
    // Idle after a failed attempt: never skip work the failed attempt still has to redo (the stage that
    // redoes more work, lower in the bring-up order, wins).
    this.resume_ = wasConnected || attempt ? resume : Math.min(this.resume_, resume);
    if (!wasConnected && !attempt) return;
    if (wasConnected) this.set_(stateFor(this.resume_));
    this.gen_++;
    this.engine_.abortAll(); // a publish waiting for its URC would otherwise wait out its timeout
    if (wasConnected) this.listener_({ type: 'link_lost', cause });
    else this.fail_(cause, this.resume_);
  }

  // ---------------------------------------------------------------------------------------------------
  // Helpers

  private silent_(): boolean {
    return this.engine_.stats.consecutiveTimeouts >= this.o_.silentTimeouts;
  }

  /** A silent modem is power-cycled once per attempt; returns true when that took over. */
  private handleSilent_(gen: number, e: AtFailure): boolean {
    if (gen !== this.gen_) return true;
    if (e.kind !== 'timeout' || !this.silent_()) return false;
    if (this.attemptPowerCycled_) {
      this.fail_('modem_silent', Stage.PowerOn);
      return true;
    }
    this.attemptPowerCycled_ = true;
    this.powerCycle_();
    return true;
  }

  private cmd_<A, R>(gen: number, c: AtCommand<A, R>, args: A, ok: (v: R) => void, onFail?: (e: AtFailure) => void): void {
    this.engine_.run(c, args, (r: AtResult<R>) => {
      if (gen !== this.gen_) return;
      if (r.ok) return ok(r.value);
      if (this.handleSilent_(gen, r.error)) return;
      if (onFail) return onFail(r.error);
      this.fail_(`${c.name}_${failureText(r.error)}`, STAGE_OF[this.current_]);
    });
  }

  /** Runs `steps` in order (callers hold the current generation), then `done`. */
  private seq_(gen: number, steps: Step[], done: () => void, stage: string): void {
    let i = 0;
    const next = (): void => {
      if (i >= steps.length) return done();
      const s = steps[i++];
      this.cmd_(
        gen,
        s.cmd_,
        s.args_,
        (v) => {
          if (s.put_) s.put_(v);
          next();
        },
        (e) => {
          if (!s.optional_) return this.fail_(`${stage}_${s.cmd_.name}_${failureText(e)}`, stage === 'mqtt_config' ? Stage.Pdp : Stage.Init);
          if (TRACE) this.log_(`supervisor: ${s.cmd_.name} failed (${failureText(e)}), continuing`);
          next();
        },
      );
    };
    next();
  }

  private nextMsgId_(): number {
    this.msgId_ = (this.msgId_ % 65535) + 1;
    return this.msgId_;
  }

  private after_(ms: number, fn: () => void): void {
    const h = this.ports_.timers.setTimeout(() => {
      this.timers_ = this.timers_.filter((x) => x !== h);
      fn();
    }, ms);
    this.timers_.push(h);
  }

  private clearTimers_(): void {
    for (let i = 0; i < this.timers_.length; i++) this.ports_.timers.clear(this.timers_[i]);
    this.timers_ = [];
  }
}

/** One command of a bring-up sequence (module-internal: `_` names are shortened by the build). */
interface Step {
  cmd_: AtCommand<any, any>;
  args_: unknown;
  optional_?: boolean;
  put_?: (v: any) => void;
}

/**
 * `AT+QSSLCFG="<setting>",<ctx>,<value>` and `AT+QMTCFG="<setting>",<client>,<value>`; a file name is quoted
 * when the command is sent, so one q() refuses fails then, as a parse failure (as with qsslcfg / qmtcfg).
 */
type Setting = [setting: string, index: number, value: string | number, file?: boolean];
const setting = (cmd: string): AtCommand<Setting, void> => okCommand<Setting>(cmd, ([name, index, v, file]) => `AT+${cmd}="${name}",${index},${file ? q(v as string) : v}`);
const sslcfg = /* @__PURE__ */ setting('QSSLCFG');
const mqttcfg = /* @__PURE__ */ setting('QMTCFG');

function step<A>(cmd: AtCommand<A, unknown>, args?: A): Step {
  return { cmd_: cmd, args_: args };
}

function optional<A, R>(cmd: AtCommand<A, R>, args: A, put?: (v: R) => void): Step {
  return { cmd_: cmd, args_: args, optional_: true, put_: put };
}

/** Where a failed command leaves the next attempt, by the state it failed in (indexed by S). */
const STAGE_OF: Stage[] = [Stage.PowerOn, Stage.Init, Stage.Register, Stage.Open, Stage.CloseOpen, Stage.CloseOpen, Stage.Init, Stage.Wake, Stage.Init];

/** The state a link loss leaves behind, by the stage it resumes at (PowerOn, Wake, Init, Reattach, Register; later: pdp_up). */
const STATE_OF: S[] = [S.Off, S.Psm, S.PoweringUp, S.Registering, S.Registering];

function stateFor(stage: Stage): S {
  return STATE_OF[stage] ?? S.PdpUp;
}

function failureText(e: AtFailure): string {
  return e.kind === 'cme' ? `cme_${e.code}` : e.kind === 'timeout' ? `timeout_${e.phase}` : e.kind;
}
