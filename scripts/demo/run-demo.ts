/**
 * The demo fleet of `pillcap start`: seeds the cloud (caps, patients, assignments) and runs the simulated
 * caps through their emulated modems against the system's own broker and ingestor, over virtual days that
 * end today. Stops at the next virtual day boundary when `signal` aborts, saving every cap's flash and RTC
 * so the next start resumes from there (see demo-state.ts).
 *
 * While the fleet runs, the ingestor's clock follows the simulation's virtual wall time: the cloud checks
 * device time against the moment of the (virtual) upload, and without this would move every event to "now".
 */
import type { Queryable } from '../../cloud/src/db/database.ts';
import { assignDevice } from '../../cloud/src/repositories/assignments.ts';
import { registerDevice } from '../../cloud/src/repositories/devices.ts';
import { enrolPatient } from '../../cloud/src/repositories/patients.ts';
import { minutesOfDay } from '../../simulator/src/scenario.ts';
import { simulateFleet } from '../../simulator/src/simulate.ts';
import type { SimulatedCap } from '../../simulator/src/simulated-cap.ts';
import type { SystemHandle } from '../system/run-system.ts';
import { DEMO_DAYS, DEMO_LIVE_DAYS, DEMO_SEED, demoFleet, localDate, scenarioFromDay, type DemoCap } from './demo-fleet.ts';
import { DemoFiles, type DemoRecord, type DemoState } from './demo-state.ts';
import { ProgressBar, type ProgressStream } from './progress-bar.ts';

const DAY = 86_400_000;
/** Billing periods are 30 patient-local days from the monitoring start; day 31 closes the first one everywhere. */
const FIRST_PERIOD_CLOSED_DAY = 31;

export interface DemoRunOptions {
  system: SystemHandle;
  /** Base data directory (the demo keeps its files in <dataDir>/demo). */
  dataDir: string;
  signal: AbortSignal;
  out: (line: string) => void;
  progress: ProgressStream;
  /** Called after every virtual day with the demo's day (tests stop the demo part-way with it). */
  onDay?: (day: number) => void;
  /**
   * Keep the fleet alive after the catch-up: replay up to the wall clock's today as fast as possible, call
   * `onCaughtUp` (the record is written by then and the ingestor has drained), then follow the wall clock until
   * `signal` aborts. Without it the demo replays its days and ends.
   */
  live?: { wallClock: () => number; onCaughtUp?: (caughtUp: DemoCaughtUp) => Promise<void> | void };
}

export interface DemoCaughtUp {
  daysDone: number;
  caps: number;
  wallSeconds: number;
  firstPeriodClosedAfterS?: number;
}

export type DemoOutcome =
  | { kind: 'finished' | 'stopped'; daysDone: number; days: number; caps: number; wallSeconds: number; firstPeriodClosedAfterS?: number }
  | { kind: 'complete'; days: number; caps: number }
  | { kind: 'unresumable'; reason: string };

/** A new demo: its state (not yet written). Starts `days` days before `nowMs` (whole minutes) so the data ends today. */
export function newDemoState(options: { nowMs: number; caps: number; days: number; seed?: number }): DemoState {
  const startUnixMs = Math.floor((options.nowMs - options.days * DAY) / 60_000) * 60_000;
  return { version: 1, startUnixMs, days: options.days, seed: options.seed ?? DEMO_SEED, caps: options.caps, daysDone: 0, segments: [], rtcErrorMs: {} };
}

/**
 * Caps, patients and assignment intervals of the demo fleet, in the demo organisation. `billingPractitioner`
 * names the clinician the patients are billed under (the demo clinician, when there is one).
 */
export async function seedDemoFleet(db: Queryable, orgId: string, state: DemoState, options: { billingPractitioner?: string } = {}): Promise<DemoCap[]> {
  const fleet = demoFleet(state.startUnixMs, state.days, state.caps);
  for (const cap of fleet) {
    const { device } = await registerDevice(db, { serial: cap.serial, orgId });
    for (const p of cap.patients) {
      const from = state.startUnixMs + p.fromDay * DAY;
      const monitoringStart = localDate(cap.timeZone, from);
      const patient = await enrolPatient(db, {
        orgId,
        reference: p.reference,
        name: p.name,
        timeZone: cap.timeZone,
        bodySystem: cap.bodySystem,
        monitoringStart,
        billingPractitioner: options.billingPractitioner ?? 'Dr. Demo (NPI 0000000000)',
        diagnosis: null,
        regimen: {
          dosesPerDay: cap.scenario.patient.doseTimes.length,
          reminderMinutes: cap.scenario.patient.doseTimes.map(minutesOfDay).sort((a, b) => a - b),
        },
      });
      await assignDevice(db, {
        deviceId: device.id,
        patientId: patient.id,
        at: new Date(from),
        until: p.toDay === undefined ? null : new Date(state.startUnixMs + p.toDay * DAY),
      });
    }
  }
  return fleet;
}

function recordOf(state: DemoState, fleet: DemoCap[], caps: Map<string, SimulatedCap>, previous: DemoRecord | undefined, fromDay: number, toDay: number): DemoRecord {
  const endMs = (toDay - fromDay) * DAY;
  return {
    version: 1,
    startUnixMs: state.startUnixMs,
    days: state.days,
    throughDay: toDay,
    caps: fleet.map((cap) => {
      const before = previous?.caps.find((c) => c.serial === cap.serial);
      const sim = caps.get(cap.serial);
      const openings = sim ? sim.plan.openings.filter((o) => o.atMs < endMs).map((o) => ({ atUnixMs: sim.startUnixMs + o.atMs, durationMs: o.durationMs, reason: o.reason })) : [];
      const presses = sim ? sim.plan.presses.filter((p) => p.atMs < endMs).map((p) => ({ atUnixMs: sim.startUnixMs + p.atMs, pattern: p.pattern })) : [];
      return {
        serial: cap.serial,
        profile: cap.profile,
        timeZone: cap.timeZone,
        utcOffsetMin: cap.scenario.utcOffsetMin,
        bodySystem: cap.bodySystem,
        patients: cap.patients.map((p) => ({
          reference: p.reference,
          name: p.name,
          fromUnixMs: state.startUnixMs + p.fromDay * DAY,
          toUnixMs: p.toDay === undefined ? null : state.startUnixMs + p.toDay * DAY,
        })),
        openings: [...(before?.openings ?? []), ...openings],
        presses: [...(before?.presses ?? []), ...presses],
      };
    }),
  };
}

/**
 * Runs (or resumes) the demo recorded in `state` until it completes or `signal` aborts. The state, the caps'
 * flash and RTC, and the record are saved whenever the run ends, however it ends short of a crash.
 */
export async function runDemo(options: DemoRunOptions, state: DemoState): Promise<DemoOutcome> {
  const files = new DemoFiles(options.dataDir);
  const last = state.segments[state.segments.length - 1];
  if (last && last.toDay === undefined) {
    return {
      kind: 'unresumable',
      reason: `the previous run stopped without saving the caps (killed at some point after day ${last.fromDay}); the database keeps what it acknowledged, but the caps cannot continue safely. Delete ${options.dataDir} to start a fresh demo.`,
    };
  }
  const horizon = state.days + DEMO_LIVE_DAYS;
  if (state.daysDone >= (options.live ? horizon : state.days)) return { kind: 'complete', days: state.days, caps: state.caps };

  const fromDay = state.daysDone;
  // Live: replay whole days up to today fast (at least the demo's days), the rest of today in step with the clock.
  const fastUntil = options.live ? Math.min(horizon, Math.max(state.days, Math.floor((options.live.wallClock() - state.startUnixMs) / DAY))) : state.days;
  const runUntil = options.live ? horizon : state.days;
  const previous = fromDay > 0 ? await files.readRecord() : undefined;
  const fleet = demoFleet(state.startUnixMs, state.days, state.caps);
  const flashImages: Record<string, Uint8Array> = {};
  if (fromDay > 0) {
    for (const cap of fleet) {
      const image = await files.readFlash(cap.serial);
      if (!image) return { kind: 'unresumable', reason: `no saved flash for ${cap.serial} in ${files.dir}; delete ${options.dataDir} to start a fresh demo` };
      flashImages[cap.serial] = image;
    }
  }
  const seed = fromDay === 0 ? state.seed : state.seed + Math.round(fromDay * 1000);
  const scenarios = fleet.map((cap) => scenarioFromDay(cap.scenario, fromDay, fromDay > 0 ? (state.rtcErrorMs[cap.serial] ?? undefined) : undefined));
  const segment = { fromDay, seed } as DemoState['segments'][number];
  state.segments.push(segment);
  await files.writeState(state);

  const caps = new Map<string, SimulatedCap>();
  const bar = new ProgressBar(options.progress, fastUntil, { label: 'demo', every: 5 });
  let firstPeriodClosedAfterS: number | undefined;
  const started = performance.now();
  bar.update(fromDay, `day ${dayLabel(fromDay)}/${fastUntil}`);
  let result: Awaited<ReturnType<typeof simulateFleet>> | undefined;
  const live = options.live;
  try {
    result = await simulateFleet({
      scenario: scenarios[0]!,
      scenarios,
      serials: fleet.map((cap) => cap.serial),
      days: runUntil - fromDay,
      live: live && {
        fastDays: fastUntil - fromDay,
        wallClock: live.wallClock,
        onLive: async () => {
          bar.finish();
          await options.system.ingestor.drain(15_000);
          // What happened so far is on record now, for whoever checks the cloud against it while the caps live on.
          await files.writeRecord(recordOf(state, fleet, caps, previous, fromDay, Math.max(fromDay, fastUntil)));
          await live.onCaughtUp?.({ daysDone: Math.max(fromDay, fastUntil), caps: fleet.length, wallSeconds: (performance.now() - started) / 1000, firstPeriodClosedAfterS });
        },
      },
      seed,
      broker: options.system.mqttUrl,
      ackPeer: false,
      flashImages: fromDay > 0 ? flashImages : undefined,
      signal: options.signal,
      onCap: (cap) => {
        if (caps.size === 0) options.system.clock.follow(() => cap.startUnixMs + cap.options.vt.now());
        caps.set(cap.options.serial, cap);
      },
      onProgress: (p) => {
        const day = fromDay + p.day;
        const seconds = (performance.now() - started) / 1000;
        if (firstPeriodClosedAfterS === undefined && day >= FIRST_PERIOD_CLOSED_DAY && fromDay < FIRST_PERIOD_CLOSED_DAY) firstPeriodClosedAfterS = seconds;
        const stats = options.system.ingestor.stats;
        bar.update(day, `day ${Math.floor(day)}/${fastUntil}  ${p.caps} caps  ${stats.eventsInserted} events in the cloud  ${seconds.toFixed(0)} s`);
        options.onDay?.(day);
      },
    });
  } finally {
    bar.finish();
    options.system.clock.follow(undefined);
    // Save whatever happened, even when the run failed part-way: the flash is the caps' truth.
    const completed = result?.completedDays ?? 0;
    const toDay = fromDay + completed;
    for (const [serial, cap] of caps) {
      await files.writeFlash(serial, cap.board.flash.bytes);
      state.rtcErrorMs[serial] = cap.board.rtc.errorMs() ?? null;
    }
    if (result) {
      segment.toDay = toDay;
      state.daysDone = toDay;
      await files.writeRecord(recordOf(state, fleet, caps, previous, fromDay, toDay));
      await files.writeState(state);
    }
  }
  // Let the ingestor commit and acknowledge what the caps sent last before the numbers are read.
  await options.system.ingestor.drain(15_000);
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    kind: result?.aborted ? 'stopped' : 'finished',
    daysDone: state.daysDone,
    days: state.days,
    caps: fleet.length,
    wallSeconds,
    firstPeriodClosedAfterS,
  };
}

/** A demo day for people: whole days as they are, a day stopped in the live phase to two decimals. */
export const dayLabel = (day: number): string => (Number.isInteger(day) ? String(day) : day.toFixed(2));

export { DEMO_DAYS };
