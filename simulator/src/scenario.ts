/**
 * Scenario files: what the patient does, what goes wrong with power and the clock, and what the network
 * does (the `coverage` part is consumed by S2's modem emulator, simulator/src/modem). JSON, validated with
 * zod at load time; every field has a default so a scenario file only states what differs.
 *
 * Times of day are "HH:MM" in the patient's local time (`utcOffsetMin` from UTC). Days are virtual days
 * from the start of the run (fractions allowed: 2.5 = noon of the third day).
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');
const day = z.number().min(0);
const span = z.object({ fromDay: day, toDay: day }).refine((s) => s.toDay >= s.fromDay, 'toDay must not be before fromDay');
const probability = z.number().min(0).max(1);
const range = z.object({ min: z.number().min(0), max: z.number().min(0) }).refine((r) => r.max >= r.min, 'max must be >= min');

export const patientSchema = z.object({
  /** Scheduled dose times (these also become the reminder slots sent to the cap). */
  doseTimes: z.array(timeOfDay).max(8).default(['08:00', '20:00']),
  /** Probability that a scheduled dose is taken at all. */
  adherence: probability.default(0.95),
  /** Timing of a taken dose relative to the scheduled time: normal with this sd (minutes), plus a bias. */
  jitterMinutes: z.number().min(0).default(20),
  biasMinutes: z.number().default(5),
  /** Probability that a taken dose is taken late (after the reminder chime), 30..180 min after due. */
  lateProbability: probability.default(0.05),
  /** How long the lid stays open for a dose (seconds). */
  lidOpenSeconds: range.default({ min: 4, max: 40 }),
  /** Openings without taking a dose ("curiosity"), mean per day, between wake and sleep. */
  curiosityPerDay: z.number().min(0).default(0.3),
  /** Probability that an opening leaves the lid open for a long time (minutes; diagnostic LidLeftOpen). */
  leftOpenProbability: probability.default(0.002),
  leftOpenMinutes: range.default({ min: 10, max: 90 }),
  /** Symptom reports per day (mean, Poisson) and the press pattern weights. */
  symptomsPerDay: z.number().min(0).default(0.3),
  /** Symptom reports at fixed times every day (in addition to the random ones). */
  symptomTimes: z.array(timeOfDay).default([]),
  symptomPatterns: z.object({ short: z.number().min(0), double: z.number().min(0), long: z.number().min(0) }).default({ short: 6, double: 3, long: 1 }),
  /** Press timing (ms) used to realise the patterns. */
  press: z
    .object({ shortMs: range, doubleGapMs: range, longMs: range })
    .default({ shortMs: { min: 120, max: 300 }, doubleGapMs: { min: 150, max: 300 }, longMs: { min: 2500, max: 4000 } }),
  /** Waking hours for curiosity openings and symptom presses. */
  wake: timeOfDay.default('07:00'),
  sleep: timeOfDay.default('22:30'),
  /**
   * Changes of behaviour during the run: from the local day whose midnight is at or after `fromDay` (from
   * the start when 0), the given fields replace the ones above (later entries win). A patient whose adherence slides, a cap that
   * sits on a shelf until it is handed out, symptoms that build up.
   */
  phases: z
    .array(
      z.object({
        fromDay: day,
        adherence: probability.optional(),
        curiosityPerDay: z.number().min(0).optional(),
        symptomsPerDay: z.number().min(0).optional(),
        symptomPatterns: z.object({ short: z.number().min(0), double: z.number().min(0), long: z.number().min(0) }).optional(),
      }),
    )
    .default([]),
  /** Presses at given moments (virtual days, fractions allowed), on top of the random ones: a "needs help" call. */
  pressesAt: z.array(z.object({ atDay: day, pattern: z.enum(['short', 'double', 'long']) })).default([]),
  /** Contact bounce on the lid reed switch and the button. */
  bounce: z.object({ probability: probability, maxEdges: z.number().int().min(0).max(20), windowMs: z.number().min(0).max(200) }).default({ probability: 0.3, maxEdges: 3, windowMs: 15 }),
});

export const powerCutSchema = z.object({
  /** Cuts at given days; `duringFlashWrite` makes the cut hit the next flash operation at a random byte. */
  at: z.array(z.object({ day, duringFlashWrite: z.boolean().default(true), offSeconds: z.number().min(0).default(5) })).default([]),
  /** Additional cuts at random moments (uniform over the run), each during the next flash operation with this probability. */
  randomCount: z.number().int().min(0).default(0),
  duringFlashWriteProbability: probability.default(0.7),
  offSeconds: range.default({ min: 1, max: 600 }),
});

export const clockSchema = z.object({
  /** RTC at the first boot: correct ("set"), never set ("unset"), or wrong by offsetS seconds. */
  initial: z.union([z.literal('set'), z.literal('unset'), z.object({ offsetS: z.number() })]).default('set'),
  driftPpm: z.number().min(-500).max(500).default(20),
  /** RTC keeps time through power cuts (backup supply). */
  rtcBackup: z.boolean().default(false),
  /** RTC jumps (glitches) by `byS` seconds at `atDay`. */
  jumps: z.array(z.object({ atDay: day, byS: z.number() })).default([]),
  /** RTC loses its value at these days (without a power cut). */
  lossAtDays: z.array(day).default([]),
});

/**
 * Network behaviour in days, for people writing scenarios. `networkConditionsFor` (coverage.ts) turns it
 * into S2's NetworkConditions (simulator/src/modem/network-conditions.ts, virtual ms), drawing random
 * instants (drops, lost acks) from the run's seeded stream. `network` (below, in the scenario) takes S2's
 * fields verbatim for anything this summary cannot say; its fields win.
 *
 *   rsrpDbm              signal over days, piecewise linear between points
 *   outages              spans with no cell at all (RSRP below the no-service threshold)
 *   registrationDenied   spans in which attach is rejected (CEREG stat 3)
 *   slowAttach           spans in which attach takes attachSeconds
 *   brokerDown           spans in which the MQTT broker refuses connections
 *   dropsPerDay          mean MQTT connection drops per day (+QMTSTAT), at random instants
 *   lostAcksPerDay       mean publishes per day whose PUBACK is lost after the broker got it (device resends)
 *   lostDownlinksPerDay  mean downlinks (cloud acks) per day lost on the radio link
 *   hungModemAtDays      the modem stops answering at these days until power-cycled
 *   nitz                 the network sends time (QLTS) after registration
 */
export const coverageSchema = z.object({
  rsrpDbm: z.array(z.object({ atDay: day, dbm: z.number().min(-160).max(-44) })).default([{ atDay: 0, dbm: -95 }]),
  outages: z.array(span).default([]),
  registrationDenied: z.array(span).default([]),
  slowAttach: z.array(span.and(z.object({ attachSeconds: z.number().positive() }))).default([]),
  brokerDown: z.array(span).default([]),
  dropsPerDay: z.number().min(0).default(0),
  lostAcksPerDay: z.number().min(0).default(0),
  lostDownlinksPerDay: z.number().min(0).default(0),
  hungModemAtDays: z.array(day).default([]),
  nitz: z.boolean().default(true),
});

export const scenarioSchema = z.object({
  name: z.string().min(1).default('custom'),
  description: z.string().default(''),
  days: z.number().positive().max(3650).default(30),
  /** Start of the run (ISO date-time, UTC). */
  start: z.string().datetime().default('2026-03-02T05:00:00Z'),
  utcOffsetMin: z.number().int().min(-840).max(840).default(-300),
  /** Upload through the emulated modem; false = the modem never answers (no connectivity at all). */
  connectivity: z.boolean().default(true),
  device: z
    .object({
      flash: z.object({ blockSize: z.number().int().positive(), blockCount: z.number().int().positive(), writeAlign: z.number().int().positive() }).optional(),
      batteryMah: z.number().positive().default(1000),
      initialSoc: probability.default(1),
      sleepCurrentUa: z.number().min(0).default(4),
      temperatureC: z.number().default(22),
      /** Firmware config overrides (protocol DeviceConfig fields). */
      config: z.record(z.string(), z.unknown()).default({}),
    })
    .default({ batteryMah: 1000, initialSoc: 1, sleepCurrentUa: 4, temperatureC: 22, config: {} }),
  patient: patientSchema.default(patientSchema.parse({})),
  powerCuts: powerCutSchema.default(powerCutSchema.parse({})),
  clock: clockSchema.default(clockSchema.parse({})),
  coverage: coverageSchema.default(coverageSchema.parse({})),
  /** S2's NetworkConditions fields, verbatim (virtual ms); they override what `coverage` derives. */
  network: z.record(z.string(), z.unknown()).default({}),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type PatientBehaviour = z.infer<typeof patientSchema>;
export type CoverageProfile = z.infer<typeof coverageSchema>;

export class ScenarioError extends Error {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(issues.length > 0 ? `${message}:\n  ${issues.join('\n  ')}` : message);
    this.name = 'ScenarioError';
  }
}

export function parseScenario(data: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(data);
  if (!result.success) {
    throw new ScenarioError(
      `invalid ${source}`,
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

export function scenarioNames(): string[] {
  return ['adherent', 'forgetful', 'no-coverage-90d', 'power-cuts', 'clock-unset', 'outages'];
}

/** Load a named scenario (simulator/scenarios/<name>.json) or a JSON file path. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const named = join(SCENARIO_DIR, `${nameOrPath}.json`);
  const path = /^[a-z0-9-]+$/i.test(nameOrPath) && existsSync(named) ? named : resolve(nameOrPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ScenarioError(`no scenario "${nameOrPath}" (named scenarios: ${scenarioNames().join(', ')}; or give a path to a JSON file)`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseScenario(data, path);
}

/** Local "HH:MM" to minutes after midnight. */
export function minutesOfDay(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

export const inSpan = (spans: readonly { fromDay: number; toDay: number }[], atDay: number): boolean =>
  spans.some((s) => atDay >= s.fromDay && atDay < s.toDay);
