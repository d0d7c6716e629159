/**
 * Running timers: one per user (running_timers' primary key), stored so it survives a page reload or a
 * second browser tab. Stopping turns it into a time entry with the measured start and stop; the minutes are
 * the whole minutes elapsed, rounded down, because management codes count full minutes of work (98981 needs
 * each further FULL 20 min, billing-rules.md §1.1, §3.4) and an entry must never claim time not measured.
 */
import type { Queryable } from '../db/database.ts';
import type { TimeCategory } from '../billing/time-categories.ts';
import { ClinicalWorkError } from './clinical-work-error.ts';
import { recordTimeEntry } from './time-entry-repository.ts';

/** Shorter is a mis-click, not billable work. */
export const TIMER_MIN_MS = 60_000;
/** Longer is a timer left running overnight: refused, so nobody bills a forgotten timer. */
export const TIMER_MAX_MS = 12 * 3_600_000;

export interface RunningTimer {
  userId: string;
  orgId: string;
  patientId: string;
  category: TimeCategory;
  activity: string;
  startedAt: Date;
}

export interface TimerUser {
  id: string;
  name: string;
}

interface TimerRow {
  user_id: string; org_id: string; patient_id: string; category: TimeCategory; activity: string; started_at: Date;
}
const toTimer = (r: TimerRow): RunningTimer => ({ userId: r.user_id, orgId: r.org_id, patientId: r.patient_id, category: r.category, activity: r.activity, startedAt: r.started_at });

export async function currentTimer(q: Queryable, userId: string, options: { forUpdate?: boolean } = {}): Promise<RunningTimer | undefined> {
  const { rows } = await q.query<TimerRow>(
    `SELECT user_id, org_id, patient_id, category, activity, started_at FROM running_timers WHERE user_id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [userId],
  );
  return rows[0] && toTimer(rows[0]);
}

export interface StoppedTimer {
  timer: RunningTimer;
  entry: { id: number; month: string; minutes: number; startedAt: Date; endedAt: Date };
}

/** Whole minutes of a timer stopped at `now`; refuses spans under a minute or over 12 hours. */
export function timerMinutes(startedAt: Date, now: Date): number {
  const ms = now.getTime() - startedAt.getTime();
  if (ms < TIMER_MIN_MS) throw new ClinicalWorkError(422, 'timer_too_short', `the timer ran ${Math.max(0, Math.floor(ms / 1000))} s; less than 1 minute is not recorded (discard it instead)`);
  if (ms > TIMER_MAX_MS) {
    throw new ClinicalWorkError(422, 'timer_too_long', `the timer ran ${(ms / 3_600_000).toFixed(1)} h, more than 12 h: discard it and log a manual entry with the real time and a reason`);
  }
  return Math.floor(ms / 60_000);
}

async function toEntry(tx: Queryable, timer: RunningTimer, user: TimerUser, now: Date, createdBy: string): Promise<StoppedTimer> {
  const minutes = timerMinutes(timer.startedAt, now);
  const logged = await recordTimeEntry(tx, {
    patientId: timer.patientId, staff: user.name, minutes, activity: timer.activity, performedAt: timer.startedAt, createdBy, userId: user.id,
    category: timer.category, startedAt: timer.startedAt, endedAt: now, entryKind: 'timer',
  });
  return { timer, entry: { id: logged.id, month: logged.month, minutes, startedAt: timer.startedAt, endedAt: now } };
}

export interface StartTimerInput {
  user: TimerUser;
  orgId: string;
  patientId: string;
  category: TimeCategory;
  activity: string;
  now: Date;
  /** stop the running timer first (into an entry; one under a minute is discarded) instead of refusing */
  switchRunning?: boolean;
  createdBy: string;
}

export interface StartedTimer {
  timer: RunningTimer;
  /** what happened to the timer that was running, when `switchRunning` replaced it */
  switched?: { stopped: StoppedTimer | null; discarded: RunningTimer | null };
}

/** Starts the user's timer; 409 `timer_running` (with the running timer) unless `switchRunning`. */
export async function startTimer(tx: Queryable, input: StartTimerInput): Promise<StartedTimer> {
  const running = await currentTimer(tx, input.user.id, { forUpdate: true });
  let switched: StartedTimer['switched'];
  if (running) {
    if (!input.switchRunning) throw new ClinicalWorkError(409, 'timer_running', 'you already have a running timer: stop it, discard it, or start with switch: true', { timer: timerJson(running, input.now) });
    await tx.query('DELETE FROM running_timers WHERE user_id = $1', [input.user.id]);
    const short = input.now.getTime() - running.startedAt.getTime() < TIMER_MIN_MS;
    switched = short ? { stopped: null, discarded: running } : { stopped: await toEntry(tx, running, input.user, input.now, input.createdBy), discarded: null };
  }
  // ON CONFLICT: a concurrent start of the same user that committed first wins; this one is refused
  const { rows } = await tx.query<TimerRow>(
    `INSERT INTO running_timers (user_id, org_id, patient_id, category, activity, started_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (user_id) DO NOTHING RETURNING user_id, org_id, patient_id, category, activity, started_at`,
    [input.user.id, input.orgId, input.patientId, input.category, input.activity, input.now],
  );
  if (!rows[0]) {
    const other = await currentTimer(tx, input.user.id);
    throw new ClinicalWorkError(409, 'timer_running', 'you already have a running timer', other ? { timer: timerJson(other, input.now) } : undefined);
  }
  return { timer: toTimer(rows[0]), ...(switched ? { switched } : {}) };
}

/** Stops the user's timer on this patient into a time entry; undefined when none is running for this patient. */
export async function stopTimer(tx: Queryable, input: { user: TimerUser; patientId: string; now: Date; createdBy: string }): Promise<StoppedTimer | undefined> {
  const { rows } = await tx.query<TimerRow>(
    'DELETE FROM running_timers WHERE user_id = $1 AND patient_id = $2 RETURNING user_id, org_id, patient_id, category, activity, started_at',
    [input.user.id, input.patientId],
  );
  if (!rows[0]) return undefined;
  // a refusal (too short, too long, overlap) rolls the transaction back, so the timer keeps running
  return toEntry(tx, toTimer(rows[0]), input.user, input.now, input.createdBy);
}

export async function discardTimer(tx: Queryable, userId: string, patientId: string): Promise<RunningTimer | undefined> {
  const { rows } = await tx.query<TimerRow>(
    'DELETE FROM running_timers WHERE user_id = $1 AND patient_id = $2 RETURNING user_id, org_id, patient_id, category, activity, started_at',
    [userId, patientId],
  );
  return rows[0] && toTimer(rows[0]);
}

export function timerJson(t: RunningTimer, now: Date) {
  return {
    patientId: t.patientId, category: t.category, activity: t.activity, startedAt: t.startedAt.toISOString(),
    elapsedSeconds: Math.max(0, Math.floor((now.getTime() - t.startedAt.getTime()) / 1000)),
  };
}
