/**
 * Simulated clocks and timers.
 *
 * - Monotonic: milliseconds since the current boot (virtual time minus the boot instant).
 * - Wall clock (RTC): true time is `startUnixMs + vt.now()`. The RTC reads true time plus an error that the
 *   scenario controls: unset (reads undefined until the firmware sets it), wrong by an offset, drifting by
 *   some ppm, or jumping at a given moment. Without a backup supply it loses its value on a power cut.
 * - Timers: one-shot and repeating, scheduled in virtual time; all timers of a boot die with it.
 */
import type { Clock, TimerHandle, Timers } from '../../firmware/src/ports/ports.ts';
import type { VirtualTime, VirtualTimerHandle } from './virtual-time.ts';

export interface RtcOptions {
  startUnixMs: number;
  /** Initial RTC error in ms, or undefined for an RTC that has never been set. */
  initialOffsetMs: number | undefined;
  driftPpm: number;
  /** The RTC keeps time through power cuts (coin cell / supercap). */
  backup: boolean;
}

export class SimRtc {
  private offsetMs: number | undefined;
  private driftFrom = 0;
  /** Every set by the firmware: virtual time, value written and the error it left. */
  readonly sets: { t: number; unixMs: number; errorMs: number }[] = [];

  constructor(
    private readonly vt: VirtualTime,
    readonly options: RtcOptions,
  ) {
    this.offsetMs = options.initialOffsetMs;
  }

  trueUnixMs(): number {
    return this.options.startUnixMs + this.vt.now();
  }

  /** Current RTC error in ms (RTC minus true time), undefined when unset. */
  errorMs(): number | undefined {
    if (this.offsetMs === undefined) return undefined;
    return this.offsetMs + ((this.vt.now() - this.driftFrom) * this.options.driftPpm) / 1e6;
  }

  read(): number | undefined {
    const error = this.errorMs();
    return error === undefined ? undefined : Math.floor(this.trueUnixMs() + error);
  }

  set(unixMs: number): void {
    this.offsetMs = unixMs - this.trueUnixMs();
    this.driftFrom = this.vt.now();
    if (this.sets.length < 10_000) this.sets.push({ t: this.vt.now(), unixMs, errorMs: this.offsetMs });
  }

  /** Fault injection: the RTC jumps by `deltaMs` (negative = backwards). An unset RTC stays unset. */
  jump(deltaMs: number): void {
    if (this.offsetMs !== undefined) this.offsetMs += deltaMs;
  }

  /** Fault injection: the RTC loses its value. */
  clear(): void {
    this.offsetMs = undefined;
  }

  powerLost(): void {
    if (!this.options.backup) this.offsetMs = undefined;
  }
}

export function createSimClock(vt: VirtualTime, rtc: SimRtc, bootAtMs: number, guard: () => void): Clock {
  return {
    monotonicMs: () => vt.now() - bootAtMs,
    wallMs: () => rtc.read(),
    setWallMs: (unixMs) => {
      guard();
      if (!Number.isFinite(unixMs)) throw new RangeError(`setWallMs: bad time ${unixMs}`);
      rtc.set(unixMs);
    },
  };
}

/**
 * Timers for one boot. `wrap` runs every callback (the runner uses it to catch firmware crashes and to skip
 * callbacks after the boot lost power).
 */
export class SimTimers {
  private readonly active = new Map<TimerHandle, VirtualTimerHandle>();
  private nextHandle = 1;
  private dead = false;

  constructor(
    private readonly vt: VirtualTime,
    private readonly wrap: (callback: () => void) => void,
  ) {}

  port(): Timers {
    return {
      setTimeout: (callback, ms) => this.schedule(callback, ms, false),
      setInterval: (callback, ms) => this.schedule(callback, ms, true),
      clear: (handle) => {
        const v = this.active.get(handle);
        if (v !== undefined) this.vt.cancel(v);
        this.active.delete(handle);
      },
    };
  }

  get count(): number {
    return this.active.size;
  }

  /** Cancel everything (power lost or reset). */
  kill(): void {
    this.dead = true;
    for (const v of this.active.values()) this.vt.cancel(v);
    this.active.clear();
  }

  private schedule(callback: () => void, ms: number, repeat: boolean): TimerHandle {
    if (this.dead) return 0;
    const handle = this.nextHandle++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    // A repeating timer of 0 ms would spin virtual time forever; real runtimes clamp too.
    const period = repeat ? Math.max(1, delay) : delay;
    const fire = (): void => {
      if (this.dead || !this.active.has(handle)) return;
      if (repeat) this.active.set(handle, this.vt.after(period, fire));
      else this.active.delete(handle);
      this.wrap(callback);
    };
    this.active.set(handle, this.vt.after(period, fire));
    return handle;
  }
}
