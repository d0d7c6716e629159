/**
 * Test doubles for the modem layer: virtual timers/clock, and a scripted BG95 on a fake SerialPort that
 * expects exact commands in order and answers with lines, prompts, raw bytes and URCs, optionally split
 * into small chunks. Any command that is not the next expected one is recorded in `unexpected` (tests
 * assert it stays empty) and gets no answer.
 */
import type { Clock, ModemPower, SerialPort, Timers, TimerHandle, Level } from '../../src/ports/ports.ts';

export class FakeTimers implements Timers {
  now = 0;
  private nextId = 1;
  private readonly q = new Map<number, { at: number; fn: () => void; every?: number }>();

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.q.set(id, { at: this.now + Math.max(0, ms), fn });
    return id;
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.q.set(id, { at: this.now + ms, fn, every: ms });
    return id;
  }
  clear(h: TimerHandle): void {
    this.q.delete(h);
  }
  get pending(): number {
    return this.q.size;
  }
  /** Run every timer due within `ms`, in time order, including ones scheduled meanwhile. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let best: number | undefined;
      let bestAt = Infinity;
      for (const [id, t] of this.q) if (t.at < bestAt || (t.at === bestAt && best !== undefined && id < best)) ((bestAt = t.at), (best = id));
      if (best === undefined || bestAt > end) break;
      const t = this.q.get(best)!;
      this.now = Math.max(this.now, t.at);
      if (t.every !== undefined) t.at += t.every;
      else this.q.delete(best);
      t.fn();
    }
    this.now = end;
  }
}

export class FakeClock implements Clock {
  wall: number | undefined;
  constructor(private readonly timers: FakeTimers) {}
  monotonicMs(): number {
    return this.timers.now;
  }
  wallMs(): number | undefined {
    return this.wall === undefined ? undefined : this.wall + this.timers.now;
  }
  setWallMs(ms: number): void {
    this.wall = ms - this.timers.now;
  }
}

export type Reply = string | Uint8Array | { delayMs: number };

interface Expectation {
  kind: 'cmd' | 'payload';
  text?: string;
  length?: number;
  replies: Reply[];
}

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export class ScriptedModem {
  readonly sent: string[] = [];
  readonly payloads: Uint8Array[] = [];
  readonly unexpected: string[] = [];
  readonly pulses: number[] = [];
  readonly supply: boolean[] = [];
  status: Level = 0;
  /** Deliver replies in chunks of this many bytes (1 = byte by byte). */
  chunk = 0;
  replyDelayMs = 5;
  /** When set, status() turns 1 on a PWRKEY pulse and `RDY` is sent after this delay. */
  bootOnPulse: { rdyAfterMs: number } | undefined;
  /** A hard-hung modem ignores the PWRKEY power-off pulse. */
  ignoreOffPulse = false;
  private readonly script: Expectation[] = [];
  private reader: ((b: Uint8Array) => void) | undefined;
  private rx: number[] = [];
  private payloadWanted = 0;
  private chain = 0;

  constructor(private readonly timers: Timers) {}

  readonly serial: SerialPort = {
    write: (bytes) => this.onWrite(bytes),
    onReadable: (cb) => {
      this.reader = cb;
    },
    setDataTerminalReady: () => undefined,
  };

  readonly power: ModemPower = {
    pulsePowerKey: (ms) => {
      this.pulses.push(ms);
      if (this.bootOnPulse && ms < 650) {
        this.status = 1;
        this.send(['RDY', { delayMs: 1000 }, 'APP RDY'], this.bootOnPulse.rdyAfterMs);
      } else if (ms >= 650 && !this.ignoreOffPulse) this.status = 0;
    },
    setSupply: (on) => {
      this.supply.push(on);
      if (!on) this.status = 0;
    },
    status: () => this.status,
  };

  /** Expect `cmd` (without CR) next; answer with the replies. */
  on(cmd: string, ...replies: Reply[]): this {
    this.script.push({ kind: 'cmd', text: cmd, replies });
    return this;
  }
  /** Expect an OK-only command. */
  ok(...cmds: string[]): this {
    for (const c of cmds) this.on(c, 'OK');
    return this;
  }
  /** Expect `length` raw bytes after a prompt; answer with the replies. */
  payload(length: number, ...replies: Reply[]): this {
    this.script.push({ kind: 'payload', length, replies });
    return this;
  }
  /** Inject lines now (URCs). */
  urc(...lines: Reply[]): void {
    this.send(lines, 0);
  }
  get remaining(): string[] {
    return this.script.map((e) => e.text ?? `<${e.length} bytes>`);
  }

  private onWrite(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      if (this.payloadWanted > 0) {
        this.rx.push(bytes[i]);
        if (--this.payloadWanted === 0) {
          const p = Uint8Array.from(this.rx);
          this.rx = [];
          this.payloads.push(p);
          const e = this.script.shift()!;
          this.send(e.replies, this.replyDelayMs);
        }
        continue;
      }
      if (bytes[i] === 13) {
        const line = String.fromCharCode(...this.rx);
        this.rx = [];
        this.onCommand(line);
      } else this.rx.push(bytes[i]);
    }
  }

  private onCommand(line: string): void {
    this.sent.push(line);
    const e = this.script[0];
    if (e === undefined || e.kind !== 'cmd' || e.text !== line) {
      this.unexpected.push(line);
      return;
    }
    this.script.shift();
    const next = this.script[0];
    this.send(e.replies, this.replyDelayMs);
    if (next !== undefined && next.kind === 'payload' && e.replies.some((r) => typeof r === 'string' && r.startsWith('>'))) this.payloadWanted = next.length!;
  }

  private send(replies: Reply[], delayMs: number): void {
    let at = delayMs;
    const parts: { at: number; bytes: Uint8Array }[] = [];
    for (const r of replies) {
      if (typeof r === 'object' && !(r instanceof Uint8Array)) {
        at += r.delayMs;
        continue;
      }
      const bytes = r instanceof Uint8Array ? r : r.startsWith('>') ? enc(r) : enc(`\r\n${r}\r\n`);
      parts.push({ at, bytes });
    }
    for (const p of parts) {
      const pieces: Uint8Array[] = [];
      if (this.chunk > 0) for (let i = 0; i < p.bytes.length; i += this.chunk) pieces.push(p.bytes.subarray(i, i + this.chunk));
      else pieces.push(p.bytes);
      // Keep order across sends: each chunk goes out in its own tick, after everything queued before.
      for (const piece of pieces) {
        const seq = this.chain++;
        this.timers.setTimeout(() => this.deliver(piece, seq), p.at);
      }
    }
  }

  private delivered = 0;
  private held = new Map<number, Uint8Array>();
  private deliver(bytes: Uint8Array, seq: number): void {
    this.held.set(seq, bytes);
    while (this.held.has(this.delivered)) {
      const b = this.held.get(this.delivered)!;
      this.held.delete(this.delivered);
      this.delivered++;
      if (this.reader) this.reader(b);
    }
  }
}

export const bytes = (s: string): Uint8Array => enc(s);
