/**
 * Indicator: owns the LED and the buzzer.
 *
 * Inputs:  play(pattern) for feedback (button acknowledged, chime), setGlow(on) for a due reminder.
 * Outputs: LED and buzzer levels.
 * States:  idle | glowing (LED blinks briefly every GLOW_PERIOD_MS) ; a pattern plays on top of either and
 *          the base state resumes when it ends. A new pattern replaces one still playing.
 *
 * A steady LED for a two-hour reminder window would drain the cell, so "glow" is a short blink.
 */
import type { Ports } from './ports/ports.ts';

/**
 * Step durations in ms, alternately on (LED and buzzer) and off, starting on: every pattern flashes and
 * beeps together, so the levels follow from the step's parity instead of being stored.
 */
export type Pattern = readonly number[];

export const Patterns = {
  ackShort: [120] as Pattern,
  ackDouble: [120, 120, 120] as Pattern,
  ackLong: [120, 120, 120, 120, 400] as Pattern,
  chime: [200, 150, 200, 150, 400] as Pattern,
  selfTest: [100] as Pattern,
} as const;

const GLOW_PERIOD_MS = 4000;
const GLOW_ON_MS = 150;

export class Indicator {
  private readonly ports_: Ports;
  private glowing_ = false;
  private glowTimer_: number | undefined;
  private glowOffTimer_: number | undefined;
  private stepTimer_: number | undefined;
  private playing_ = false;
  patternsPlayed = 0;

  constructor(ports: Ports) {
    this.ports_ = ports;
  }

  get isGlowing(): boolean {
    return this.glowing_;
  }

  setGlow(on: boolean): void {
    if (on === this.glowing_) return;
    this.glowing_ = on;
    const timers = this.ports_.timers;
    if (on) {
      this.glowTimer_ = timers.setInterval(() => this.glowBlink_(), GLOW_PERIOD_MS);
      this.glowBlink_();
    } else {
      if (this.glowTimer_ !== undefined) timers.clear(this.glowTimer_);
      if (this.glowOffTimer_ !== undefined) timers.clear(this.glowOffTimer_);
      this.glowTimer_ = undefined;
      this.glowOffTimer_ = undefined;
      if (!this.playing_) this.ports_.led.write(0);
    }
  }

  play(pattern: Pattern): void {
    if (this.stepTimer_ !== undefined) this.ports_.timers.clear(this.stepTimer_);
    this.playing_ = true;
    this.patternsPlayed++;
    this.step_(pattern, 0);
  }

  /** Drives both outputs (a pattern step; also direct control). */
  set(led: 0 | 1, buzzer: 0 | 1): void {
    this.ports_.led.write(led);
    this.ports_.buzzer.write(buzzer);
  }

  private step_(pattern: Pattern, i: number): void {
    if (i >= pattern.length) {
      this.stepTimer_ = undefined;
      this.playing_ = false;
      this.set(0, 0);
      return;
    }
    const on = i % 2 === 0 ? 1 : 0;
    this.set(on, on);
    this.stepTimer_ = this.ports_.timers.setTimeout(() => this.step_(pattern, i + 1), pattern[i]);
  }

  private glowBlink_(): void {
    if (this.playing_) return;
    this.ports_.led.write(1);
    this.glowOffTimer_ = this.ports_.timers.setTimeout(() => {
      this.glowOffTimer_ = undefined;
      if (!this.playing_) this.ports_.led.write(0);
    }, GLOW_ON_MS);
  }
}
