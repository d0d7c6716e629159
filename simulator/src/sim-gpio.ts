/**
 * Simulated GPIO: inputs the scenario drives (lid reed switch, symptom button) with optional contact bounce,
 * and outputs (LED, buzzer) captured as a timeline.
 *
 * Inputs keep their level across reboots (the lid stays open while the MCU restarts); edge callbacks belong
 * to one boot and are dropped when that boot loses power. Edges are delivered as virtual-time events, never
 * synchronously inside the scenario's call.
 */
import type { DigitalInput, DigitalOutput, Level } from '../../firmware/src/ports/ports.ts';
import type { Prng } from './prng.ts';
import type { VirtualTime } from './virtual-time.ts';

export interface BounceSpec {
  /** Extra edge pairs (release/make) before the level settles. */
  edges: number;
  /** Window after the first edge in which the bounces happen. */
  windowMs: number;
}

export class SimInput {
  private level: Level = 0;
  private callbacks: { generation: number; callback: (level: Level) => void }[] = [];
  /** Edges delivered to the firmware (including bounce). */
  edgeCount = 0;
  /** Wakes the cap from System OFF when this input changes (set by the device). */
  onChange: ((level: Level) => void) | undefined;

  constructor(
    private readonly vt: VirtualTime,
    readonly name: string,
  ) {}

  read(): Level {
    return this.level;
  }

  /**
   * Drive the pin to `level`. With `bounce`, the contact chatters: the pin toggles `2 * edges` extra times at
   * random moments within `windowMs` and ends at `level`.
   */
  set(level: Level, bounce?: BounceSpec, rng?: Prng): void {
    if (bounce && bounce.edges > 0 && rng) {
      const times: number[] = [];
      for (let i = 0; i < 2 * bounce.edges; i++) times.push(rng.uniform(0, bounce.windowMs));
      times.sort((a, b) => a - b);
      this.drive(level);
      let current = level;
      const base = this.vt.now();
      for (const t of times) {
        current = (current === 1 ? 0 : 1) as Level;
        const next = current;
        this.vt.at(base + Math.max(1, Math.round(t)), () => this.drive(next));
      }
      return;
    }
    this.drive(level);
  }

  /** Port object for one boot; `alive()` says whether that boot still has power. */
  port(generation: number, alive: () => boolean, wrap: (callback: () => void) => void): DigitalInput {
    return {
      read: () => this.level,
      onEdge: (callback) => {
        if (alive()) this.callbacks.push({ generation, callback: (level) => wrap(() => callback(level)) });
      },
    };
  }

  /** Forget callbacks of boots other than `generation`. */
  detachAllBut(generation: number): void {
    this.callbacks = this.callbacks.filter((c) => c.generation === generation);
  }

  private drive(level: Level): void {
    if (level === this.level) return;
    this.level = level;
    this.onChange?.(level);
    const targets = this.callbacks.slice();
    for (const target of targets) {
      this.edgeCount++;
      this.vt.after(0, () => {
        if (this.callbacks.includes(target)) target.callback(level);
      });
    }
  }
}

export interface LevelChange {
  t: number;
  level: Level;
}

export class SimOutput {
  private level: Level = 0;
  private since = 0;
  /** Level changes (capped at `maxTimeline` entries; counters keep counting past the cap). */
  readonly timeline: LevelChange[] = [];
  onCount = 0;
  onMs = 0;

  constructor(
    private readonly vt: VirtualTime,
    readonly name: string,
    private readonly maxTimeline = 20_000,
  ) {}

  read(): Level {
    return this.level;
  }

  /** Total time spent at 1, including the current stretch. */
  totalOnMs(): number {
    return this.onMs + (this.level === 1 ? this.vt.now() - this.since : 0);
  }

  write(level: Level): void {
    const normalized: Level = level ? 1 : 0;
    if (normalized === this.level) return;
    const now = this.vt.now();
    if (this.level === 1) this.onMs += now - this.since;
    else this.onCount++;
    this.level = normalized;
    this.since = now;
    if (this.timeline.length < this.maxTimeline) this.timeline.push({ t: now, level: normalized });
  }

  port(guard: () => void): DigitalOutput {
    return {
      write: (level) => {
        guard();
        this.write(level);
      },
    };
  }

  /** Power loss: the pin floats low. */
  powerLost(): void {
    this.write(0);
  }
}
