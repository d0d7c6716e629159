/**
 * The end-of-line steps. Each takes the unit and the plan step (limits, timeout) and returns what it
 * measured, or throws StepFailure with a message the line operator can act on.
 */
import type { ConsoleReply } from './console-link.ts';
import { ConsoleReplyError, ConsoleSilentError } from './console-link.ts';
import type { PlanStep, StepId } from './test-plan.ts';
import { describeLimits, withinLimits } from './test-plan.ts';
import type { UnitUnderTest } from './unit-under-test.ts';

export class StepFailure extends Error {
  constructor(message: string, readonly value: number | string | null = null) {
    super(message);
    this.name = 'StepFailure';
  }
}

export interface StepOutcome {
  value: number | string | null;
  message: string;
}

export interface StepContext {
  unit: UnitUnderTest;
  step: PlanStep;
  expectedImageHash: string;
  factoryBroker: { host: string; port: number };
  /** Facts gathered by earlier steps (IMEI, ICCID, ...), read by provisioning and the report. */
  facts: Record<string, string | number>;
}

type StepRunner = (ctx: StepContext) => Promise<StepOutcome>;

const CONSOLE_TRY_MS = 500;

async function ask(ctx: StepContext, command: string): Promise<ConsoleReply> {
  try {
    return await ctx.unit.console().command(command, ctx.step.timeoutMs);
  } catch (error) {
    if (error instanceof ConsoleSilentError) throw new StepFailure(`console silent: no answer to "${command}" within ${error.timeoutMs} ms`);
    if (error instanceof ConsoleReplyError) {
      const { error: code, detail, stage } = error.reply;
      const extra = [stage !== undefined ? `stage ${String(stage)}` : '', detail !== undefined ? String(detail) : ''].filter(Boolean).join(', ');
      throw new StepFailure(`unit refused "${command}": ${String(code ?? 'no reason given')}${extra ? ` (${extra})` : ''}`);
    }
    throw error;
  }
}

function requireLimits(ctx: StepContext, value: number, what: string): StepOutcome {
  if (!withinLimits(value, ctx.step.limits)) {
    throw new StepFailure(`${what} ${value} ${ctx.step.limits?.unit ?? ''} outside ${describeLimits(ctx.step.limits)}`.replace(/\s+/g, ' '), value);
  }
  return { value, message: `${what} ${value} ${ctx.step.limits?.unit ?? ''} (limit ${describeLimits(ctx.step.limits)})`.replace(/\s+/g, ' ') };
}

async function waitFor(ctx: StepContext, command: string, accept: (reply: ConsoleReply) => boolean): Promise<ConsoleReply> {
  const deadline = Date.now() + ctx.step.timeoutMs;
  let last: ConsoleReply = await ask(ctx, command);
  while (!accept(last)) {
    if (Date.now() > deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await ask(ctx, command);
  }
  return last;
}

/**
 * The image answered `no_console`: it found no factory mod built for it (the mod holds the console). With the
 * image the station flashed, the mod is missing: the console fails. With another image (a flash that did not
 * take), the mod was refused because of that, so the unit goes on to fail at `firmware-hash`, which names it.
 */
function imageWithoutConsole(ctx: StepContext, imageHash: string): StepOutcome {
  if (imageHash === ctx.expectedImageHash) throw new StepFailure(`no console: the factory mod for image ${imageHash} is not installed`, imageHash);
  ctx.facts.imageHash = imageHash;
  return { value: '', message: `image ${imageHash || '(none)'} answered without a console: no factory mod for it` };
}

const stepRunners: Record<StepId, StepRunner> = {
  async console(ctx) {
    // A unit that is still booting drops console input (as a real UART before the firmware reads it):
    // ask again with short tries until the step's timeout.
    const deadline = Date.now() + ctx.step.timeoutMs;
    let reply: ConsoleReply | undefined;
    while (!reply) {
      const tryMs = Math.min(CONSOLE_TRY_MS, Math.max(1, deadline - Date.now()));
      try {
        reply = await ctx.unit.console().command('ident', tryMs);
      } catch (error) {
        if (!(error instanceof ConsoleSilentError) || Date.now() >= deadline) {
          if (error instanceof ConsoleSilentError) throw new StepFailure(`console silent: no answer to "ident" within ${ctx.step.timeoutMs} ms`);
          if (error instanceof ConsoleReplyError && error.reply.error === 'no_console') return imageWithoutConsole(ctx, String(error.reply.imageHash ?? ''));
          if (error instanceof ConsoleReplyError) throw new StepFailure(`unit refused "ident": ${String(error.reply.error ?? 'no reason given')}`);
          throw error;
        }
      }
    }
    ctx.facts.firmware = String(reply.firmware ?? '');
    ctx.facts.imageHash = String(reply.imageHash ?? '');
    if (typeof reply.serial === 'string' && reply.provisioned === true) ctx.facts.serial = reply.serial;
    return { value: String(reply.firmware ?? ''), message: `firmware ${String(reply.firmware ?? '?')} answered (boot ${String(reply.bootCount ?? '?')})` };
  },

  async 'firmware-hash'(ctx) {
    const reported = String(ctx.facts.imageHash ?? (await ask(ctx, 'ident')).imageHash ?? '');
    if (reported !== ctx.expectedImageHash) {
      throw new StepFailure(`wrong firmware: unit reports image ${reported || '(none)'}, expected ${ctx.expectedImageHash}`, reported);
    }
    return { value: reported, message: `image ${reported}` };
  },

  async flash(ctx) {
    // F1's selftest: {"ok":true,"passed":bool,"steps":[{"name":"flash","ok":bool,"value","message"},...]}
    const reply = await ask(ctx, 'selftest');
    const steps = Array.isArray(reply.steps) ? (reply.steps as { name?: unknown; ok?: unknown; message?: unknown }[]) : [];
    const flash = steps.find((step) => step.name === 'flash');
    if (!flash) throw new StepFailure('flash error: the unit\'s selftest reports no flash check');
    if (flash.ok !== true) throw new StepFailure(`flash error: scratch block write/read/erase failed (${String(flash.message ?? 'no detail')})`);
    return { value: null, message: 'scratch block written, read back and erased' };
  },

  async lid(ctx) {
    const fixture = ctx.unit.fixture;
    await fixture.setLid(true);
    const opened = await waitFor(ctx, 'lid?', (r) => r.lid === 'open');
    if (opened.lid !== 'open') throw new StepFailure('dead lid sensor: lid opened but the unit still reads closed');
    await fixture.setLid(false);
    const closed = await waitFor(ctx, 'lid?', (r) => r.lid === 'closed');
    if (closed.lid !== 'closed') throw new StepFailure('lid sensor stuck: lid closed but the unit still reads open');
    return { value: null, message: 'open and close seen' };
  },

  async button(ctx) {
    const fixture = ctx.unit.fixture;
    const idle = await ask(ctx, 'button?');
    if (idle.button !== 'released') throw new StepFailure('stuck button: reads pressed with nothing pressing it');
    await fixture.setButton(true);
    const pressed = await waitFor(ctx, 'button?', (r) => r.button === 'pressed');
    await fixture.setButton(false);
    if (pressed.button !== 'pressed') throw new StepFailure('dead button: pressed but the unit reads released');
    const released = await waitFor(ctx, 'button?', (r) => r.button === 'released');
    if (released.button !== 'released') throw new StepFailure('stuck button: released but the unit still reads pressed');
    return { value: null, message: 'press and release seen' };
  },

  async led(ctx) {
    // The unit's own feedback (the button acknowledgement just before this step) shares the LED and may
    // switch it off right after "led on": sense up to three times before calling the LED dead.
    let sensed: boolean | undefined;
    for (let attempt = 0; attempt < 3 && sensed !== true; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 150));
      await ask(ctx, 'led on');
      sensed = await ctx.unit.fixture.ledLit();
      if (sensed === undefined) break;
    }
    const lit = sensed ?? (await ctx.unit.fixture.confirm('Is the LED lit?'));
    await ask(ctx, 'led off');
    if (!lit) throw new StepFailure('LED did not light');
    const off = await ctx.unit.fixture.ledLit();
    if (off === true) throw new StepFailure('LED stays lit after "led off"');
    return { value: null, message: sensed === undefined ? 'operator confirmed' : 'fixture sensed light' };
  },

  async buzzer(ctx) {
    await ctx.unit.fixture.buzzerHeard();
    await ask(ctx, 'buzz 200');
    const sensed = await ctx.unit.fixture.buzzerHeard();
    const heard = sensed ?? (await ctx.unit.fixture.confirm('Did the buzzer sound?'));
    if (!heard) throw new StepFailure('buzzer silent');
    return { value: null, message: sensed === undefined ? 'operator confirmed' : 'fixture heard the buzzer' };
  },

  async battery(ctx) {
    const reply = await ask(ctx, 'battery?');
    const mv = Number(reply.mv);
    if (!Number.isFinite(mv)) throw new StepFailure('battery reading missing');
    return requireLimits(ctx, mv, 'battery');
  },

  async 'modem-alive'(ctx) {
    const reply = await ask(ctx, 'modem info');
    if (typeof reply.firmware !== 'string' || reply.firmware === '') throw new StepFailure('modem answered without a firmware revision');
    ctx.facts.modemFirmware = String(reply.firmware ?? '');
    return { value: String(reply.firmware ?? ''), message: `modem ${String(reply.firmware ?? '?')}` };
  },

  async imei(ctx) {
    const reply = await ask(ctx, 'modem info');
    const imei = String(reply.imei ?? '');
    if (!/^\d{15}$/.test(imei)) throw new StepFailure(`bad IMEI "${imei}"`, imei);
    ctx.facts.imei = imei;
    return { value: imei, message: `IMEI ${imei}` };
  },

  async iccid(ctx) {
    const reply = await ask(ctx, 'modem info');
    const iccid = String(reply.iccid ?? '');
    if (!/^\d{18,22}$/.test(iccid)) throw new StepFailure(`no SIM: ICCID unreadable (SIM ${String(reply.sim ?? 'state unknown')})`, reply.iccid === null ? null : iccid);
    ctx.facts.iccid = iccid;
    return { value: iccid, message: `ICCID ${iccid}` };
  },

  async 'sim-ready'(ctx) {
    const reply = await ask(ctx, 'modem info');
    if (reply.sim !== 'READY') throw new StepFailure(`no SIM: SIM state ${String(reply.sim ?? 'unknown')}`, String(reply.sim ?? ''));
    return { value: 'READY', message: 'SIM ready' };
  },

  async registration(ctx) {
    const reply = await waitFor(ctx, 'modem signal', (r) => r.registered === true);
    if (reply.registered !== true) throw new StepFailure(`not registered within ${ctx.step.timeoutMs / 1000} s (state ${String(reply.state ?? '?')})`);
    ctx.facts.rsrpDbm = Number(reply.rsrp);
    return { value: String(reply.operator ?? ''), message: `registered on ${String(reply.operator ?? '?')}` };
  },

  async rsrp(ctx) {
    const reply = await ask(ctx, 'modem signal');
    if (typeof reply.rsrp !== 'number') throw new StepFailure('weak signal: no RSRP reading (no service)');
    const rsrp = reply.rsrp;
    try {
      return requireLimits(ctx, rsrp, 'RSRP');
    } catch (error) {
      throw new StepFailure(`weak signal: ${(error as Error).message}`, rsrp);
    }
  },

  async mqtt(ctx) {
    const { host, port } = ctx.factoryBroker;
    const reply = await ask(ctx, `modem mqtt ${host} ${port}`);
    return { value: Number(reply.ms ?? 0), message: `MQTT connect to ${host}:${port} in ${String(reply.ms ?? '?')} ms (unit time)` };
  },

  async 'network-time'(ctx) {
    const reply = await ask(ctx, 'modem time');
    const unixS = Number(reply.unixS);
    if (!Number.isFinite(unixS) || unixS < Date.UTC(2024, 0, 1) / 1000) throw new StepFailure('no network time');
    return { value: unixS, message: `network time ${new Date(unixS * 1000).toISOString()} (${String(reply.source ?? '?')})` };
  },
};

export function runnerFor(id: StepId): StepRunner {
  return stepRunners[id];
}
