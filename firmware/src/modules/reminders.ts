/**
 * Reminders module: dose reminders from the cloud's config.
 *
 * Inputs:  config (reminderMinutes local to the patient, utcOffsetMin, nextOffsetChangeUnixS/nextOffsetMin,
 *          reminderGraceMin, reminderWindowMin, quietStartMin/quietEndMin), wall time from TimeKeeper,
 *          LID_OPENED, TIME_SYNCED and CONFIG_APPLIED from the bus.
 * Outputs: event ReminderDue [slot] + REMINDER_DUE and the LED glow when a slot becomes due; a chime after
 *          the grace period (repeated every CHIME_REPEAT_S, never in quiet hours) + REMINDER_CHIME; the lid
 *          opening clears every due slot (glow and chime stop, REMINDER_CLEARED); event DoseMissed [slot] +
 *          DOSE_MISSED when the window closes without an opening.
 * States per slot occurrence:
 *   Waiting --due--> Due (glow) --grace--> Chiming --lid opens--> Done
 *                    Due --lid opens--> Done          Due | Chiming --window closes--> Missed (Done)
 *   A lid opening up to EARLY_TAKE_S before the due time counts as taken: the slot never becomes due.
 *
 * Without wall time the module does nothing (no glow, no chime, no DoseMissed): it cannot know when a dose
 * is due. Once time is set, a slot whose window is still open becomes due at once; windows that closed
 * while the time was unknown are not reported. The last finished occurrence of each slot is kept in retained
 * RAM so a reset inside a window neither repeats a cleared reminder nor invents a missed dose.
 */
import { EventKind } from '../../../protocol/src/messages.ts';
import type { DeviceConfig } from '../../../protocol/src/messages.ts';
import type { FirmwareContext } from '../context.ts';
import { Patterns } from '../indicator.ts';

export type ReminderMessage =
  | { type: 'REMINDER_DUE'; slot: number }
  | { type: 'REMINDER_CHIME'; slot: number }
  | { type: 'REMINDER_CLEARED'; slot: number }
  | { type: 'DOSE_MISSED'; slot: number };

export const MAX_SLOTS = 8;
export const CHIME_REPEAT_S = 600;
export const EARLY_TAKE_S = 3600;
/** Re-evaluate at least this often so wall-clock corrections are followed. */
const MAX_SLEEP_S = 3600;
/** Retained slots 8..15 hold, per reminder slot, the due time (Unix s) of its last finished occurrence. */
export const RETAINED_REMINDER_BASE = 8;

/** A due reminder slot (module-internal: `_` names are shortened by the build). */
interface Active {
  slot_: number;
  dueS_: number;
  nextChimeS_: number;
}

export function offsetAt(config: DeviceConfig, unixS: number): number {
  if (config.nextOffsetChangeUnixS !== undefined && config.nextOffsetMin !== undefined && unixS >= config.nextOffsetChangeUnixS) return config.nextOffsetMin;
  return config.utcOffsetMin;
}

/** The occurrence of `minute` (local) whose due time is the latest one at or before `unixS`. */
export function lastDueAtOrBefore(config: DeviceConfig, minute: number, unixS: number): number {
  for (let dayBack = 0; dayBack <= 2; dayBack++) {
    const due = dueOnLocalDay(config, minute, unixS - dayBack * 86400);
    if (due <= unixS) return due;
  }
  return dueOnLocalDay(config, minute, unixS - 3 * 86400);
}

/** Due time (UTC) of `minute` on the patient's local calendar day containing `unixS`. */
export function dueOnLocalDay(config: DeviceConfig, minute: number, unixS: number): number {
  const offset = offsetAt(config, unixS);
  const localMidnight = Math.floor((unixS + offset * 60) / 86400) * 86400;
  const localDue = localMidnight + minute * 60;
  // the offset in force at the due moment (a DST change between midnight and the dose)
  const guess = localDue - offset * 60;
  return localDue - offsetAt(config, guess) * 60;
}

export function inQuietHours(config: DeviceConfig, unixS: number): boolean {
  if (config.quietStartMin === undefined || config.quietEndMin === undefined || config.quietStartMin === config.quietEndMin) return false;
  const local = Math.floor((unixS + offsetAt(config, unixS) * 60) / 60);
  const minute = ((local % 1440) + 1440) % 1440;
  const start = config.quietStartMin;
  const end = config.quietEndMin;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

export class Reminders {
  private readonly ctx_: FirmwareContext;
  private active_: Active[] = [];
  private timer_: number | undefined;
  private lastOpenUnixS_ = -1;

  constructor(ctx: FirmwareContext) {
    this.ctx_ = ctx;
  }

  start(): void {
    this.ctx_.bus.subscribe((m) => {
      if (m.type === 'LID_OPENED') this.lidOpened_();
      else if (m.type === 'TIME_SYNCED' || m.type === 'CONFIG_APPLIED') this.evaluate();
    });
    this.evaluate();
  }

  /** Due time of the last finished occurrence of `slot` (retained RAM). */
  private doneThrough_(slot: number): number {
    return this.ctx_.ports.power.getRetained(RETAINED_REMINDER_BASE + slot);
  }

  private finish_(slot: number, dueS: number): void {
    this.ctx_.ports.power.setRetained(RETAINED_REMINDER_BASE + slot, dueS);
  }

  /** Publishes the slot's message, after recording `kind` [slot] when given. */
  private emit_(type: ReminderMessage extends { type: infer T } ? T : never, slot: number, kind?: EventKind): void {
    if (kind) this.ctx_.record(kind, [slot]);
    this.ctx_.bus.publish({ type, slot });
  }

  private lidOpened_(): void {
    const now = this.ctx_.time.unixS();
    if (now === undefined) return;
    this.lastOpenUnixS_ = now;
    const cleared = this.active_;
    this.active_ = [];
    for (let i = 0; i < cleared.length; i++) {
      this.finish_(cleared[i].slot_, cleared[i].dueS_);
      this.emit_('REMINDER_CLEARED', cleared[i].slot_);
    }
    this.evaluate();
  }

  /** Bring every slot up to date with the wall clock, then sleep until the next thing to do. */
  evaluate(): void {
    const timers = this.ctx_.ports.timers;
    if (this.timer_ !== undefined) timers.clear(this.timer_);
    this.timer_ = undefined;
    const now = this.ctx_.time.unixS();
    const config = this.ctx_.config;
    if (now === undefined) {
      this.ctx_.indicator.setGlow(false);
      return;
    }
    const slots = config.reminderMinutes.length < MAX_SLOTS ? config.reminderMinutes.length : MAX_SLOTS;
    const graceS = config.reminderGraceMin * 60;
    const windowS = config.reminderWindowMin * 60;
    // drop actives whose slot vanished from a new config
    const kept: Active[] = [];
    for (let i = 0; i < this.active_.length; i++) if (this.active_[i].slot_ < slots) kept.push(this.active_[i]);
    this.active_ = kept;
    let wake = now + MAX_SLEEP_S;
    for (let slot = 0; slot < slots; slot++) {
      const minute = config.reminderMinutes[slot];
      const due = lastDueAtOrBefore(config, minute, now);
      let act: Active | undefined;
      for (let i = 0; i < this.active_.length; i++) if (this.active_[i].slot_ === slot) act = this.active_[i];
      if (!act && due > this.doneThrough_(slot) && now < due + windowS) {
        if (this.lastOpenUnixS_ >= due - EARLY_TAKE_S && this.lastOpenUnixS_ >= 0) {
          this.finish_(slot, due); // taken early or just now
        } else {
          act = { slot_: slot, dueS_: due, nextChimeS_: due + graceS };
          this.active_.push(act);
          this.ctx_.diagnostics.remindersDue++;
          this.emit_('REMINDER_DUE', slot, EventKind.ReminderDue);
        }
      }
      if (act) {
        if (now >= act.dueS_ + windowS) {
          this.active_.splice(this.active_.indexOf(act), 1);
          this.finish_(slot, act.dueS_);
          this.ctx_.diagnostics.dosesMissed++;
          this.emit_('DOSE_MISSED', slot, EventKind.DoseMissed);
          act = undefined;
        } else if (now >= act.nextChimeS_) {
          while (act.nextChimeS_ <= now) act.nextChimeS_ += CHIME_REPEAT_S;
          if (!inQuietHours(config, now)) {
            this.ctx_.indicator.play(Patterns.chime);
            this.emit_('REMINDER_CHIME', slot);
          }
        }
      }
      if (act) {
        if (act.nextChimeS_ < wake) wake = act.nextChimeS_;
        if (act.dueS_ + windowS < wake) wake = act.dueS_ + windowS;
      }
      let upcoming = dueOnLocalDay(config, minute, now);
      if (upcoming <= now) upcoming = dueOnLocalDay(config, minute, now + 86400);
      if (upcoming > now && upcoming < wake) wake = upcoming;
    }
    this.ctx_.indicator.setGlow(this.active_.length > 0);
    const nowMs = this.ctx_.time.unixMs() as number;
    const delayMs = Math.max(1000, wake * 1000 - nowMs);
    this.timer_ = timers.setTimeout(() => this.evaluate(), delayMs);
  }
}
