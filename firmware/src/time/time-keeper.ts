/**
 * TimeKeeper: the device's notion of time.
 *
 * Inputs:  setWall(unixS, source) from connectivity (network time, cloud Ack time) or the factory console.
 * Outputs: now() stamps for events, anchor() for uplinks, anchorsFor(events) for batches spanning boots,
 *          a TimeSet event in the log on every accepted set that changes something.
 * States:  wall unknown (source None) -> wall known (source Nitz/Cclk/Ntp/Cloud/Factory).
 *
 * Every event is stamped with (boot, uptimeS), which is always right, and with unixS when the wall clock is
 * trusted. The wall clock is trusted only when it is at or after the firmware's build time (an RTC that lost
 * power reads 1970 or 2000). The source survives a reset in a retained value; after a power loss the RTC
 * itself is gone, so the source is dropped with it.
 */
import type { Clock, Power } from '../ports/ports.ts';
import { EventKind, TimeSource } from '../../../protocol/src/messages.ts';
import type { TimeAnchor } from '../../../protocol/src/messages.ts';
import type { EventLog, StoredEvent } from '../log/event-log.ts';
import { RetainedSlot } from '../boot/retained.ts';

export interface TimeStamp {
  boot: number;
  uptimeS: number;
  unixS?: number;
  timeSource?: TimeSource;
}

export interface SetWallResult {
  accepted: boolean;
  correctionS: number;
  reason?: 'before_build' | 'invalid';
}

/** Corrections up to this size from the same source are applied silently (no TimeSet event). */
const SILENT_CORRECTION_S = 2;

export class TimeKeeper {
  private readonly clock_: Clock;
  private readonly power_: Power;
  private readonly buildUnixS_: number;
  private readonly log_: EventLog;
  private bootNumber_ = 0;
  private wallSource_: TimeSource = TimeSource.None;
  lastCorrectionS = 0;
  /** Called after every accepted set (the app publishes TIME_SYNCED and EVENT_RECORDED from it). */
  onSet: ((unixS: number, source: TimeSource, correctionS: number, seq: number) => void) | undefined;

  constructor(clock: Clock, power: Power, buildUnixS: number, log: EventLog) {
    this.clock_ = clock;
    this.power_ = power;
    this.buildUnixS_ = buildUnixS;
    this.log_ = log;
  }

  /** Called once at boot after the log recovered: increments and persists the boot counter. */
  begin(): number {
    this.bootNumber_ = this.log_.beginBoot();
    const stored = this.power_.getRetained(RetainedSlot.TimeSource);
    // a valid wall clock with no stored source: the RTC kept time through a reset
    this.wallSource_ = !this.wallValid_() ? TimeSource.None : stored >= 1 && stored <= 5 ? (stored as TimeSource) : TimeSource.Cclk;
    return this.bootNumber_;
  }

  get boot(): number {
    return this.bootNumber_;
  }

  get source(): TimeSource {
    return this.wallValid_() ? this.wallSource_ : TimeSource.None;
  }

  uptimeS(): number {
    return Math.floor(this.clock_.monotonicMs() / 1000);
  }

  /** Wall time in Unix seconds, or undefined when unknown or implausible. */
  unixS(): number | undefined {
    const ms = this.unixMs();
    return ms === undefined ? undefined : Math.floor(ms / 1000);
  }

  /** Wall time in Unix milliseconds when known (for timers that aim at wall-clock moments). */
  unixMs(): number | undefined {
    const ms = this.clock_.wallMs();
    if (ms === undefined || ms / 1000 < this.buildUnixS_) return undefined;
    return ms;
  }

  now(): TimeStamp {
    const stamp: TimeStamp = { boot: this.bootNumber_, uptimeS: this.uptimeS() };
    const unix = this.unixS();
    if (unix !== undefined) {
      stamp.unixS = unix;
      stamp.timeSource = this.source;
    }
    return stamp;
  }

  anchor(): TimeAnchor {
    const unix = this.unixS();
    return { boot: this.bootNumber_, uptimeS: this.uptimeS(), unixS: unix === undefined ? null : unix, source: unix === undefined ? TimeSource.None : this.source };
  }

  /**
   * Anchors for an event batch: the current anchor first, then one per older boot among `events` for which
   * some event carries wall time (the latest such event of that boot, closest to the boot's end).
   */
  anchorsFor(events: StoredEvent[]): TimeAnchor[] {
    const anchors: TimeAnchor[] = [this.anchor()];
    const byBoot: StoredEvent[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.boot === this.bootNumber_ || e.unixS === undefined) continue;
      let found = -1;
      for (let k = 0; k < byBoot.length; k++) if (byBoot[k].boot === e.boot) found = k;
      if (found < 0) byBoot.push(e);
      else if (e.uptimeS >= byBoot[found].uptimeS) byBoot[found] = e;
    }
    byBoot.sort((a, b) => a.boot - b.boot);
    for (let i = 0; i < byBoot.length; i++) {
      const e = byBoot[i];
      anchors.push({ boot: e.boot, uptimeS: e.uptimeS, unixS: e.unixS as number, source: e.timeSource === undefined ? TimeSource.Cclk : e.timeSource });
    }
    return anchors;
  }

  /**
   * Set the wall clock. Rejects times before the firmware was built. Records a TimeSet event with the
   * correction (new - old, 0 when the clock was unknown) unless it is a tiny re-sync from the same source.
   */
  setWall(unixS: number, source: TimeSource): SetWallResult {
    const reason = typeof unixS !== 'number' || !(unixS >= 0 && unixS <= 0xffffffff) ? 'invalid' : unixS < this.buildUnixS_ ? 'before_build' : undefined;
    if (reason) return { accepted: false, correctionS: 0, reason };
    const whole = Math.floor(unixS);
    const old = this.unixS();
    const correctionS = old === undefined ? 0 : whole - old;
    const sourceChanged = source !== this.wallSource_;
    this.clock_.setWallMs(whole * 1000);
    this.wallSource_ = source;
    this.power_.setRetained(RetainedSlot.TimeSource, source);
    this.lastCorrectionS = correctionS;
    let seq = 0;
    if (old === undefined || sourceChanged || Math.abs(correctionS) > SILENT_CORRECTION_S) {
      const clamped = Math.max(-0x80000000, Math.min(0x7fffffff, correctionS));
      seq = this.log_.append({ kind: EventKind.TimeSet, boot: this.bootNumber_, uptimeS: this.uptimeS(), unixS: whole, timeSource: source, args: [whole, source, clamped] });
    }
    if (this.onSet) this.onSet(whole, source, correctionS, seq);
    return { accepted: true, correctionS };
  }

  private wallValid_(): boolean {
    return this.unixS() !== undefined;
  }
}
