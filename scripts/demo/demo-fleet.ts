/**
 * The demo fleet's layout: which cap runs which patient behaviour, for which (fictional) patient, in which
 * US time zone and body system. Everything is a pure function of (start instant, days, seed), so a resumed
 * demo rebuilds the same layout from what the state file recorded.
 *
 * The mix is chosen so the dashboard shows every case a clinic meets: adherent patients (16-30 day tier),
 * forgetful ones, a patient who barely uses the cap (2-15 tier) and one who never does (no code), weak
 * coverage with days-long gaps, a cap whose clock was never set and one whose clock is off by hours,
 * symptom-heavy reporting, power cuts, and one cap handed from one patient to another mid-period; and the
 * cases the clinical engine raises alerts for: adherence sliding in the last ten days, a cap gone silent,
 * a "needs help" press hours ago, a supply period at risk, rising symptoms, a low battery.
 */
import { parseScenario, type Scenario } from '../../simulator/src/scenario.ts';

const DAY = 86_400_000;

export const DEMO_ORG_SLUG = 'demo-clinic';
export const DEMO_ORG_NAME = 'Demo Clinic';
export const DEMO_DAYS = 45;
export const DEMO_SEED = 2026;
/** Virtual day at which the shared cap passes from its first patient to its second. */
export const REASSIGN_DAY = 12;

const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Phoenix', 'America/Anchorage', 'Pacific/Honolulu'];
const BODY_SYSTEMS = ['respiratory', 'musculoskeletal', 'cbt'] as const;

export type DemoProfile =
  | 'adherent' | 'forgetful' | 'weak-coverage' | 'clock-unset' | 'clock-offset' | 'symptom-heavy' | 'low-adherence' | 'unused' | 'power-cuts' | 'reassigned'
  | 'sliding' | 'silent' | 'needs-help' | 'period-at-risk' | 'rising-symptoms' | 'low-battery';

/**
 * After the catch-up the fleet lives on in real time for this many days: the scenarios (patients' plans,
 * coverage) reach this far past the replayed days.
 */
export const DEMO_LIVE_DAYS = 365;

export interface DemoPatient {
  reference: string;
  name: string;
  /** Virtual days [fromDay, toDay) during which this patient has the cap (toDay undefined = open-ended). */
  fromDay: number;
  toDay?: number;
  /** Why the patient is monitored, in their own words (the care plan's goal). */
  goal: string;
}

export interface DemoCap {
  serial: string;
  profile: DemoProfile;
  timeZone: string;
  bodySystem: (typeof BODY_SYSTEMS)[number];
  patients: DemoPatient[];
  /** The cap's scenario for the whole run (day 0 = the demo's start), replayed days plus the live ones. */
  scenario: Scenario;
}

/**
 * The 20 caps, in order: profile of each. The clinical cases (sliding to silent) sit on slots of the
 * plainer profiles they stand out against, so the fleet, and the start-up time, stay the same size.
 */
const LAYOUT: DemoProfile[] = [
  'adherent', 'adherent', 'forgetful', 'weak-coverage', 'clock-unset',
  'symptom-heavy', 'low-adherence', 'adherent', 'forgetful', 'clock-offset',
  'reassigned', 'low-battery', 'unused', 'power-cuts', 'silent',
  'needs-help', 'period-at-risk', 'sliding', 'rising-symptoms', 'adherent',
];

const FIRST_NAMES = ['Ada', 'Ben', 'Cora', 'Dan', 'Edith', 'Frank', 'Grace', 'Hal', 'Iris', 'Jack', 'Kay', 'Leo', 'Mae', 'Ned', 'Opal', 'Paul', 'Rose', 'Sam', 'Tess', 'Vic', 'Wes'];

/** Offset of `zone` from UTC (minutes, east positive) at `atMs`. */
export function utcOffsetMinutes(zone: string, atMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(atMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(atMs / 1000) * 1000) / 60_000);
}

/** Patient-local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(zone: string, atMs: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(atMs));
}

/**
 * What each profile's patient and cap do, as scenario fields, given `end` (the replayed days: "now" is day
 * `end`) and `horizon` (the last live day), and the goals patients of the profile gave at enrolment. Profiles that tell a clinical story
 * place it relative to `end`, so it is fresh whenever the demo is created.
 */
interface ProfileSpec {
  scenario: (end: number, horizon: number) => Record<string, unknown>;
  goals: string[];
}

const steady = { rsrpDbm: [{ atDay: 0, dbm: -92 }] };
/**
 * Random presses in the demo are "fine" and "unwell" only: a "needs help" press is urgent and escalates, so the
 * demo has one where it means something (the needs-help patient), not a dozen drawn at random.
 */
const NO_RANDOM_LONG = { short: 6, double: 3, long: 0 };
/** The virtual day `days` before now (`end`), not before the start (a short demo, `--days 5`, clips its stories). */
const ago = (end: number, days: number): number => Math.max(0, end - days);

export const PROFILES: Readonly<Record<DemoProfile, ProfileSpec>> = {
  adherent: {
    scenario: () => ({ patient: { doseTimes: ['08:00', '20:00'], adherence: 0.97, jitterMinutes: 15, lateProbability: 0.03, curiosityPerDay: 0.3, symptomsPerDay: 0.4 }, coverage: steady }),
    goals: ['Keep my breathing steady so I can keep walking the dog every morning.', 'Stay out of the hospital this winter.', 'Show my doctor I am taking it right so we can keep the dose where it is.', 'Get back to gardening without my back flaring up.'],
  },
  reassigned: {
    scenario: () => ({ patient: { doseTimes: ['08:00', '20:00'], adherence: 0.97, jitterMinutes: 15, lateProbability: 0.03, curiosityPerDay: 0.3, symptomsPerDay: 0.4 }, coverage: steady }),
    goals: ['Try the new inhaler schedule for a month and see if nights get better.', 'I want fewer bad days at work.'],
  },
  forgetful: {
    scenario: () => ({
      patient: { doseTimes: ['08:00', '14:00', '21:00'], adherence: 0.65, jitterMinutes: 45, biasMinutes: 20, lateProbability: 0.25, curiosityPerDay: 1.2, leftOpenProbability: 0.01, symptomsPerDay: 0.6, symptomPatterns: { short: 3, double: 5, long: 0 } },
      coverage: { rsrpDbm: [{ atDay: 0, dbm: -108 }, { atDay: 20, dbm: -116 }, { atDay: 45, dbm: -104 }] },
    }),
    goals: ['I keep forgetting the afternoon dose; I want to stop missing it.', 'My daughter worries I skip pills. I want to prove I do not.'],
  },
  'weak-coverage': {
    scenario: () => ({
      patient: { doseTimes: ['08:00', '13:00', '20:00'], adherence: 0.9, curiosityPerDay: 0.6, symptomsPerDay: 0.6 },
      coverage: {
        rsrpDbm: [{ atDay: 0, dbm: -110 }, { atDay: 12, dbm: -121 }, { atDay: 25, dbm: -104 }, { atDay: 45, dbm: -115 }],
        outages: [{ fromDay: 3.2, toDay: 5 }, { fromDay: 11.5, toDay: 17.5 }, { fromDay: 33, toDay: 33.6 }],
        registrationDenied: [{ fromDay: 22, toDay: 23 }],
        brokerDown: [{ fromDay: 28.3, toDay: 28.5 }],
        dropsPerDay: 0.5,
        lostAcksPerDay: 0.3,
        lostDownlinksPerDay: 0.2,
        hungModemAtDays: [8.4],
      },
    }),
    goals: ['Less knee pain on the stairs at the farm.'],
  },
  'clock-unset': {
    scenario: () => ({
      patient: { doseTimes: ['09:00', '21:00'], adherence: 0.9 },
      clock: { initial: 'unset', driftPpm: 60, jumps: [{ atDay: 12.5, byS: 3600 }], lossAtDays: [20.3] },
      coverage: { nitz: false, outages: [{ fromDay: 0, toDay: 4 }] },
    }),
    goals: ['Sleep through the night without my chest getting tight.'],
  },
  'clock-offset': {
    scenario: () => ({ patient: { doseTimes: ['07:30', '19:30'], adherence: 0.92 }, clock: { initial: { offsetS: -3 * 3600 }, driftPpm: 120 } }),
    goals: ['Keep my mood steady while we adjust the dose.'],
  },
  'symptom-heavy': {
    // Reports every evening, mostly "unwell"; one "needs help" three weeks ago, handled then (older than the
    // engine looks back for it).
    scenario: (end) => ({ patient: { doseTimes: ['08:00', '20:00'], adherence: 0.9, symptomsPerDay: 2.5, symptomTimes: ['19:00'], symptomPatterns: { short: 2, double: 3, long: 0 }, pressesAt: [{ atDay: ago(end, 21), pattern: 'long' }] } }),
    goals: ['Tell my doctor how I feel every evening instead of trying to remember at the visit.'],
  },
  'low-adherence': {
    // One dose a day, taken about one day in three: 2-15 monitored days in a 30-day period.
    scenario: () => ({ patient: { doseTimes: ['09:00'], adherence: 0.3, lateProbability: 0, jitterMinutes: 10, curiosityPerDay: 0, symptomsPerDay: 0 } }),
    goals: ['I only take it when my back is bad; the doctor wants to see how often that is.', 'Find out whether the pills help my sleep at all.'],
  },
  unused: {
    // Enrolled, cap on the shelf: no openings, no presses; the cap still reports diagnostics.
    scenario: () => ({ patient: { doseTimes: ['09:00'], adherence: 0, curiosityPerDay: 0, symptomsPerDay: 0 } }),
    goals: ['My wife signed me up. I will try it.'],
  },
  'power-cuts': {
    // Cuts at fixed fractions of the replayed days (random ones would spread over the live year as well).
    scenario: (end) => ({
      patient: { doseTimes: ['08:00', '20:00'], adherence: 0.9 },
      powerCuts: { at: [0.15, 0.4, 0.62, 0.85].map((f, i) => ({ day: Math.round(end * f * 10) / 10, duringFlashWrite: i % 2 === 0, offSeconds: 30 + 90 * i })) },
    }),
    goals: ['Keep my inhaler routine while I look after the grandchildren.'],
  },
  sliding: {
    // Weeks of good adherence, then the patient falls off in the last ten days (adherence_drop, missed_doses).
    scenario: (end) => ({
      patient: { doseTimes: ['08:00', '20:00'], adherence: 0.95, jitterMinutes: 15, lateProbability: 0.03, curiosityPerDay: 0.3, symptomsPerDay: 0.3, phases: [{ fromDay: ago(end, 10), adherence: 0.3, curiosityPerDay: 0 }] },
      coverage: steady,
    }),
    goals: ['Stay on top of my COPD now that I live alone.'],
  },
  silent: {
    // Takes the doses, but the cap is out of coverage for the last two and a half days and from then on
    // (cap_silent): it keeps what it records and would upload it when back in coverage.
    scenario: (end, horizon) => ({
      patient: { doseTimes: ['08:00', '20:00'], adherence: 0.92, curiosityPerDay: 0.2, symptomsPerDay: 0.2 },
      coverage: { rsrpDbm: [{ atDay: 0, dbm: -100 }], outages: [{ fromDay: ago(end, 2.5), toDay: horizon }] },
    }),
    goals: ['Keep my breathing under control at the cabin.'],
  },
  'needs-help': {
    // Adherent, with a "needs help / severe symptom" (long) press some hours before now (needs_help, urgent).
    scenario: (end) => ({
      patient: { doseTimes: ['08:00', '20:00'], adherence: 0.93, symptomsPerDay: 0.5, symptomPatterns: { short: 5, double: 1, long: 0 }, pressesAt: [{ atDay: ago(end, 0.3), pattern: 'long' }] },
      coverage: steady,
    }),
    goals: ['Catch the flare-ups early so I do not end up in the ER again.'],
  },
  'period-at-risk': {
    // Regular in the first 30-day period; in the second only two symptom reports so far, with fifteen days
    // left (the days still needed for 16 plus the slack exceed the days left: period_at_risk).
    scenario: () => ({
      patient: {
        doseTimes: ['09:00'], adherence: 0.9, lateProbability: 0, curiosityPerDay: 0, symptomsPerDay: 0,
        phases: [{ fromDay: 29, adherence: 0 }],
        pressesAt: [{ atDay: 34.5, pattern: 'short' }, { atDay: 39.5, pattern: 'short' }],
      },
      coverage: steady,
    }),
    goals: ['Get my shoulder moving again before the grandkids visit.'],
  },
  'rising-symptoms': {
    // Feels worse week by week: "unwell" presses build up over the last two weeks (symptom_trend).
    scenario: (end) => ({
      patient: {
        doseTimes: ['08:00', '20:00'], adherence: 0.9, symptomsPerDay: 0.15, symptomPatterns: { short: 5, double: 1, long: 0 },
        phases: [{ fromDay: ago(end, 14), symptomsPerDay: 0.5 }, { fromDay: ago(end, 7), symptomsPerDay: 1.5, symptomPatterns: { short: 1, double: 3, long: 0 } }, { fromDay: ago(end, 3), symptomsPerDay: 3 }],
      },
      coverage: steady,
    }),
    goals: ['Know when my asthma is getting worse before it gets bad.'],
  },
  'low-battery': {
    // A cap that left the pharmacy nearly flat: it crosses the firmware's low-battery threshold (3.5 V)
    // during the replayed weeks and reports it (battery_low).
    scenario: () => ({ patient: { doseTimes: ['08:00', '20:00'], adherence: 0.95, symptomsPerDay: 0.3 }, device: { initialSoc: 0.09 }, coverage: steady }),
    goals: ['Take my pills on time while I travel for work.'],
  },
};

/**
 * The fleet for a demo starting at `startUnixMs` (whole seconds) and running `days` virtual days: `caps` caps
 * (default 20) cycling through the layout above.
 */
export function demoFleet(startUnixMs: number, days: number, caps = LAYOUT.length): DemoCap[] {
  const start = new Date(startUnixMs).toISOString();
  const horizon = days + DEMO_LIVE_DAYS;
  let patientNo = 0;
  const goalUse = new Map<DemoProfile, number>();
  return Array.from({ length: caps }, (_, index) => LAYOUT[index % LAYOUT.length]!).map((profile, index) => {
    const spec = PROFILES[profile];
    const serial = `PC-DEMO-${String(index + 1).padStart(4, '0')}`;
    const timeZone = ZONES[index % ZONES.length]!;
    const bodySystem = BODY_SYSTEMS[index % BODY_SYSTEMS.length]!;
    const nextPatient = (fromDay: number, toDay?: number): DemoPatient => {
      patientNo++;
      const used = goalUse.get(profile) ?? 0;
      goalUse.set(profile, used + 1);
      const name = `${FIRST_NAMES[(patientNo - 1) % FIRST_NAMES.length]} Demo-${patientNo}`;
      return { reference: `DEMO-${String(patientNo).padStart(3, '0')}`, name, fromDay, ...(toDay === undefined ? {} : { toDay }), goal: spec.goals[used % spec.goals.length]! };
    };
    const patients = profile === 'reassigned' ? [nextPatient(0, REASSIGN_DAY), nextPatient(REASSIGN_DAY)] : [nextPatient(0)];
    // The firmware and the simulated patient use a fixed UTC offset: the zone's offset at the start. Where a
    // DST change falls inside the run the patient's local habits shift by the hour after it, as a real
    // patient's might; the cloud always dates events in the IANA zone.
    const fields = spec.scenario(days, horizon);
    const patient = { symptomPatterns: NO_RANDOM_LONG, ...(fields.patient as Record<string, unknown> | undefined) };
    const scenario = parseScenario(
      { name: `demo-${profile}`, description: `demo fleet: ${profile}`, days: horizon, start, utcOffsetMin: utcOffsetMinutes(timeZone, startUnixMs), ...fields, patient },
      `demo ${profile}`,
    );
    return { serial, profile, timeZone, bodySystem, patients, scenario };
  });
}

/**
 * The same scenario, seen from `fromDay` on (day 0 of the result = `fromDay` of the original): used to resume
 * a demo. Day-based faults and coverage spans are moved and clipped; the clock starts from `rtcErrorMs`
 * (what the cap's RTC held when the demo stopped; undefined = unset).
 */
export function scenarioFromDay(scenario: Scenario, fromDay: number, rtcErrorMs: number | undefined): Scenario {
  if (fromDay <= 0) return scenario;
  const shift = (d: number) => d - fromDay;
  const days = (list: number[]) => list.filter((d) => d >= fromDay).map(shift);
  const spans = <T extends { fromDay: number; toDay: number }>(list: T[]): T[] =>
    list.filter((s) => s.toDay > fromDay).map((s) => ({ ...s, fromDay: Math.max(0, shift(s.fromDay)), toDay: shift(s.toDay) }));
  const c = scenario.coverage;
  const points = c.rsrpDbm;
  const rsrpAt = (day: number): number => {
    if (day <= points[0]!.atDay) return points[0]!.dbm;
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      if (day <= b.atDay) return a.dbm + ((b.dbm - a.dbm) * (day - a.atDay)) / Math.max(1e-9, b.atDay - a.atDay);
    }
    return points[points.length - 1]!.dbm;
  };
  const p = scenario.patient;
  return parseScenario({
    ...scenario,
    start: new Date(Date.parse(scenario.start) + fromDay * DAY).toISOString(),
    patient: {
      ...p,
      // A phase already begun holds from day 0 (order kept, so the latest one still wins).
      phases: p.phases.map((phase) => ({ ...phase, fromDay: Math.max(0, shift(phase.fromDay)) })),
      pressesAt: p.pressesAt.filter((press) => press.atDay >= fromDay).map((press) => ({ ...press, atDay: shift(press.atDay) })),
    },
    days: Math.max(scenario.days - fromDay, 1 / 24),
    clock: {
      ...scenario.clock,
      initial: rtcErrorMs === undefined ? 'unset' : { offsetS: rtcErrorMs / 1000 },
      jumps: scenario.clock.jumps.filter((j) => j.atDay >= fromDay).map((j) => ({ ...j, atDay: shift(j.atDay) })),
      lossAtDays: days(scenario.clock.lossAtDays),
    },
    powerCuts: {
      ...scenario.powerCuts,
      at: scenario.powerCuts.at.filter((cut) => cut.day >= fromDay).map((cut) => ({ ...cut, day: shift(cut.day) })),
      // Random cuts are drawn over the remaining days.
      randomCount: Math.round((scenario.powerCuts.randomCount * Math.max(0, scenario.days - fromDay)) / scenario.days),
    },
    coverage: {
      ...c,
      rsrpDbm: [{ atDay: 0, dbm: Math.round(rsrpAt(fromDay)) }, ...points.filter((p) => p.atDay > fromDay).map((p) => ({ ...p, atDay: shift(p.atDay) }))],
      outages: spans(c.outages),
      registrationDenied: spans(c.registrationDenied),
      slowAttach: spans(c.slowAttach),
      brokerDown: spans(c.brokerDown),
      hungModemAtDays: days(c.hungModemAtDays),
    },
  }, `${scenario.name} from day ${fromDay}`);
}
