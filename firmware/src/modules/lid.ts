/**
 * Lid module: turns the bouncing reed switch into openings.
 *
 * Inputs:  lid edges (ports.lid.onEdge), config.lidDebounceMs, config.lidLeftOpenS.
 * Outputs: LID_OPENED, LID_CLOSED {openDurationS}, LID_LEFT_OPEN {openForS} on the bus;
 *          events LidOpened [openDurationS] (recorded at close, stamped with the moment it opened) and
 *          LidLeftOpen [openForS] (once per opening); counters lidOpenCount, lidBounceCount.
 * States:
 *   Closed --edge--> (debounce) --level 1--> Open --lidLeftOpenS--> LeftOpen
 *   Open | LeftOpen --edge--> (debounce) --level 0--> Closed (record LidOpened)
 * Any edge inside a debounce window after the first one is a bounce (counted, timer restarted).
 *
 * An opening in progress is mirrored in retained RAM: if the MCU resets while the lid is open the opening
 * is recorded at the next boot (duration from wall time when known, else the time up to the reset is
 * unknown and 0 is recorded) rather than lost. After a power loss the retained copy is gone; a lid found
 * open at boot then starts a new opening stamped at boot.
 */
import { EventKind } from '../../../protocol/src/messages.ts';
import type { FirmwareContext } from '../context.ts';
import type { TimeStamp } from '../time/time-keeper.ts';
import { RetainedSlot } from '../boot/retained.ts';

export type LidMessage =
  | { type: 'LID_OPENED' }
  | { type: 'LID_CLOSED'; openDurationS: number }
  | { type: 'LID_LEFT_OPEN'; openForS: number };

export type LidState = 'closed' | 'open' | 'left-open';

/** Whole seconds of an opening, capped at what the event argument holds (65535). */
function durationS(ms: number): number {
  return Math.min(65535, Math.round(ms / 1000));
}

export class Lid {
  private readonly ctx_: FirmwareContext;
  private stateName_: LidState = 'closed';
  private debounceTimer_: number | undefined;
  private leftOpenTimer_: number | undefined;
  private openedAt_: TimeStamp | undefined;
  private openedMonoMs_ = 0;

  constructor(ctx: FirmwareContext) {
    this.ctx_ = ctx;
  }

  get state(): LidState {
    return this.stateName_;
  }

  start(): void {
    const { ports } = this.ctx_;
    this.recoverRetainedOpening_();
    if (ports.lid.read() === 1 && this.stateName_ === 'closed') this.opened_();
    ports.lid.onEdge(() => this.edge_());
  }

  private edge_(): void {
    const timers = this.ctx_.ports.timers;
    if (this.debounceTimer_ !== undefined) {
      timers.clear(this.debounceTimer_);
      this.ctx_.diagnostics.lidBounceCount++;
    }
    this.debounceTimer_ = timers.setTimeout(() => this.settled_(), this.ctx_.config.lidDebounceMs);
  }

  private settled_(): void {
    this.debounceTimer_ = undefined;
    const level = this.ctx_.ports.lid.read();
    if (level === 1 && this.stateName_ === 'closed') this.opened_();
    else if (level === 0 && this.stateName_ !== 'closed') this.closed_();
    else this.ctx_.diagnostics.lidBounceCount++; // a glitch that came back to the same level
  }

  private opened_(): void {
    const { ports, time } = this.ctx_;
    this.stateName_ = 'open';
    this.openedAt_ = time.now();
    this.openedMonoMs_ = ports.clock.monotonicMs();
    this.ctx_.diagnostics.lidOpenCount++;
    ports.power.setRetained(RetainedSlot.LidOpenBoot, this.openedAt_.boot + 1);
    ports.power.setRetained(RetainedSlot.LidOpenUptimeS, this.openedAt_.uptimeS);
    ports.power.setRetained(RetainedSlot.LidOpenUnixS, this.openedAt_.unixS === undefined ? 0 : this.openedAt_.unixS);
    this.armLeftOpen_();
    this.ctx_.bus.publish({ type: 'LID_OPENED' });
  }

  private armLeftOpen_(): void {
    this.leftOpenTimer_ = this.ctx_.ports.timers.setTimeout(() => this.leftOpen_(), this.ctx_.config.lidLeftOpenS * 1000);
  }

  /** Seconds the lid has been open. */
  private openS_(): number {
    return durationS(this.ctx_.ports.clock.monotonicMs() - this.openedMonoMs_);
  }

  private leftOpen_(): void {
    this.leftOpenTimer_ = undefined;
    if (this.stateName_ !== 'open') return;
    this.stateName_ = 'left-open';
    const openForS = this.openS_();
    this.ctx_.record(EventKind.LidLeftOpen, [openForS]);
    this.ctx_.bus.publish({ type: 'LID_LEFT_OPEN', openForS });
  }

  private closed_(): void {
    const { ports } = this.ctx_;
    if (this.leftOpenTimer_ !== undefined) ports.timers.clear(this.leftOpenTimer_);
    this.leftOpenTimer_ = undefined;
    const openDurationS = this.openS_();
    const at = this.openedAt_ as TimeStamp;
    this.stateName_ = 'closed';
    this.openedAt_ = undefined;
    this.ctx_.record(EventKind.LidOpened, [openDurationS], at);
    ports.power.setRetained(RetainedSlot.LidOpenBoot, 0);
    this.ctx_.bus.publish({ type: 'LID_CLOSED', openDurationS });
  }

  /** An opening that was in progress when the MCU reset (retained RAM survived): keep it, do not lose it. */
  private recoverRetainedOpening_(): void {
    const { ports, time } = this.ctx_;
    const bootPlusOne = ports.power.getRetained(RetainedSlot.LidOpenBoot);
    if (bootPlusOne === 0) return;
    const boot = bootPlusOne - 1;
    if (boot >= time.boot) {
      ports.power.setRetained(RetainedSlot.LidOpenBoot, 0); // stale
      return;
    }
    const at: TimeStamp = { boot, uptimeS: ports.power.getRetained(RetainedSlot.LidOpenUptimeS) };
    const unixAt = ports.power.getRetained(RetainedSlot.LidOpenUnixS);
    const unixNow = time.unixS();
    if (unixAt !== 0) {
      at.unixS = unixAt;
      at.timeSource = time.source;
    }
    // time the lid was open before the reset: known only through wall time
    const beforeMs = unixAt !== 0 && unixNow !== undefined && unixNow >= unixAt ? (unixNow - unixAt) * 1000 : 0;
    if (ports.lid.read() === 1) {
      // the same physical opening continues across the reset: one LidOpened when it closes
      this.stateName_ = 'open';
      this.openedAt_ = at;
      this.openedMonoMs_ = ports.clock.monotonicMs() - beforeMs;
      this.armLeftOpen_();
      return;
    }
    ports.power.setRetained(RetainedSlot.LidOpenBoot, 0);
    this.ctx_.diagnostics.lidOpenCount++;
    this.ctx_.record(EventKind.LidOpened, [durationS(beforeMs)], at);
  }
}
