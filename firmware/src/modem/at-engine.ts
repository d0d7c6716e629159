/**
 * AT engine: one command queue, one command in flight, URC routing by prefix.
 *
 * Inputs:  raw byte chunks from the modem UART (any split, any garbage); `run()` requests.
 * Outputs: command lines written to the UART; one `done(result)` per request; URC handler calls;
 *          binary downlinks (`+QMTRECV` with length) to the recv handler.
 * States of the command in flight: `prompt` (waiting for `>`), `final` (waiting for OK / ERROR /
 * +CME ERROR), `urc` (two-phase command: OK seen, waiting for its outcome URC).
 *
 * Everything runs to completion inside the serial callback or a timer callback; no promises, so the
 * engine behaves the same on XS, Espruino, QuickJS and in virtual time.
 *
 * Routing order for a complete line (ref §0: URCs can arrive between a command and its final result):
 *   1. echo of the command in flight (before ATE0 took effect): dropped;
 *   2. final result for the command in flight;
 *   3. the awaited URC of a two-phase command;
 *   4. an information line with the command's prefix;
 *   5. the URC table (prefix match, longest registered first);
 *   6. a bare information line, if the command collects them (AT+GSN, AT+QGMR);
 *   7. otherwise: logged and counted as unknown, never fatal.
 * `+QMTRECV: <idx>,<msgid>,"<topic>",<len>,"<payload>"` is framed by its length before line assembly,
 * because the payload is binary and may contain `"`, CR and LF (ref §3.5).
 */

import type { SerialPort, Timers, TimerHandle } from '../ports/ports.ts';
import { AtParseError, type AtCommand } from './at-command.ts';
import { TRACE } from '../trace.ts';
import { latin1, latin1ToBytes } from '../storage/latin1.ts';

export type AtFailure =
  | { kind: 'error'; command: string }
  | { kind: 'cme'; command: string; code: number; text?: string }
  | { kind: 'timeout'; command: string; phase: 'prompt' | 'final' | 'urc' }
  | { kind: 'parse'; command: string; detail: string }
  | { kind: 'aborted'; command: string };

export type AtResult<R> = { ok: true; value: R } | { ok: false; error: AtFailure };

export interface MqttRecv {
  clientIdx: number;
  msgId: number;
  topic: string;
  payload: Uint8Array;
}

export interface AtEngineStats {
  commands: number;
  timeouts: number;
  consecutiveTimeouts: number;
  errors: number;
  unknownLines: number;
  droppedBytes: number;
  bytesWritten: number;
}

export interface AtEngineOptions {
  /** Longest text line kept; longer runs without CR/LF are garbage and dropped. */
  maxLineBytes?: number;
  /** Largest binary downlink accepted in +QMTRECV. */
  maxRecvBytes?: number;
}

/** A queued command (module-internal: trailing `_` names are shortened by the build). */
interface Pending {
  cmd_: AtCommand<any, any>;
  args_: unknown;
  done_: (r: AtResult<any>) => void;
  text_: string;
}

interface InFlight extends Pending {
  phase_: 'prompt' | 'final' | 'urc';
  lines_: string[];
  urcLine_?: string;
  timer_?: TimerHandle;
}

/** What tryRecv_ made of the buffer: a framed downlink consumed, wait for more bytes, or an ordinary line. */
const enum Recv {
  Done,
  Wait,
  Line,
}

const CR = 13;
const LF = 10;
const SPACE = 32;
const PROMPT = 62; // '>'
const QUOTE = 34;
const RECV_PREFIX = '+QMTRECV:';
const RECV_HEADER = /^\+QMTRECV: ?(\d+),(\d+),"([^"\r\n]*)",(\d+),"/;

export class AtEngine {
  readonly stats: AtEngineStats = { commands: 0, timeouts: 0, consecutiveTimeouts: 0, errors: 0, unknownLines: 0, droppedBytes: 0, bytesWritten: 0 };
  private readonly queue_: Pending[] = [];
  private inflight_: InFlight | undefined;
  private buf_ = new Uint8Array(256);
  private len_ = 0;
  private feeding_ = false;
  private readonly urcTable_: { prefix: string; handler: (line: string) => void }[] = [];
  private recvHandler_: ((msg: MqttRecv) => void) | undefined;
  private readonly maxLine_: number;
  private readonly maxRecv_: number;

  private readonly serial_: SerialPort;
  private readonly timers_: Timers;
  private readonly log_: (line: string) => void;

  constructor(
    serial_: SerialPort,
    timers_: Timers,
    log_: (line: string) => void,
    options: AtEngineOptions = {},
  ) {
    this.serial_ = serial_;
    this.timers_ = timers_;
    this.log_ = log_;
    this.maxLine_ = options.maxLineBytes ?? 1024;
    this.maxRecv_ = options.maxRecvBytes ?? 4096;
    serial_.onReadable((bytes) => this.feed(bytes));
  }

  /** Register a URC handler. `prefix` is matched at the start of the line ("RDY" matches exactly "RDY"). */
  onUrc(prefix: string, handler: (line: string) => void): void {
    this.urcTable_.push({ prefix, handler });
    this.urcTable_.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  onRecv(handler: (msg: MqttRecv) => void): void {
    this.recvHandler_ = handler;
  }

  get busy(): boolean {
    return this.inflight_ !== undefined || this.queue_.length > 0;
  }

  /** Queue a command; `done` is called exactly once. */
  run<A, R>(cmd: AtCommand<A, R>, args: A, done: (r: AtResult<R>) => void): void {
    let text: string;
    try {
      text = cmd.build(args);
    } catch (e) {
      done({ ok: false, error: { kind: 'parse', command: cmd.name, detail: (e as Error).message } });
      return;
    }
    this.queue_.push({ cmd_: cmd, args_: args, done_: done, text_: text });
    if (this.inflight_ === undefined) this.startNext_();
  }

  /** Fail the command in flight and everything queued (modem power-cycled or PSM entered). */
  abortAll(): void {
    const f = this.inflight_;
    if (f) this.retire_(f);
    const victims = (f ? [f as Pending] : []).concat(this.queue_.splice(0));
    this.len_ = 0;
    for (let i = 0; i < victims.length; i++) victims[i].done_({ ok: false, error: { kind: 'aborted', command: victims[i].cmd_.name } });
  }

  /** Bytes from the UART. Public so ports that deliver data another way can push it. */
  feed(chunk: Uint8Array): void {
    this.append_(chunk);
    if (this.feeding_) return; // a handler wrote a command and a fake modem answered synchronously
    this.feeding_ = true;
    try {
      this.drain_();
    } finally {
      this.feeding_ = false;
    }
  }

  private append_(chunk: Uint8Array): void {
    if (this.len_ + chunk.length > this.buf_.length) {
      let size = this.buf_.length;
      while (size < this.len_ + chunk.length) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf_.subarray(0, this.len_));
      this.buf_ = next;
    }
    this.buf_.set(chunk, this.len_);
    this.len_ += chunk.length;
  }

  private consume_(n: number): void {
    this.buf_.copyWithin(0, n, this.len_);
    this.len_ -= n;
  }

  private drain_(): void {
    for (;;) {
      let skip = 0;
      while (skip < this.len_ && (this.buf_[skip] === CR || this.buf_[skip] === LF || this.buf_[skip] === SPACE)) skip++;
      if (skip > 0) this.consume_(skip);
      if (this.len_ === 0) return;

      const f = this.inflight_;
      if (f !== undefined && f.phase_ === 'prompt' && this.buf_[0] === PROMPT) {
        this.consume_(1);
        this.writePayload_(f);
        continue;
      }

      if (latin1(this.buf_, Math.min(this.len_, RECV_PREFIX.length)) === RECV_PREFIX) {
        const r = this.tryRecv_();
        if (r === Recv.Wait) return;
        if (r === Recv.Done) continue;
      }

      let end = -1;
      for (let i = 0; i < this.len_; i++) {
        if (this.buf_[i] === CR || this.buf_[i] === LF) {
          end = i;
          break;
        }
      }
      if (end < 0) {
        if (this.len_ > this.maxLine_) {
          this.stats.droppedBytes += this.len_;
          if (TRACE) this.log_(`at: dropped ${this.len_} bytes without line end`);
          this.len_ = 0;
        }
        return;
      }
      const line = latin1(this.buf_, end);
      this.consume_(end + 1);
      this.handleLine_(line);
    }
  }

  /** Frame `+QMTRECV: idx,msgid,"topic",len,"<len bytes>"` by its length. */
  private tryRecv_(): Recv {
    const headText = latin1(this.buf_, Math.min(this.len_, 200));
    const m = RECV_HEADER.exec(headText);
    if (m === null) {
      // No length form (yet). A CR/LF cannot occur inside the header, so if one is present this is an
      // ordinary line (recv/mode 0,0 or buffer mode); otherwise wait for more bytes.
      return /[\r\n]/.test(headText) || this.len_ > 200 ? Recv.Line : Recv.Wait;
    }
    const payloadLen = Number(m[4]);
    if (payloadLen > this.maxRecv_) {
      if (TRACE) this.log_(`at: +QMTRECV length ${payloadLen} over limit, treated as a line`);
      return Recv.Line;
    }
    const start = m[0].length;
    const need = start + payloadLen + 1; // closing quote
    if (this.len_ < need) return Recv.Wait;
    const payload = this.buf_.slice(start, start + payloadLen);
    if (TRACE && this.buf_[start + payloadLen] !== QUOTE) this.log_('at: +QMTRECV payload not followed by a quote; length trusted');
    this.consume_(need);
    const msg: MqttRecv = { clientIdx: Number(m[1]), msgId: Number(m[2]), topic: m[3], payload };
    if (this.recvHandler_) this.recvHandler_(msg);
    else if (TRACE) this.log_('at: +QMTRECV without handler');
    return Recv.Done;
  }

  private handleLine_(line: string): void {
    const f = this.inflight_;
    if (f !== undefined) {
      if (line === f.text_) return; // echo before ATE0
      if (f.phase_ !== 'urc') {
        if (line === 'OK') return this.onOk_(f);
        if (line === 'ERROR') return this.error_(f);
        if (/^\+CM[ES] ERROR:/.test(line)) {
          const rest = line.slice(11).trim();
          const e: AtFailure & { kind: 'cme' } = { kind: 'cme', command: f.cmd_.name, code: /^\d+$/.test(rest) ? Number(rest) : -1 };
          if (e.code < 0) e.text = rest;
          return this.fail_(f, e);
        }
      }
      const urc = f.cmd_.urc;
      if (urc !== undefined && f.urcLine_ === undefined && urc.prefixes.some((p) => line.startsWith(p)) && (urc.match === undefined || urc.match(line, f.args_))) {
        if (urc.final !== undefined && !urc.final(line, f.args_)) {
          f.lines_.push(line);
          return;
        }
        f.urcLine_ = line;
        if (f.phase_ === 'urc') this.complete_(f);
        return; // arrived before OK: completes on OK
      }
      if (f.phase_ !== 'urc' && f.cmd_.prefix !== undefined && line.startsWith(f.cmd_.prefix)) {
        f.lines_.push(line);
        return;
      }
    }
    for (let i = 0; i < this.urcTable_.length; i++) {
      const e = this.urcTable_[i];
      if (line.startsWith(e.prefix)) {
        e.handler(line);
        return;
      }
    }
    if (f !== undefined && f.phase_ !== 'urc' && f.cmd_.bareLines === true) {
      f.lines_.push(line);
      return;
    }
    this.stats.unknownLines++;
    if (TRACE) this.log_(`at: unknown line ${JSON.stringify(line.length > 80 ? line.slice(0, 80) : line)}`);
  }

  private onOk_(f: InFlight): void {
    if (f.phase_ === 'prompt') {
      // OK without a prompt: the modem did not take the payload.
      return this.error_(f);
    }
    if (f.cmd_.urc !== undefined && f.urcLine_ === undefined) {
      f.phase_ = 'urc';
      this.arm_(f, f.cmd_.urc.timeoutMs);
      return;
    }
    this.complete_(f);
  }

  private writePayload_(f: InFlight): void {
    const payload = f.cmd_.payload ? f.cmd_.payload(f.args_) : new Uint8Array(0);
    f.phase_ = 'final';
    this.arm_(f, f.cmd_.timeoutMs);
    this.stats.bytesWritten += payload.length;
    this.serial_.write(payload);
  }

  /** The command in flight is over: its timer stops and the next one may start. */
  private retire_(f: InFlight): void {
    this.clearTimer_(f);
    this.inflight_ = undefined;
  }

  private error_(f: InFlight): void {
    this.fail_(f, { kind: 'error', command: f.cmd_.name });
  }

  private complete_(f: InFlight): void {
    this.retire_(f);
    this.stats.consecutiveTimeouts = 0;
    const lines = f.urcLine_ !== undefined ? f.lines_.concat([f.urcLine_]) : f.lines_;
    let result: AtResult<unknown>;
    try {
      result = { ok: true, value: f.cmd_.parse(lines, f.args_) };
    } catch (e) {
      if (!(e instanceof AtParseError)) throw e;
      if (TRACE) this.log_(`at: ${f.cmd_.name}: cannot parse ${e.message}`);
      result = { ok: false, error: { kind: 'parse', command: f.cmd_.name, detail: e.message } };
    }
    f.done_(result);
    this.startNext_();
  }

  private fail_(f: InFlight, error: AtFailure): void {
    this.retire_(f);
    if (error.kind === 'timeout') {
      this.stats.timeouts++;
      this.stats.consecutiveTimeouts++;
    } else {
      this.stats.consecutiveTimeouts = 0;
      this.stats.errors++;
    }
    if (TRACE) this.log_(`at: ${f.cmd_.name} failed: ${error.kind}${error.kind === 'cme' ? ' ' + error.code : ''}`);
    f.done_({ ok: false, error });
    this.startNext_();
  }

  private startNext_(): void {
    if (this.inflight_ !== undefined) return;
    const next = this.queue_.shift();
    if (next === undefined) return;
    const f: InFlight = { ...next, phase_: next.cmd_.payload ? 'prompt' : 'final', lines_: [] };
    this.inflight_ = f;
    this.arm_(f, f.cmd_.timeoutMs);
    this.stats.commands++;
    this.serial_.write(latin1ToBytes(f.text_ + '\r'));
  }

  private arm_(f: InFlight, ms: number): void {
    this.clearTimer_(f);
    const phase = f.phase_;
    f.timer_ = this.timers_.setTimeout(() => {
      f.timer_ = undefined;
      if (this.inflight_ === f) this.fail_(f, { kind: 'timeout', command: f.cmd_.name, phase });
    }, ms);
  }

  private clearTimer_(f: InFlight): void {
    if (f.timer_ !== undefined) {
      this.timers_.clear(f.timer_);
      f.timer_ = undefined;
    }
  }
}
