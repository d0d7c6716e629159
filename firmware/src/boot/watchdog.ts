/**
 * Watchdog: hardware watchdog plus a software task watchdog in front of it.
 *
 * Inputs:  register(name, maxSilenceMs) by long-running tasks, kick(name) when a task makes progress.
 * Outputs: feeds the hardware watchdog from a timer while every task is healthy; when a task stays silent
 *          past its limit it stores SoftwareWatchdog (with the task id) as the reset intent and resets,
 *          so the cause is captured before the hardware watchdog would fire with no context.
 * States:  healthy | near miss (a task used more than 3/4 of its allowance: counted once per episode) |
 *          starved (reset).
 *
 * A handler that never returns stops all timers; then the hardware watchdog fires (HardwareWatchdog).
 */
import type { Power, Timers, Clock } from '../ports/ports.ts';

/**
 * The cap sleeps almost all the time: every feed is a wake-up, so the hardware watchdog is long (the nRF52
 * WDT allows up to 36 h) and fed every 5 minutes. Tasks register allowances of several minutes or more.
 */
export const HARDWARE_WATCHDOG_MS = 15 * 60000;
export const FEED_INTERVAL_MS = 5 * 60000;

/** A supervised task (module-internal: `_` names are shortened by the build). */
interface Task {
  name_: string;
  maxSilenceMs_: number;
  lastKickMs_: number;
  nearMiss_: boolean;
}

export class Watchdog {
  private readonly power_: Power;
  private readonly timers_: Timers;
  private readonly clock_: Clock;
  private readonly tasks_: Task[] = [];
  private timer_: number | undefined;
  nearMisses = 0;
  onStarved: ((taskIndex: number, name: string) => void) | undefined;

  constructor(power: Power, timers: Timers, clock: Clock) {
    this.power_ = power;
    this.timers_ = timers;
    this.clock_ = clock;
  }

  start(): void {
    this.power_.startWatchdog(HARDWARE_WATCHDOG_MS);
    this.power_.feedWatchdog();
    this.timer_ = this.timers_.setInterval(() => this.check(), FEED_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer_ !== undefined) this.timers_.clear(this.timer_);
    this.timer_ = undefined;
  }

  /** Returns the task id (stored as the retained reason detail when it starves). */
  register(name: string, maxSilenceMs: number): number {
    this.tasks_.push({ name_: name, maxSilenceMs_: maxSilenceMs, lastKickMs_: this.clock_.monotonicMs(), nearMiss_: false });
    return this.tasks_.length;
  }

  kick(name: string): void {
    for (let i = 0; i < this.tasks_.length; i++) {
      if (this.tasks_[i].name_ === name) {
        this.tasks_[i].lastKickMs_ = this.clock_.monotonicMs();
        this.tasks_[i].nearMiss_ = false;
      }
    }
  }

  /** Run one supervision round (also called by the feed timer). */
  check(): void {
    const now = this.clock_.monotonicMs();
    for (let i = 0; i < this.tasks_.length; i++) {
      const t = this.tasks_[i];
      const silent = now - t.lastKickMs_;
      if (silent > t.maxSilenceMs_) {
        if (this.onStarved) this.onStarved(i + 1, t.name_);
        return; // do not feed: if the reset did not happen, the hardware watchdog will
      }
      if (silent > (t.maxSilenceMs_ * 3) / 4 && !t.nearMiss_) {
        t.nearMiss_ = true;
        this.nearMisses++;
      }
    }
    this.power_.feedWatchdog();
  }
}
