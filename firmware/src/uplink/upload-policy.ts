/**
 * Upload policy: decides WHEN to open a session (brief, "When to connect").
 *
 * Inputs:  lidClosed(), symptom(), event(kind), request(reason), sessionDone(outcome).
 * Outputs: start(reason) callback when a session should begin (never while one runs).
 * States:  idle (a data deadline and/or the heartbeat deadline armed) -> running -> idle | backoff.
 *
 * - After a lid closes: upload within config.uploadCoalesceS; later closings do not push the deadline out
 *   (bounded latency, several openings share one session).
 * - A symptom report: at once (also during backoff: a patient asking for help is worth one more attempt).
 * - Other events (boot, missed dose, overflow, low battery) coalesce like a lid closing; TimeSet, ReminderDue
 *   and LidLeftOpen ride along with the next session.
 * - A heartbeat session at least every config.heartbeatIntervalS after the last successful session.
 * - After a failed session: exponential backoff base * 2^(n-1), capped, with "equal jitter" (half fixed,
 *   half uniform from the seeded PRNG) so a fleet whose cell comes back does not reconnect all at once.
 *   Data triggers during backoff wait for the backoff to end.
 */

import { EventKind } from '../../../protocol/src/messages.ts';
import type { Timers, TimerHandle } from '../ports/ports.ts';

export type UploadReason = 'lid' | 'symptom' | 'event' | 'heartbeat' | 'retry' | 'command' | 'request' | 'boot';

export interface UploadPolicyOptions {
  backoffBaseS?: number; // default 60
  backoffCapS?: number; // default 6 h
  /** Delay of the first session after boot (Hello + Boot event), default 30 s. */
  bootDelayS?: number;
}

export interface SessionOutcome {
  ok: boolean;
  /** The link asked for a pause (+QMTSTAT 7 / unknown code). */
  backoffHint?: boolean;
  /** Events still queued after the session (more than one session's worth, or recorded meanwhile). */
  morePending?: boolean;
  /** A Command UploadNow / HeartbeatNow arrived: run another session now. */
  again?: boolean;
}

/** Events that trigger an upload by themselves (coalesced). */
const TRIGGERING: number[] = [EventKind.Boot, EventKind.DoseMissed, EventKind.Overflow, EventKind.LowBattery];

export class UploadPolicy {
  failures = 0;
  running = false;
  private dataDueMs_: number | undefined;
  private dataReason_: UploadReason = 'event';
  private heartbeatDueMs_: number;
  private backoffUntilMs_ = 0;
  private timer_: TimerHandle | undefined;
  private timerAtMs_: number | undefined;
  private readonly base_: number;
  private readonly cap_: number;

  private readonly timers_: Timers;
  private readonly nowMs_: () => number;
  private readonly random_: () => number;
  private readonly config_: () => { uploadCoalesceS: number; heartbeatIntervalS: number };
  private readonly start_: (reason: UploadReason) => void;
  private readonly options_: UploadPolicyOptions;

  constructor(
    timers_: Timers,
    nowMs_: () => number,
    random_: () => number,
    config_: () => { uploadCoalesceS: number; heartbeatIntervalS: number },
    start_: (reason: UploadReason) => void,
    options_: UploadPolicyOptions = {},
  ) {
    this.timers_ = timers_;
    this.nowMs_ = nowMs_;
    this.random_ = random_;
    this.config_ = config_;
    this.start_ = start_;
    this.options_ = options_;
    this.base_ = (options_.backoffBaseS ?? 60) * 1000;
    this.cap_ = (options_.backoffCapS ?? 6 * 3600) * 1000;
    this.heartbeatDueMs_ = nowMs_() + config_().heartbeatIntervalS * 1000;
    this.arm_();
  }

  /** Arm the boot session (Hello + the Boot event). */
  begin(): void {
    this.want_(this.nowMs_() + (this.options_.bootDelayS ?? 30) * 1000, 'boot');
  }

  lidClosed(): void {
    this.coalesced_('lid');
  }

  symptom(): void {
    this.request('symptom');
  }

  event(kind: number): void {
    if (TRIGGERING.indexOf(kind) >= 0) this.coalesced_('event');
  }

  /** A session after uploadCoalesceS, so that what follows soon travels in the same one. */
  private coalesced_(reason: UploadReason): void {
    this.want_(this.nowMs_() + this.config_().uploadCoalesceS * 1000, reason);
  }

  request(reason: UploadReason): void {
    this.backoffUntilMs_ = 0;
    this.want_(this.nowMs_(), reason);
  }

  /** Backoff delay before attempt n+1 after n consecutive failures (n >= 1), jitter included. */
  backoffMs(n: number): number {
    const exp = Math.min(this.cap_, this.base_ * Math.pow(2, Math.min(n - 1, 30)));
    return Math.round(exp / 2 + (exp / 2) * this.random_());
  }

  /** When the next session will start (ms, monotonic), for tests and diagnostics. */
  get nextStartMs(): number | undefined {
    return this.timerAtMs_;
  }

  sessionStarted(): void {
    this.running = true;
    this.dataDueMs_ = undefined;
    this.clearTimer_();
  }

  sessionDone(o: SessionOutcome): void {
    this.running = false;
    const now = this.nowMs_();
    if (o.ok) {
      this.failures = 0;
      this.backoffUntilMs_ = 0;
      this.heartbeatDueMs_ = now + this.config_().heartbeatIntervalS * 1000;
      if (o.again || o.morePending) this.want_(now, o.again ? 'command' : 'event');
    } else {
      this.failures++;
      this.backoffUntilMs_ = now + this.backoffMs(this.failures);
      // Whatever was not delivered is still queued: retry when the backoff ends.
      this.want_(this.backoffUntilMs_, 'retry');
    }
    this.arm_();
  }

  private want_(atMs: number, reason: UploadReason): void {
    if (this.dataDueMs_ === undefined || atMs < this.dataDueMs_) {
      this.dataDueMs_ = atMs;
      this.dataReason_ = reason;
    }
    this.arm_();
  }

  private arm_(): void {
    if (this.running) return;
    let at = Math.max(this.heartbeatDueMs_, this.backoffUntilMs_);
    let reason: UploadReason = 'heartbeat';
    if (this.dataDueMs_ !== undefined && Math.max(this.dataDueMs_, this.backoffUntilMs_) <= at) {
      at = Math.max(this.dataDueMs_, this.backoffUntilMs_);
      reason = this.dataReason_;
    }
    if (this.timer_ !== undefined && this.timerAtMs_ === at) return;
    this.clearTimer_();
    this.timerAtMs_ = at;
    this.timer_ = this.timers_.setTimeout(
      () => {
        this.timer_ = undefined;
        this.timerAtMs_ = undefined;
        if (this.running) return;
        this.start_(reason);
      },
      Math.max(0, at - this.nowMs_()),
    );
  }

  private clearTimer_(): void {
    if (this.timer_ !== undefined) this.timers_.clear(this.timer_);
    this.timer_ = undefined;
    this.timerAtMs_ = undefined;
  }
}
