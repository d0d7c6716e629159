/**
 * Quectel BG95-M3 emulator on the simulated UART, in virtual time.
 *
 * Inputs:  bytes from the device (`input`, or `attachUart`), PWRKEY pulses, supply switching, DTR.
 * Outputs: bytes to the device (echo, information lines, final results, URCs, prompts, binary downlinks),
 *          the STATUS line, energy-model state changes, counters (`stats()`).
 * States:  power off -> booting -> on (-> hung) -> powering down -> off; on -> PSM -> on (wake).
 *          Inside `on`: radio (CFUN), registration (CEREG stat), PDP contexts, MQTT links (mqtt-link.ts).
 *
 * Byte level: command lines end with CR (LF ignored); echo while ATE1 (the power-on default); one command
 * at a time (lines that arrive while a command runs wait in a queue); `> ` prompt then exactly N raw bytes
 * for QMTPUB/QMTPUBEX; `CONNECT` then N raw bytes for QFUPL. Every response line is framed `\r\n...\r\n`.
 *
 * Timing: every reaction is scheduled on VirtualTime. Real network operations (TCP to the broker, MQTT
 * CONNECT/SUBSCRIBE/PUBLISH) are wrapped in `time.hold()` so virtual time waits for them, and their URC is
 * scheduled "now + modelled radio latency" before time may move on. Callbacks scheduled before a power
 * loss, power-down or hang carry an epoch and are dropped when it changes.
 *
 * Command handlers live in ./commands/*, one file per family; they return a CommandOutcome.
 */
import type { VirtualTime } from '../virtual-time.ts';
import { parseAtLine, AtSyntaxError, type AtCommand } from './at-command.ts';
import { EnergyModel, txLevelFor } from './energy-model.ts';
import { identityFor, type ModemIdentity } from './modem-identity.ts';
import {
  parseNetworkConditions,
  rsrpAt,
  hasService,
  isDenied,
  attachDelayMs,
  changePoints,
  ceLevelFor,
  ceRepetitions,
  isBrokerDown,
  type NetworkConditions,
  type NetworkConditionsInput,
} from './network-conditions.ts';
import { HANDLERS } from './commands/index.ts';
import { hex, decodeT3324, decodeT3412 } from './psm-timers.ts';
import type { MqttLink } from './mqtt-link.ts';

/** The part of VirtualTime the emulator uses (S1's VirtualTime satisfies it). */
export type ModemClock = Pick<VirtualTime, 'now' | 'after' | 'cancel' | 'hold'>;

export type Final = 'OK' | 'ERROR' | { cme: number };

export interface CommandOutcome {
  lines?: (string | Uint8Array)[];
  final: Final;
  /** Virtual ms between receiving the command and the response. */
  delayMs?: number;
  /** Runs right after the final result was sent (schedule URCs here). */
  then?: () => void;
}

/** A handler answers at once (outcome) or later through `emulator.complete()` ('deferred'). */
export type CommandHandler = (m: Bg95Emulator, cmd: AtCommand) => CommandOutcome | 'deferred';

export interface Bg95EmulatorOptions {
  time: ModemClock;
  /** Broker every QMTOPEN is routed to, e.g. mqtt://127.0.0.1:1883 (the device's host name is kept for QMTOPEN?). */
  brokerUrl: string;
  conditions?: NetworkConditionsInput;
  /** Seed for the identity (use the device serial). */
  identitySeed?: string;
  identity?: Partial<ModemIdentity>;
  /** Name of the publish URC: `+QMTPUBEX` (default for AT+QMTPUBEX) or `+QMTPUB` (as BG77/some BG95 firmware). */
  publishUrc?: 'QMTPUBEX' | 'QMTPUB';
  /** Real-time ms to wait for a downlink after publishing an uplink before virtual time may move on. */
  downlinkWaitRealMs?: number;
  /** Which published payloads deserve that wait; default: CBOR maps whose key 1 (kind) is 1 (EventBatch). */
  awaitDownlinkAfter?: (topic: string, payload: Uint8Array) => boolean;
  /** Unix ms at virtual time 0 (the network's clock). */
  wallClockAtZeroMs?: number;
  /** Network time-zone offset in quarter hours reported by QLTS/CCLK. */
  tzQuarterHours?: number;
  /** TLS: fail QMTOPEN (result -1) when an SSL-bound client's CA/cert/key files are missing from UFS. */
  requireCertificates?: boolean;
  /** SIM state for CPIN? (`absent` answers +CME ERROR: 10). */
  sim?: 'ready' | 'absent';
  batteryMv?: () => number;
  energy?: EnergyModel;
  /** Keep the last 5 000 commands/responses/URCs in `transcript` (debugging; off for fleets). */
  keepTranscript?: boolean;
  /** Quirk: a successful QFUPL is reported as a timeout (+CME ERROR: 421), as seen on some firmware. */
  qfuplReportsTimeout?: boolean;
  /** RRC inactivity timer of the network (connected -> idle after the last data), virtual ms. */
  rrcInactivityMs?: number;
  log?: (line: string) => void;
}

export type PowerState = 'off' | 'booting' | 'on' | 'psm' | 'powering-down';

export interface PdpContext {
  apn: string;
  active: boolean;
  ip: string;
}

export interface ModemStats {
  atCommands: number;
  commandsByName: Record<string, number>;
  urcs: number;
  bytesFromDevice: number;
  bytesToDevice: number;
  publishes: number;
  publishedBytes: number;
  downlinks: number;
  downlinksLost: number;
  pubacksLost: number;
  boots: number;
  hangs: number;
  psmEntries: number;
  registrations: number;
  qmtstat: number;
  /** Uplinks after which no downlink arrived within downlinkWaitRealMs (real time spent waiting). */
  downlinkWaitTimeouts: number;
}

const CR = 0x0d;
const LF = 0x0a;
const enc = new TextEncoder();
const dec = new TextDecoder('latin1');

export class Bg95Emulator {
  readonly time: ModemClock;
  readonly conditions: NetworkConditions;
  readonly identity: ModemIdentity;
  readonly energy: EnergyModel;
  readonly options: Bg95EmulatorOptions;
  readonly brokerUrl: URL;

  // ---- power and UART
  power: PowerState = 'off';
  supply = true;
  hung = false;
  private hangArmed = false;
  private statusLine: 0 | 1 = 0;
  private epoch = 0;
  private sinks: ((bytes: Uint8Array) => void)[] = [];
  private lineBuf: number[] = [];
  private queue: string[] = [];
  private busy = false;
  private dataMode: { remaining: number; chunks: number[]; onData: (bytes: Uint8Array) => void } | undefined;
  dtr = false;

  // ---- volatile settings (reset by boot / PSM wake)
  echo = true;
  cmee = 0;
  cfun = 1;
  ceregN = 0;
  // ---- settings the real module keeps in NV (survive reboot)
  readonly qcfg = new Map<string, string>([
    ['nwscanseq', '020301'],
    ['iotopmode', '0'],
    ['nwscanmode', '0'],
    ['psm/enter', '0'],
    ['band', '0x0,0x80084,0x80084'],
  ]);
  psmRequest: { mode: number; tau?: string; active?: string } = { mode: 0 };
  edrx: { mode: number; act?: number; value?: string } = { mode: 0 };
  readonly files = new Map<string, Uint8Array>();
  readonly ssl = new Map<string, string>(); // `${ctx}:${param}` -> raw args
  // ---- network state
  regStat = 0;
  private regTimer: number | undefined;
  readonly pdp = new Map<number, PdpContext>([[1, { apn: '', active: false, ip: '' }]]);
  /** Modem RTC = virtual time + offset, known after NITZ or QNTP. */
  clockOffsetMs: number | undefined;
  readonly links = new Map<number, MqttLink>();
  /** MQTT configuration per client index (QMTCFG), raw argument lists keyed by parameter. */
  readonly mqttCfg = new Map<number, Map<string, string[]>>();
  /** Armed network faults: the next publish / downlink is affected. */
  readonly armedLosses: ('puback' | 'downlink')[] = [];
  /** Connection drops that found no open link: the next publish triggers them. */
  readonly armedDrops: number[] = [];
  private rrcUntil = 0;
  private rrcTimer: number | undefined;
  private psmTimer: number | undefined;
  private tauTimer: number | undefined;

  private readonly counters: ModemStats = {
    atCommands: 0,
    commandsByName: {},
    urcs: 0,
    bytesFromDevice: 0,
    bytesToDevice: 0,
    publishes: 0,
    publishedBytes: 0,
    downlinks: 0,
    downlinksLost: 0,
    pubacksLost: 0,
    boots: 0,
    hangs: 0,
    psmEntries: 0,
    registrations: 0,
    qmtstat: 0,
    downlinkWaitTimeouts: 0,
  };
  /** With `keepTranscript`: the last 5 000 command lines, responses and URCs with their virtual time. */
  readonly transcript: { atMs: number; dir: 'cmd' | 'rsp' | 'urc'; text: string }[] = [];

  constructor(options: Bg95EmulatorOptions) {
    this.options = options;
    this.time = options.time;
    this.conditions = parseNetworkConditions(options.conditions ?? {});
    this.identity = { ...identityFor(options.identitySeed ?? 'pillcap'), ...options.identity };
    this.energy = options.energy ?? new EnergyModel(undefined, this.time.now());
    this.brokerUrl = new URL(options.brokerUrl);
    this.scheduleConditions();
  }

  // =========================================================================================== wiring

  /** Connect to S1's simulated UART (`modemLine`): bytes the device writes come in, ours go out. */
  attachUart(line: { toDevice(bytes: Uint8Array): void; onFromDevice(cb: (bytes: Uint8Array) => void): void }): void {
    line.onFromDevice((bytes) => this.input(bytes));
    this.onOutput((bytes) => line.toDevice(bytes));
  }

  onOutput(sink: (bytes: Uint8Array) => void): void {
    this.sinks.push(sink);
  }

  setDataTerminalReady(level: boolean): void {
    this.dtr = level;
  }

  /** STATUS pin: 1 while the module is on (booting after ~1.5 s, on, hung, powering down). */
  status(): 0 | 1 {
    return this.statusLine;
  }

  stats(): ModemStats & { radioOnMs: number; chargeMah: number } {
    const energy = this.energy.report(this.time.now());
    return { ...this.counters, commandsByName: { ...this.counters.commandsByName }, radioOnMs: energy.radioOnMs, chargeMah: energy.chargeMah };
  }

  log(line: string): void {
    if (!this.options.log) return;
    this.options.log(`[bg95 ${(this.time.now() / 1000).toFixed(3)}s] ${line}`);
  }

  /** Close every real network connection (end of simulation). */
  async close(): Promise<void> {
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((l) => l.destroy()));
  }

  // =========================================================================================== power

  /** PWRKEY held low for `ms`. Off: >= 500 ms boots. On/hung: >= 650 ms powers down. PSM: wakes. */
  pulsePowerKey(ms: number): void {
    this.log(`PWRKEY ${ms} ms in ${this.power}${this.hung ? ' (hung)' : ''}`);
    if (!this.supply) return;
    if (this.power === 'off' && ms >= 500) this.after(ms, () => this.boot(false));
    else if (this.power === 'psm' && ms >= 100) this.after(ms, () => this.boot(true));
    else if ((this.power === 'on' || this.power === 'booting') && ms >= 650) this.after(ms, () => this.powerDown(true), true);
  }

  /** Hard supply switch: off loses everything volatile at once (files in UFS survive). */
  setSupply(on: boolean): void {
    if (on === this.supply) return;
    this.supply = on;
    this.log(`supply ${on ? 'on' : 'off'}`);
    if (!on) {
      this.toOff();
    }
  }

  private boot(fromPsm: boolean): void {
    this.epoch++;
    this.hung = false;
    this.power = 'booting';
    this.counters.boots++;
    this.resetVolatile();
    if (!fromPsm) {
      this.regStat = 0;
      for (const ctx of this.pdp.values()) ctx.active = false;
      this.clockOffsetMs = undefined;
    }
    this.energy.setModemState('idle', this.time.now());
    this.after(1_500, () => {
      this.statusLine = 1;
    });
    this.after(3_500, () => {
      this.power = 'on';
      if (this.hangArmed) return this.hang();
      this.urc('RDY');
      if (!fromPsm) {
        this.urc('+CFUN: 1');
        this.urc('+CPIN: READY');
        this.urc('+QUSIM: 1');
        this.urc('+QIND: SMS DONE');
      }
    });
    this.after(4_500, () => {
      this.urc('APP RDY');
      // After PSM the registration is kept only if the cell is still there (checked as a TAU would).
      if (fromPsm) this.onConditionChange();
      else if (this.cfun === 1) this.startSearch();
      this.pumpQueue();
    });
  }

  private resetVolatile(): void {
    this.echo = true;
    this.cmee = 0;
    this.ceregN = 0;
    this.lineBuf = [];
    this.queue = [];
    this.busy = false;
    this.dataMode = undefined;
    this.mqttCfg.clear();
    this.cfun = 1;
  }

  /** QPOWD or long PWRKEY: orderly shutdown with the POWERED DOWN URC. */
  powerDown(viaKey: boolean): void {
    if (this.power === 'off' || this.power === 'powering-down') return;
    const wasHung = this.hung;
    this.epoch++;
    this.hung = false;
    this.power = 'powering-down';
    this.dropAllLinks(undefined);
    this.after(viaKey ? 1_000 : 1_200, () => {
      if (!wasHung) this.urc('POWERED DOWN');
      this.toOff();
    });
  }

  private toOff(): void {
    this.epoch++;
    this.power = 'off';
    this.hung = false;
    this.statusLine = 0;
    this.regStat = 0;
    this.clockOffsetMs = undefined;
    for (const ctx of this.pdp.values()) ctx.active = false;
    this.dropAllLinks(undefined);
    this.clearTimers();
    this.lineBuf = [];
    this.queue = [];
    this.busy = false;
    this.dataMode = undefined;
    this.energy.setModemState('off', this.time.now());
  }

  private clearTimers(): void {
    for (const t of [this.regTimer, this.rrcTimer, this.psmTimer, this.tauTimer]) if (t !== undefined) this.time.cancel(t);
    this.regTimer = this.rrcTimer = this.psmTimer = this.tauTimer = undefined;
  }

  // =========================================================================================== scheduling

  /** Schedule `fn` unless the modem lost power / hung / powered down in between. */
  after(ms: number, fn: () => void, survivesHang = false): number {
    const epoch = this.epoch;
    return this.time.after(ms, () => {
      if (this.epoch !== epoch) return;
      if (this.hung && !survivesHang) return;
      fn();
    });
  }

  /** Wrap a real network operation so virtual time waits for it. */
  hold<T>(promise: Promise<T>): Promise<T> {
    this.time.hold(promise);
    return promise;
  }

  isAlive(): boolean {
    return this.power === 'on' && !this.hung;
  }

  /** Epoch guard for async continuations of real I/O. */
  currentEpoch(): number {
    return this.epoch;
  }

  // =========================================================================================== UART

  input(bytes: Uint8Array): void {
    this.counters.bytesFromDevice += bytes.length;
    if (this.power !== 'on' || this.hung) return; // dead UART: bytes are lost
    let i = 0;
    while (i < bytes.length) {
      if (this.dataMode) {
        const take = Math.min(this.dataMode.remaining, bytes.length - i);
        for (let k = 0; k < take; k++) this.dataMode.chunks.push(bytes[i + k]);
        this.dataMode.remaining -= take;
        i += take;
        if (this.dataMode.remaining === 0) {
          const mode = this.dataMode;
          this.dataMode = undefined;
          mode.onData(Uint8Array.from(mode.chunks));
        }
        continue;
      }
      const b = bytes[i++];
      if (this.echo) this.emit(Uint8Array.of(b));
      if (b === LF) continue;
      if (b === CR) {
        const line = String.fromCharCode(...this.lineBuf).trim();
        this.lineBuf = [];
        if (/^AT/i.test(line)) {
          this.queue.push(line);
          this.pumpQueue();
        }
        continue;
      }
      if (this.lineBuf.length < 4096) this.lineBuf.push(b);
    }
  }

  /** Enter raw-data mode after a prompt: the next `length` bytes go to `onData` unechoed. */
  expectData(prompt: string, length: number, onData: (bytes: Uint8Array) => void): void {
    this.dataMode = { remaining: length, chunks: [], onData };
    this.emit(enc.encode(prompt));
    if (length === 0) {
      this.dataMode = undefined;
      onData(new Uint8Array(0));
    }
  }

  /** Leave raw-data mode without delivering (transfer timeout); returns whether it was active. */
  cancelData(onData: (bytes: Uint8Array) => void): boolean {
    const active = this.dataMode !== undefined && this.dataMode.onData === onData;
    if (!active) return false;
    this.dataMode = undefined;
    return active;
  }

  emit(bytes: Uint8Array): void {
    if (this.power === 'off') return;
    this.counters.bytesToDevice += bytes.length;
    for (const sink of this.sinks) sink(bytes);
  }

  private emitLine(line: string | Uint8Array): void {
    const body = typeof line === 'string' ? enc.encode(line) : line;
    const framed = new Uint8Array(body.length + 4);
    framed.set([CR, LF], 0);
    framed.set(body, 2);
    framed.set([CR, LF], body.length + 2);
    this.emit(framed);
  }

  /** Send an unsolicited result code now (dropped while the UART is dead). */
  urc(line: string | Uint8Array): void {
    if ((this.power !== 'on' && this.power !== 'powering-down') || this.hung) return;
    this.counters.urcs++;
    if (typeof line === 'string' && line.startsWith('+QMTSTAT:')) this.counters.qmtstat++;
    this.energy.addAtLines(1);
    this.record('urc', line);
    this.emitLine(line);
  }

  private record(dir: 'cmd' | 'rsp' | 'urc', line: string | Uint8Array): void {
    if (!this.options.keepTranscript && !this.options.log) return;
    const text = typeof line === 'string' ? line : dec.decode(line);
    if (this.options.keepTranscript) {
      if (this.transcript.length >= 5_000) this.transcript.shift();
      this.transcript.push({ atMs: this.time.now(), dir, text });
    }
    if (this.options.log) this.log(`${dir} ${text}`);
  }

  private pumpQueue(): void {
    if (this.busy || this.power !== 'on' || this.hung) return;
    const line = this.queue.shift();
    if (line === undefined) return;
    this.busy = true;
    this.counters.atCommands++;
    this.energy.addAtLines(1);
    this.record('cmd', line);
    let outcome: CommandOutcome | 'deferred';
    let cmd: AtCommand | undefined;
    try {
      cmd = parseAtLine(line);
      this.counters.commandsByName[cmd.name || 'AT'] = (this.counters.commandsByName[cmd.name || 'AT'] ?? 0) + 1;
      const handler = HANDLERS[cmd.name];
      outcome = handler ? handler(this, cmd) : { final: 'ERROR' };
    } catch (err) {
      if (!(err instanceof AtSyntaxError)) throw err;
      outcome = { final: cmd === undefined ? 'ERROR' : { cme: 50 } }; // 50: incorrect parameters
    }
    if (outcome !== 'deferred') this.complete(outcome);
  }

  /** Send the outcome of the running command (after its delay) and start the next queued one. */
  complete(outcome: CommandOutcome): void {
    this.after(outcome.delayMs ?? 20, () => {
      for (const line of outcome.lines ?? []) {
        this.record('rsp', line);
        this.emitLine(line);
      }
      const final = this.formatFinal(outcome.final);
      this.record('rsp', final);
      this.emitLine(final);
      this.busy = false;
      outcome.then?.();
      // A PSM entry skipped because a command was running is re-armed once the UART is quiet.
      if (this.psmTimer === undefined && this.queue.length === 0) this.armPsmIfIdle();
      this.pumpQueue();
    });
  }

  private formatFinal(final: Final): string {
    if (final === 'OK' || final === 'ERROR') return final;
    if (this.cmee === 0) return 'ERROR';
    if (this.cmee === 2) return `+CME ERROR: ${CME_TEXT[final.cme] ?? 'unknown'}`;
    return `+CME ERROR: ${final.cme}`;
  }

  // =========================================================================================== radio

  rsrpNow(): number {
    return rsrpAt(this.conditions, this.time.now());
  }

  ceLevelNow(): 0 | 1 | 2 | 3 {
    return ceLevelFor(this.rsrpNow());
  }

  registered(): boolean {
    return this.regStat === 1 || this.regStat === 5;
  }

  /** Radio on: search, then register when coverage allows (re-evaluated at every condition change). */
  startSearch(): void {
    if (this.power !== 'on' || this.cfun !== 1) return;
    if (this.registered()) return;
    const t = this.time.now();
    if (this.regTimer !== undefined) this.time.cancel(this.regTimer);
    this.regTimer = undefined;
    if (isDenied(this.conditions, t)) {
      this.setRegStat(2);
      this.regTimer = this.after(Math.min(attachDelayMs(this.conditions, t), 10_000), () => {
        this.regTimer = undefined;
        this.setRegStat(3);
      });
      return;
    }
    this.setRegStat(2);
    if (!hasService(this.conditions, t)) return; // keeps searching until coverage returns (changePoints)
    this.regTimer = this.after(attachDelayMs(this.conditions, t), () => {
      this.regTimer = undefined;
      if (hasService(this.conditions, this.time.now()) && !isDenied(this.conditions, this.time.now())) {
        this.counters.registrations++;
        if (this.conditions.nitz && this.clockOffsetMs === undefined) this.clockOffsetMs = this.wallClockAtZero();
        this.setRegStat(this.conditions.roaming ? 5 : 1);
        this.markActivity(2_000); // attach signalling leaves RRC connected for a moment
      }
    });
  }

  stopRadio(): void {
    if (this.regTimer !== undefined) this.time.cancel(this.regTimer);
    this.regTimer = undefined;
    this.setRegStat(0);
    for (const ctx of this.pdp.values()) ctx.active = false;
    this.dropAllLinks(undefined);
  }

  setRegStat(stat: number): void {
    if (stat === this.regStat) {
      this.updateEnergy();
      return;
    }
    this.regStat = stat;
    if (this.ceregN >= 2 && (stat === 1 || stat === 5)) {
      this.urc(`+CEREG: ${stat},"${hex(this.conditions.tac, 4)}","${hex(this.conditions.cellId, 1)}",8`);
    } else if (this.ceregN >= 1) {
      this.urc(`+CEREG: ${stat}`);
    }
    this.updateEnergy();
    if (stat === 1 || stat === 5) this.armPsmIfIdle();
  }

  private wallClockAtZero(): number {
    return this.options.wallClockAtZeroMs ?? Date.UTC(2026, 0, 5, 8, 0, 0);
  }

  /** Unix ms of the modem clock, or undefined when it was never set since power-on. */
  modemWallMs(): number | undefined {
    return this.clockOffsetMs === undefined ? undefined : this.time.now() + this.clockOffsetMs;
  }

  networkWallMs(): number {
    return this.time.now() + this.wallClockAtZero();
  }

  tzQuarterHours(): number {
    return this.options.tzQuarterHours ?? 0;
  }

  private scheduleConditions(): void {
    const now = this.time.now();
    for (const t of changePoints(this.conditions)) if (t >= now) this.timeAt(t, () => this.onConditionChange());
    for (const d of this.conditions.drops) this.timeAt(d.atMs, () => this.scheduledDrop(d.code));
    for (const l of this.conditions.lostAcks) this.timeAt(l.atMs, () => this.armedLosses.push(l.kind));
    for (const h of this.conditions.hangs) this.timeAt(h.atMs, () => this.hang());
    for (const w of this.conditions.brokerDown) this.timeAt(w.fromMs, () => this.dropAllLinks(1));
  }

  private timeAt(atMs: number, fn: () => void): void {
    this.time.after(Math.max(0, atMs - this.time.now()), fn);
  }

  private onConditionChange(): void {
    if (this.power !== 'on' || this.hung || this.cfun !== 1) return;
    const t = this.time.now();
    if (this.registered() && (!hasService(this.conditions, t) || isDenied(this.conditions, t))) {
      this.log('coverage lost');
      this.setRegStat(isDenied(this.conditions, t) ? 3 : 2);
      this.linksLostCoverage();
      if (!isDenied(this.conditions, t)) this.startSearch();
      return;
    }
    if (!this.registered() && this.regTimer === undefined) this.startSearch();
    else this.updateEnergy();
  }

  /**
   * The modem hangs: silent until the supply is cut or PWRKEY powers it off. A hang due while the modem is
   * off or in PSM strikes at its next boot (it never says RDY), so the fault is not missed between sessions.
   */
  hang(): void {
    if (this.power !== 'on') {
      this.hangArmed = true;
      return;
    }
    this.hangArmed = false;
    this.log('modem hung');
    this.counters.hangs++;
    this.hung = true;
    this.epoch++;
    this.busy = false;
    this.dataMode = undefined;
    this.queue = [];
  }

  // =========================================================================================== MQTT links

  /**
   * A connection drop from the network conditions. Links are open only during short sessions, so a drop
   * due while none is open strikes the next publish instead (the publish is lost, the link closes with
   * `+QMTSTAT`): the fault the scenario asks for is never silently skipped.
   */
  private scheduledDrop(code: number): void {
    if (this.links.size > 0 && this.isAlive()) this.dropAllLinks(code);
    else this.armedDrops.push(code);
  }

  /** Drop every open link; with a code the device hears `+QMTSTAT: <idx>,<code>`. */
  dropAllLinks(code: number | undefined): void {
    for (const [idx, link] of [...this.links]) {
      this.links.delete(idx);
      void link.destroy();
      if (code !== undefined) this.urc(`+QMTSTAT: ${idx},${code}`);
    }
  }

  /** Coverage lost while links are open: pings fail, the modem reports QMTSTAT 2 after the keepalive. */
  private linksLostCoverage(): void {
    for (const [idx, link] of [...this.links]) {
      const keepaliveS = Number(this.mqttCfg.get(idx)?.get('keepalive')?.[0] ?? 120);
      const waitMs = Math.max(10_000, Math.min(keepaliveS > 0 ? keepaliveS * 1_500 : 120_000, 300_000));
      link.stalled = true;
      this.after(waitMs, () => {
        if (this.links.get(idx) !== link) return;
        this.links.delete(idx);
        void link.destroy();
        this.urc(`+QMTSTAT: ${idx},2`);
      });
    }
  }

  brokerReachable(): boolean {
    return !isBrokerDown(this.conditions, this.time.now());
  }

  /** One-way radio latency for the current CE level (repetitions stretch every exchange). */
  latencyMs(roundTrips = 1): number {
    const factor = [1, 1.5, 2.5, 4][this.ceLevelNow()];
    return Math.round(this.conditions.rttMs * factor * roundTrips);
  }

  /** Data exchange: RRC connected for the inactivity timer, plus a TX burst sized by bytes and CE level. */
  markActivity(txBytes: number): void {
    const now = this.time.now();
    const airtimeMs = (20 + (txBytes * 8) / 100) * ceRepetitions(this.ceLevelNow()); // ~100 kbit/s effective UL
    if (txBytes > 0) this.energy.addTxBurst(airtimeMs, txLevelFor(this.rsrpNow()));
    this.rrcUntil = Math.max(this.rrcUntil, now + (this.options.rrcInactivityMs ?? 10_000) + airtimeMs);
    if (this.psmTimer !== undefined) this.time.cancel(this.psmTimer);
    this.psmTimer = undefined;
    if (this.rrcTimer !== undefined) this.time.cancel(this.rrcTimer);
    this.rrcTimer = this.after(this.rrcUntil - now, () => {
      this.rrcTimer = undefined;
      this.updateEnergy();
      this.armPsmIfIdle();
    });
    this.updateEnergy();
  }

  countPublish(bytes: number): void {
    this.counters.publishes++;
    this.counters.publishedBytes += bytes;
  }

  countDownlink(lost: boolean): void {
    if (lost) this.counters.downlinksLost++;
    else this.counters.downlinks++;
  }

  countDownlinkWaitTimeout(): void {
    this.counters.downlinkWaitTimeouts++;
  }

  countPubackLost(): void {
    this.counters.pubacksLost++;
  }

  updateEnergy(): void {
    const now = this.time.now();
    if (this.power === 'off' || this.power === 'powering-down') return this.energy.setModemState(this.power === 'off' ? 'off' : 'idle', now);
    if (this.power === 'psm') return this.energy.setModemState('psm', now);
    if (this.cfun === 1 && this.regStat === 2 && !this.hung) return this.energy.setModemState('search', now);
    if (now < this.rrcUntil) return this.energy.setModemState('connected', now);
    this.energy.setModemState('idle', now);
  }

  // =========================================================================================== PSM

  /** Granted PSM timers in seconds (network overrides, else what was requested). */
  grantedPsm(): { tauS: number; activeS: number } | undefined {
    if (this.psmRequest.mode !== 1) return undefined;
    const tauS = this.conditions.grantedTauS ?? decodeT3412(this.psmRequest.tau ?? '00111000');
    const activeS = this.conditions.grantedActiveS ?? decodeT3324(this.psmRequest.active ?? '00000101');
    if (!Number.isFinite(tauS) || !Number.isFinite(activeS)) return undefined;
    return { tauS, activeS };
  }

  armPsmIfIdle(): void {
    const psm = this.grantedPsm();
    if (!psm || !this.registered() || this.power !== 'on' || this.hung) return;
    if (this.time.now() < this.rrcUntil || this.busy || this.dataMode) return;
    if (this.psmTimer !== undefined) this.time.cancel(this.psmTimer);
    const enterNow = this.qcfg.get('psm/enter') === '1';
    this.psmTimer = this.after(enterNow ? 100 : psm.activeS * 1_000, () => {
      this.psmTimer = undefined;
      if (this.time.now() < this.rrcUntil || this.busy) return;
      this.enterPsm();
    });
  }

  private enterPsm(): void {
    this.log('entering PSM');
    this.urc('PSM POWER DOWN');
    this.counters.psmEntries++;
    this.epoch++;
    this.dropAllLinks(undefined);
    this.power = 'psm';
    this.statusLine = 0;
    this.queue = [];
    this.busy = false;
    this.lineBuf = [];
    this.updateEnergy();
    const psm = this.grantedPsm();
    if (psm) this.scheduleTau(psm.tauS * 1_000);
  }

  /** Periodic TAU: the modem wakes briefly (no UART output), signals, and sleeps again. */
  private scheduleTau(ms: number): void {
    this.tauTimer = this.after(ms, () => {
      this.tauTimer = undefined;
      if (this.power !== 'psm') return;
      if (hasService(this.conditions, this.time.now())) {
        this.energy.setModemState('connected', this.time.now());
        this.energy.addTxBurst(50 * ceRepetitions(this.ceLevelNow()), txLevelFor(this.rsrpNow()));
        this.after(2_000, () => this.energy.setModemState('psm', this.time.now()));
      }
      const psm = this.grantedPsm();
      if (psm) this.scheduleTau(psm.tauS * 1_000);
    });
  }
}

// ============================================================================================= helpers

const CME_TEXT: Record<number, string> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  30: 'no network service',
  50: 'Incorrect parameters',
  100: 'unknown',
  405: 'file not found',
  407: 'file already exists',
  421: 'time out',
};
