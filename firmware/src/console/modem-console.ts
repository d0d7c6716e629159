/**
 * Modem checks and provisioning commands of the factory console, for the manufacturing station.
 * Registered on the FactoryConsole (addCommand) by the factory mod only when the unit boots unprovisioned
 * (factory mode); connectivity is then not started in that boot, so these commands own the modem and its AT engine.
 * After `provision` and `ship` the next boot is a normal one and connectivity takes the modem.
 *
 * Inputs:  console lines
 *   battery?                         {"ok":true,"mv":N,"charging":bool}
 *   modem info                       {"ok":true,"imei","iccid"|null,"sim":"READY"|"NOT INSERTED"|..,"firmware"}
 *   modem signal                     {"ok":true,"registered":bool,"rsrp":dBm|null,"operator":str|null,"state"}
 *   modem mqtt <host> <port> [apn=]  PDP up, QMTOPEN + QMTCONN, then QMTDISC: {"ok":true,"ms":N}
 *   modem time                       {"ok":true,"unixS":N,"source":"nitz"|"cclk"}
 *   modem upload <name> <base64> [more=1]
 *                                    more=1 stages a chunk ({"ok":true,"staged":N}); the last chunk uploads the
 *                                    whole file with QFUPL (CONNECT, raw bytes), confirmed with QFLST:
 *                                    {"ok":true,"bytes":N,"confirmedBy":"QFUPL"|"QFLST"}
 *   modem off                        QPOWD (before shipping): {"ok":true}
 *          Console lines are at most 256 characters on the device port, so the station sends files in chunks.
 * Outputs: one JSON reply line per command, written when the modem work is done (a later line).
 *          Errors: {"ok":false,"error":"bad_argument"|"busy"|"modem_silent"|"modem_error"|"not_registered"|
 *          "mqtt_failed"|"no_time"|"upload_failed",...}.
 * States:  modem off -> powering (PWRKEY, AT polled until it answers, ATE0, CMEE=1) -> ready.
 *          One modem command at a time; another one meanwhile is answered `busy`.
 * Uses F2's AT engine and command descriptors (modem/commands/*); no parsing of its own.
 */
import type { FirmwareContext } from '../context.ts';
import type { FactoryConsole, ConsoleReplyFn } from './factory-console.ts';
import { AtEngine, type AtFailure, type AtResult } from '../modem/at-engine.ts';
import type { AtCommand } from '../modem/at-command.ts';
import { at, cmeeNumeric, cpinRead, echoOff, gsn, qccid, qgmr } from '../modem/commands/basic.ts';
import { ceregRead, copsRead, isRegistered, qcsq } from '../modem/commands/network.ts';
import { qiact, qiactRead, qicsgp } from '../modem/commands/pdp.ts';
import { qmtcfg, qmtclose, qmtconn, qmtdisc, qmtopen } from '../modem/commands/mqtt.ts';
import { cclkRead, plausibleTime, qltsUtc } from '../modem/commands/time.ts';
import { qpowd } from '../modem/commands/power.ts';
import { qfdel, qflst, qfupl, uploadChecksum } from '../modem/commands/file.ts';

type Reply = Record<string, unknown>;

const CLIENT = 0;
const PDP_CTX = 1;
const DEFAULT_APN = 'pillcap.iot';
const POWER_KEY_MS = 500;
const POLL_MS = 500;
const POLL_TRIES = 40; // ~60 s with the AT timeout: BG95 boots in ~5 s, more after a cold start
const UPLOAD_TIMEOUT_S = 10;
const MAX_FILE_BYTES = 8192;
const FILE_NAME = /^[A-Za-z0-9_.:\/-]{1,80}$/;
const HOST = /^[A-Za-z0-9.-]{1,100}$/;
const REG_STATES = ['not_searching', 'registered_home', 'searching', 'denied', 'unknown', 'registered_roaming'];
const CME_SIM_NOT_INSERTED = 10;
const CME_NOT_FOUND = 405;

export const MODEM_CONSOLE_COMMANDS = ['modem info', 'modem signal', 'modem mqtt', 'modem time', 'modem upload', 'modem off'];

export class ModemConsole {
  private engine_: AtEngine | undefined;
  private ready_ = false;
  private busy_ = false;
  private imei_ = '';
  private pendingUpload_: Uint8Array | undefined;
  private readonly staged_: Record<string, string> = {};

  private readonly ctx_: FirmwareContext;

  constructor(ctx_: FirmwareContext) {
    this.ctx_ = ctx_;
  }

  /**
   * Registers `battery?` and `modem ...` on the factory console. The station sends `modem off` before `ship`:
   * System OFF stops the MCU at once, so an orderly QPOWD cannot be left to the shipping command.
   */
  install(console: FactoryConsole): void {
    const power = this.ctx_.ports.power;
    console.addCommand('battery?', (_words, _args, reply) => reply({ ok: true, mv: power.batteryMv(), charging: power.charging() }));
    console.addCommand('modem', (words, args, reply) => this.handle(words, args, reply));
  }

  handle(words: string[], args: Record<string, string>, reply: ConsoleReplyFn): void {
    const sub = words[1];
    const known = sub === 'info' || sub === 'signal' || sub === 'mqtt' || sub === 'time' || sub === 'upload' || sub === 'off';
    if (!known) return reply({ ok: false, error: 'bad_argument', expected: MODEM_CONSOLE_COMMANDS.join('|') });
    if (this.busy_) return reply({ ok: false, error: 'busy' });
    if (sub === 'upload' && args.more === '1') return reply(this.stage_(words));
    let mqttTarget: { host: string; port: number } | undefined;
    let upload: { name: string; bytes: Uint8Array } | undefined;
    if (sub === 'mqtt') {
      const port = Number(words[3]);
      if (words[2] === undefined || !HOST.test(words[2]) || !(Math.floor(port) === port && port >= 1 && port <= 65535)) {
        return reply({ ok: false, error: 'bad_argument', expected: 'modem mqtt <host> <port>' });
      }
      mqttTarget = { host: words[2], port };
    } else if (sub === 'upload') {
      const parsed = this.takeUpload_(words);
      if (parsed.problem !== undefined) return reply(parsed.problem);
      upload = parsed.file;
    }
    this.busy_ = true;
    const finish = (r: Reply): void => {
      this.busy_ = false;
      reply(r);
    };
    this.ensureReady_((problem) => {
      if (problem !== undefined) return finish(problem);
      if (sub === 'info') this.info_(finish);
      else if (sub === 'signal') this.signal_(finish);
      else if (sub === 'mqtt') this.mqtt_(mqttTarget!, args.apn || DEFAULT_APN, finish);
      else if (sub === 'time') this.time_(finish);
      else if (sub === 'upload') this.upload_(upload!.name, upload!.bytes, finish);
      else this.off_(finish);
    });
  }

  // ------------------------------------------------------------------------------------------ power-up

  private ensureReady_(done: (problem?: Reply) => void): void {
    if (this.ready_) return done();
    const ports = this.ctx_.ports;
    if (this.engine_ === undefined) {
      this.engine_ = new AtEngine(ports.modem, ports.timers, (line) => ports.log(line));
      // Boot URCs carry nothing the factory checks need; registering them keeps the trace clean.
      const quiet = ['RDY', 'APP RDY', '+CFUN:', '+CPIN:', '+QUSIM:', '+QIND:', '+CEREG:', '+QMTSTAT:', 'POWERED DOWN'];
      for (let i = 0; i < quiet.length; i++) this.engine_.onUrc(quiet[i], () => undefined);
      this.engine_.onUrc('CONNECT', () => this.writeUpload_());
    }
    ports.modemPower.setSupply(true);
    if (ports.modemPower.status() === 0) ports.modemPower.pulsePowerKey(POWER_KEY_MS);
    let tries = 0;
    const poll = (): void => {
      this.run_(at, undefined, (r) => {
        if (r.ok) return this.init_(done);
        if (++tries >= POLL_TRIES) return done({ ok: false, error: 'modem_silent', detail: 'no answer to AT after power-on' });
        ports.timers.setTimeout(poll, POLL_MS);
      });
    };
    poll();
  }

  private init_(done: (problem?: Reply) => void): void {
    this.run_(echoOff, undefined, (r1) => {
      if (!r1.ok) return done(failure('modem_error', r1.error));
      this.run_(cmeeNumeric, undefined, (r2) => {
        if (!r2.ok) return done(failure('modem_error', r2.error));
        this.ready_ = true;
        done();
      });
    });
  }

  // ------------------------------------------------------------------------------------------ commands

  private info_(finish: (r: Reply) => void): void {
    this.run_(qgmr, undefined, (fw) => {
      if (!fw.ok) return finish(failure('modem_error', fw.error));
      this.run_(gsn, undefined, (imei) => {
        if (!imei.ok) return finish(failure('modem_error', imei.error));
        this.imei_ = imei.value;
        this.run_(qccid, undefined, (iccid) => {
          this.run_(cpinRead, undefined, (sim) => {
            finish({
              ok: true,
              imei: imei.value,
              iccid: iccid.ok ? iccid.value : null,
              sim: sim.ok ? sim.value : simState(sim.error),
              firmware: fw.value,
            });
          });
        });
      });
    });
  }

  private signal_(finish: (r: Reply) => void): void {
    this.run_(ceregRead, undefined, (reg) => {
      if (!reg.ok) return finish(failure('modem_error', reg.error));
      this.run_(qcsq, undefined, (sq) => {
        if (!sq.ok) return finish(failure('modem_error', sq.error));
        this.run_(copsRead, undefined, (op) => {
          const stat = reg.value.stat;
          finish({
            ok: true,
            registered: isRegistered(stat),
            rsrp: sq.value.rsrpDbm !== undefined ? sq.value.rsrpDbm : null,
            operator: op.ok && op.value.name !== undefined ? op.value.name : null,
            state: REG_STATES[stat] || `stat_${stat}`,
            sysmode: sq.value.sysmode,
          });
        });
      });
    });
  }

  private mqtt_(target: { host: string; port: number }, apn: string, finish: (r: Reply) => void): void {
    const t0 = this.ctx_.ports.clock.monotonicMs();
    const fail = (stage: string, detail: Reply): void => {
      // Leave no half-open client behind; the outcome of the close does not matter.
      this.run_(qmtclose, CLIENT, () => finish({ ok: false, error: 'mqtt_failed', stage, ...detail }));
    };
    this.run_(ceregRead, undefined, (reg) => {
      if (!reg.ok) return finish(failure('modem_error', reg.error));
      if (!isRegistered(reg.value.stat)) return finish({ ok: false, error: 'not_registered', state: REG_STATES[reg.value.stat] || reg.value.stat });
      this.withImei_(() => {
        this.pdpUp_(apn, (pdpProblem) => {
          if (pdpProblem !== undefined) return finish(pdpProblem);
          this.run_(qmtcfg, { client: CLIENT, setting: { name: 'version', value: 4 } }, (cfg) => {
            if (!cfg.ok) return finish(failure('modem_error', cfg.error));
            this.open_(target, true, (open) => {
              if (!open.ok) return fail('open', { detail: describe(open.error) });
              if (open.value !== 0) return fail('open', { result: open.value });
              this.run_(qmtconn, { client: CLIENT, clientId: `pcf-${this.imei_}`.slice(0, 23) }, (conn) => {
                if (!conn.ok) return fail('connect', { detail: describe(conn.error) });
                if (conn.value.result !== 0 || (conn.value.retCode !== undefined && conn.value.retCode !== 0)) {
                  return fail('connect', { result: conn.value.result, retCode: conn.value.retCode !== undefined ? conn.value.retCode : null });
                }
                const ms = this.ctx_.ports.clock.monotonicMs() - t0;
                this.run_(qmtdisc, CLIENT, () => finish({ ok: true, ms, host: target.host, port: target.port }));
              });
            });
          });
        });
      });
    });
  }

  /** QMTOPEN; result 2 (identifier occupied by a stale client) closes it and opens once more. */
  private open_(target: { host: string; port: number }, retry: boolean, done: (r: AtResult<number>) => void): void {
    this.run_(qmtopen, { client: CLIENT, host: target.host, port: target.port }, (r) => {
      if (r.ok && r.value === 2 && retry) return this.run_(qmtclose, CLIENT, () => this.open_(target, false, done));
      done(r);
    });
  }

  private pdpUp_(apn: string, done: (problem?: Reply) => void): void {
    this.run_(qiactRead, undefined, (read) => {
      if (read.ok) for (let i = 0; i < read.value.length; i++) if (read.value[i].ctx === PDP_CTX && read.value[i].state === 1) return done();
      this.run_(qicsgp, { ctx: PDP_CTX, apn }, (cfg) => {
        if (!cfg.ok) return done(failure('modem_error', cfg.error));
        this.run_(qiact, PDP_CTX, (act) => (act.ok ? done() : done({ ok: false, error: 'mqtt_failed', stage: 'pdp', detail: describe(act.error) })));
      });
    });
  }

  private withImei_(next: () => void): void {
    if (this.imei_ !== '') return next();
    this.run_(gsn, undefined, (r) => {
      if (r.ok) this.imei_ = r.value;
      next();
    });
  }

  private time_(finish: (r: Reply) => void): void {
    const buildUnixS = this.ctx_.ports.build.buildUnixS;
    this.run_(qltsUtc, undefined, (nitz) => {
      if (nitz.ok && plausibleTime(nitz.value, buildUnixS)) return finish({ ok: true, unixS: nitz.value.unixS, source: 'nitz' });
      this.run_(cclkRead, undefined, (rtc) => {
        if (rtc.ok && plausibleTime(rtc.value, buildUnixS)) return finish({ ok: true, unixS: rtc.value.unixS, source: 'cclk' });
        finish({ ok: false, error: 'no_time', detail: 'no NITZ yet and the modem clock is unset' });
      });
    });
  }

  private off_(finish: (r: Reply) => void): void {
    this.run_(qpowd, undefined, (r) => {
      this.ready_ = false;
      finish(r.ok ? { ok: true, modem: 'off' } : failure('modem_error', r.error));
    });
  }

  // ------------------------------------------------------------------------------------------ upload

  private stage_(words: string[]): Reply {
    const name = words[2];
    const chunk = words[3];
    if (name === undefined || !FILE_NAME.test(name) || chunk === undefined || !isBase64(chunk) || chunk.length % 4 !== 0) {
      return { ok: false, error: 'bad_argument', expected: 'modem upload <name> <base64, chunks a multiple of 4 long> more=1' };
    }
    const next = (this.staged_[name] || '') + chunk;
    if ((next.length / 4) * 3 > MAX_FILE_BYTES) {
      delete this.staged_[name];
      return { ok: false, error: 'bad_argument', detail: `file larger than ${MAX_FILE_BYTES} bytes` };
    }
    this.staged_[name] = next;
    return { ok: true, staged: next.length };
  }

  private takeUpload_(words: string[]): { file?: { name: string; bytes: Uint8Array }; problem?: Reply } {
    const name = words[2];
    // Base64 padding ends in '=', so only `more=...` is an option here.
    const chunk = words[3] === undefined || words[3].indexOf('more=') === 0 ? '' : words[3];
    if (name === undefined || !FILE_NAME.test(name)) return { problem: { ok: false, error: 'bad_argument', expected: 'modem upload <name> <base64>' } };
    const text = (this.staged_[name] || '') + chunk;
    delete this.staged_[name];
    const bytes = decodeBase64(text);
    if (bytes === undefined || bytes.length === 0 || bytes.length > MAX_FILE_BYTES) {
      return { problem: { ok: false, error: 'bad_argument', detail: `content must be base64, 1..${MAX_FILE_BYTES} bytes` } };
    }
    return { file: { name, bytes } };
  }

  private upload_(name: string, bytes: Uint8Array, finish: (r: Reply) => void): void {
    const confirm = (why: string): void => {
      this.run_(qflst, name, (list) => {
        const entry = list.ok ? list.value.filter((f) => f.name === name)[0] : undefined;
        if (entry !== undefined && entry.size === bytes.length) return finish({ ok: true, bytes: bytes.length, confirmedBy: 'QFLST' });
        finish({ ok: false, error: 'upload_failed', detail: why, listed: entry !== undefined ? entry.size : null });
      });
    };
    // Uploading over an existing name fails on some firmware: delete first; "not found" is fine.
    this.run_(qfdel, name, (del) => {
      if (!del.ok && !(del.error.kind === 'cme' && del.error.code === CME_NOT_FOUND)) return finish(failure('modem_error', del.error));
      this.pendingUpload_ = bytes;
      this.run_(qfupl, { name, size: bytes.length, timeoutS: UPLOAD_TIMEOUT_S }, (up) => {
        const unsent = this.pendingUpload_ !== undefined;
        this.pendingUpload_ = undefined;
        if (unsent) return finish({ ok: false, error: 'upload_failed', detail: 'modem never answered CONNECT' });
        if (!up.ok) return confirm(describe(up.error)); // a successful QFUPL may be reported as a timeout
        if (up.value.size !== bytes.length || up.value.checksum !== uploadChecksum(bytes)) {
          return finish({ ok: false, error: 'upload_failed', detail: `modem stored ${up.value.size} bytes, checksum ${up.value.checksum}` });
        }
        this.run_(qflst, name, (list) => {
          const entry = list.ok ? list.value.filter((f) => f.name === name)[0] : undefined;
          if (entry === undefined || entry.size !== bytes.length) return finish({ ok: false, error: 'upload_failed', detail: 'QFLST does not list the file' });
          finish({ ok: true, bytes: bytes.length, confirmedBy: 'QFUPL' });
        });
      });
    });
  }

  /** `CONNECT` from the modem: the QFUPL in flight wants its raw bytes now. */
  private writeUpload_(): void {
    const bytes = this.pendingUpload_;
    if (bytes === undefined) return this.ctx_.ports.log('modem-console: CONNECT without an upload');
    this.pendingUpload_ = undefined;
    this.ctx_.ports.modem.write(bytes);
  }

  private run_<A, R>(cmd: AtCommand<A, R>, args: A, done: (r: AtResult<R>) => void): void {
    (this.engine_ as AtEngine).run(cmd, args, done);
  }
}

/** Installs the modem commands (the factory mod does, in factory mode: ports/moddable/factory-mod-entry.ts). */
export function installModemConsole(ctx: FirmwareContext, console: FactoryConsole): void {
  new ModemConsole(ctx).install(console);
}

function simState(error: AtFailure): string {
  if (error.kind === 'cme' && error.code === CME_SIM_NOT_INSERTED) return 'NOT INSERTED';
  if (error.kind === 'cme') return `ERROR ${error.code}`;
  return error.kind.toUpperCase();
}

function describe(error: AtFailure): string {
  if (error.kind === 'cme') return `${error.command}: +CME ERROR ${error.code}`;
  if (error.kind === 'timeout') return `${error.command}: timeout (${error.phase})`;
  if (error.kind === 'parse') return `${error.command}: ${error.detail}`;
  return `${error.command}: ${error.kind}`;
}

function failure(code: string, error: AtFailure): Reply {
  return { ok: false, error: code, detail: describe(error) };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/** Standard base64 (with padding) to bytes; undefined for anything else. ECMAScript only (no atob on XS). */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !isBase64(text)) return undefined;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = B64.indexOf(text[i]);
    const b = B64.indexOf(text[i + 1]);
    const c = text[i + 2] === '=' ? 0 : B64.indexOf(text[i + 2]);
    const d = text[i + 3] === '=' ? 0 : B64.indexOf(text[i + 3]);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}
