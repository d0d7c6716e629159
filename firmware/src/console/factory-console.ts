/**
 * Factory console: a line protocol on ports.console for the manufacturing station and bench work.
 *
 * Inputs:  one command per line (ASCII, case-sensitive, arguments as `key=value` or positional).
 * Outputs: exactly one line of JSON per command: {"ok":true,...} or {"ok":false,"error":"<code>",...}.
 * States:  stateless; `ship` ends in System OFF.
 * Where:   bundled with the firmware in the simulator, the self-test and the tests (`startFactoryConsole`); on
 *          the device it is the factory mod (ports/moddable/factory-mod.ts), which the image loads when the
 *          console line first speaks, so a cap in the field carries none of this code in its image.
 *
 *   ident                           serial, firmware version, image hash, boot count, reset reason
 *   selftest                        on-board checks (battery, temperature, flash scratch block write/read/erase,
 *                                   log, clock, lid, button, indicator); {"ok":true,"passed":bool,"steps":[...]}
 *   lid?                            {"ok":true,"lid":"open"|"closed"}
 *   button?                         {"ok":true,"button":"pressed"|"released"}
 *   led on|off                      drive the LED
 *   buzz <ms>                       buzzer on for 1..5000 ms
 *   provision serial=<S> [force=1]  persist the serial (SERIAL_PATTERN); a different existing serial needs force=1
 *   log stats                       event log statistics
 *   time                            the current time anchor
 *   time set=<unixS>                set the wall clock (source Factory)
 *   ship                            persist, reply, then enter shipping mode (System OFF until the lid opens)
 *   help                            the command list
 *   (extensions)                    commands added with addCommand(), e.g. `battery?` and `modem ...` in factory
 *                                   mode (console/modem-console.ts); they may reply later
 * Error codes: unknown_command, bad_argument, already_provisioned, rejected.
 */
import { SERIAL_PATTERN, TimeSource } from '../../../protocol/src/messages.ts';
import type { FactoryStep } from '../../../protocol/src/messages.ts';
import type { FirmwareContext } from '../context.ts';
import { Patterns } from '../indicator.ts';
import { flashPlan } from '../flash-layout.ts';

export const CONSOLE_COMMANDS = ['ident', 'selftest', 'lid?', 'button?', 'led', 'buzz', 'provision', 'log stats', 'time', 'ship', 'help'];

type Reply = Record<string, unknown>;

/** The `key=value` arguments among the words of a line (after the command word). */
function parseArgs(words: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const eq = words[i].indexOf('=');
    if (eq > 0) args[words[i].slice(0, eq)] = words[i].slice(eq + 1);
  }
  return args;
}

function internalError(e: unknown): Reply {
  return { ok: false, error: 'internal', message: e instanceof Error ? e.message : String(e) };
}

function badArgument(expected: string): Reply {
  return { ok: false, error: 'bad_argument', expected };
}

/** The `log stats` reply fields, in reply order (LogStats without the oldest event). */
const LOG_STATS_KEYS = ['count', 'oldestSeq', 'newestSeq', 'ackSeq', 'nextSeq', 'bytesUsed', 'capacityBytes', 'droppedTotal', 'blocksInUse', 'blockCount'] as const;

/** Reply callback of an extension command; call it exactly once, now or later (asynchronous commands). */
export type ConsoleReplyFn = (reply: Reply) => void;
/** An extension command: the words of the line, its `key=value` arguments, and the reply callback. */
export type ConsoleCommandHandler = (words: string[], args: Record<string, string>, reply: ConsoleReplyFn) => void;

export class FactoryConsole {
  private readonly ctx_: FirmwareContext;
  private readonly scratchBlock_: number;
  private buzzTimer_: number | undefined;
  /** Commands added by other modules (addCommand), keyed by their first word. */
  private readonly extensions_: Record<string, ConsoleCommandHandler> = {};

  constructor(ctx: FirmwareContext) {
    this.ctx_ = ctx;
    this.scratchBlock_ = flashPlan(ctx.ports.flash.blockCount).scratchBlock;
  }

  /** Takes the console line; the factory mod's loader calls handleLine itself instead. */
  start(): void {
    this.ctx_.ports.console.onLine((line) => this.handleLine(line));
  }

  /**
   * Extension point: `name` (the first word of a line) is handled by `handler`, which may answer later
   * (e.g. console/modem-console.ts, which the factory mod adds in factory mode). Built-ins win.
   */
  addCommand(name: string, handler: ConsoleCommandHandler): void {
    this.extensions_[name] = handler;
  }

  handleLine(raw: string): void {
    const line = raw.trim();
    if (line === '') return;
    const first = line.split(/\s+/)[0];
    if (CONSOLE_COMMANDS.indexOf(first) < 0 && first !== 'log' && this.extensions_[first] !== undefined) {
      this.runExtension_(this.extensions_[first], line);
      return;
    }
    let reply: Reply;
    try {
      reply = this.execute_(line);
    } catch (e) {
      reply = internalError(e);
    }
    this.ctx_.ports.console.writeLine(JSON.stringify(reply));
    // `ship` replies first, then enters shipping mode
    if (reply.shipping === true) this.ship_();
  }

  private runExtension_(handler: ConsoleCommandHandler, line: string): void {
    const words = line.split(/\s+/);
    const args = parseArgs(words);
    let answered = false;
    const reply: ConsoleReplyFn = (r) => {
      if (answered) return;
      answered = true;
      this.ctx_.ports.console.writeLine(JSON.stringify(r));
    };
    try {
      handler(words, args, reply);
    } catch (e) {
      reply(internalError(e));
    }
  }

  private execute_(line: string): Reply {
    const words = line.split(/\s+/);
    const cmd = words[0];
    const args = parseArgs(words);
    const { ports } = this.ctx_;
    switch (cmd) {
      case 'ident':
        return {
          ok: true,
          serial: this.ctx_.serial,
          provisioned: this.ctx_.provisioned,
          firmware: ports.build.version,
          imageHash: ports.build.imageHash,
          bootCount: this.ctx_.time.boot,
          resetReason: this.ctx_.resetReason,
        };
      case 'selftest':
        return this.selftest();
      case 'lid?':
        return { ok: true, lid: ports.lid.read() === 1 ? 'open' : 'closed' };
      case 'button?':
        return { ok: true, button: ports.button.read() === 1 ? 'pressed' : 'released' };
      case 'led':
        if (words[1] !== 'on' && words[1] !== 'off') return badArgument('led on|off');
        ports.led.write(words[1] === 'on' ? 1 : 0);
        return { ok: true, led: words[1] };
      case 'buzz': {
        const ms = Number(words[1]);
        if (!(Math.floor(ms) === ms && ms >= 1 && ms <= 5000)) return badArgument('buzz <1..5000 ms>');
        if (this.buzzTimer_ !== undefined) ports.timers.clear(this.buzzTimer_);
        ports.buzzer.write(1);
        this.buzzTimer_ = ports.timers.setTimeout(() => {
          this.buzzTimer_ = undefined;
          ports.buzzer.write(0);
        }, ms);
        return { ok: true, buzzMs: ms };
      }
      case 'provision': {
        const serial = args.serial;
        if (serial === undefined || !SERIAL_PATTERN.test(serial)) return badArgument('provision serial=<A-Z0-9- 4..32>');
        if (this.ctx_.provisioned && serial !== this.ctx_.serial && args.force !== '1') {
          return { ok: false, error: 'already_provisioned', serial: this.ctx_.serial };
        }
        this.ctx_.provision(serial);
        return { ok: true, serial };
      }
      case 'log':
        if (words[1] !== 'stats') return { ok: false, error: 'unknown_command', command: line };
        return this.logStats_();
      case 'time': {
        if (args.set !== undefined) {
          const unixS = Number(args.set);
          const r = this.ctx_.time.setWall(unixS, TimeSource.Factory);
          if (!r.accepted) return { ok: false, error: 'rejected', reason: r.reason };
          return { ok: true, anchor: this.ctx_.time.anchor(), correctionS: r.correctionS };
        }
        return { ok: true, anchor: this.ctx_.time.anchor() };
      }
      case 'ship':
        return { ok: true, shipping: true };
      case 'help':
        return { ok: true, commands: CONSOLE_COMMANDS.concat(Object.keys(this.extensions_)) };
      default:
        return { ok: false, error: 'unknown_command', command: cmd };
    }
  }

  private logStats_(): Reply {
    const s = this.ctx_.log.stats();
    const r: Reply = { ok: true };
    for (const k of LOG_STATS_KEYS) r[k] = s[k];
    return r;
  }

  /** On-board checks that need no fixture; the station adds lid/button actuation around them. */
  selftest(): Reply {
    const { ports } = this.ctx_;
    const steps: FactoryStep[] = [];
    const step = (name: string, ok: boolean, value: number | null, message: string): void => {
      steps.push({ name, ok, value, message });
    };
    const mv = ports.power.batteryMv();
    step('battery', mv >= 3300 && mv <= 4400, mv, 'mV, expected 3300..4400');
    const t = ports.power.temperatureDeciC();
    step('temperature', t >= -100 && t <= 600, t, '0.1 degC, expected -10..60 C');
    const flashResult = this.flashCheck_();
    step('flash', flashResult === '', flashResult === '' ? 256 : null, flashResult === '' ? 'scratch block written, read back and erased' : flashResult);
    const s = this.ctx_.log.stats();
    step('log', s.capacityBytes > 0 && s.nextSeq >= 1, s.capacityBytes, 'event log capacity bytes');
    const m0 = ports.clock.monotonicMs();
    step('clock', m0 >= 0, m0, 'monotonic ms');
    step('lid', true, ports.lid.read(), 'level (1 = open)');
    step('button', true, ports.button.read(), 'level (1 = pressed)');
    this.ctx_.indicator.play(Patterns.selfTest);
    step('indicator', true, null, 'LED and buzzer pulsed 100 ms');
    let passed = true;
    for (let i = 0; i < steps.length; i++) if (!steps[i].ok) passed = false;
    return { ok: true, passed, steps };
  }

  /** Erase the scratch block, write a pattern, read it back, erase again. Returns '' or what went wrong. */
  private flashCheck_(): string {
    const flash = this.ctx_.ports.flash;
    if (this.scratchBlock_ >= flash.blockCount) return 'no scratch block in this flash layout';
    try {
      const base = this.scratchBlock_ * flash.blockSize;
      flash.eraseBlock(this.scratchBlock_);
      const pattern = new Uint8Array(256);
      for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 37 + 11) & 0xff;
      flash.write(base, pattern);
      const back = flash.read(base, pattern.length);
      for (let i = 0; i < pattern.length; i++) if (back[i] !== pattern[i]) return `read back mismatch at byte ${i}`;
      flash.eraseBlock(this.scratchBlock_);
      const erased = flash.read(base, pattern.length);
      for (let i = 0; i < erased.length; i++) if (erased[i] !== 0xff) return `erase failed at byte ${i}`;
      return '';
    } catch (e) {
      return `flash error: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private ship_(): void {
    this.ctx_.bus.publish({ type: 'SHIP_MODE' });
    this.ctx_.enterShipping();
  }
}

/** FirmwareOptions.console where the console is bundled with the firmware (simulator, self-test, tests). */
export function startFactoryConsole(ctx: FirmwareContext): void {
  new FactoryConsole(ctx).start();
}
