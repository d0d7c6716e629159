/**
 * The demo fleet's layout: which cap runs which patient behaviour, for which (fictional) patient, in which
 * US time zone and body system. Everything is a pure function of (start instant, days, seed), so a resumed
 * demo rebuilds the same layout from what the state file recorded.
 *
 * The mix is chosen so the dashboard shows every case a clinic meets: adherent patients (16-30 day tier),
 * forgetful ones, a patient who barely uses the cap (2-15 tier) and one who never does (no code), weak
 * coverage with days-long gaps, a cap whose clock was never set and one whose clock is off by hours,
 * symptom-heavy reporting, power cuts, and one cap handed from one patient to another mid-period.
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

export type DemoProfile = 'adherent' | 'forgetful' | 'weak-coverage' | 'clock-unset' | 'clock-offset' | 'symptom-heavy' | 'low-adherence' | 'unused' | 'power-cuts' | 'reassigned';

export interface DemoPatient {
  reference: string;
  name: string;
  /** Virtual days [fromDay, toDay) during which this patient has the cap (toDay undefined = open-ended). */
  fromDay: number;
  toDay?: number;
}

export interface DemoCap {
  serial: string;
  profile: DemoProfile;
  timeZone: string;
  bodySystem: (typeof BODY_SYSTEMS)[number];
  patients: DemoPatient[];
  /** The cap's scenario for the whole run (day 0 = the demo's start). */
  scenario: Scenario;
}

/** The 20 caps, in order: profile of each. */
const LAYOUT: DemoProfile[] = [
  'adherent', 'adherent', 'forgetful', 'weak-coverage', 'clock-unset',
  'symptom-heavy', 'low-adherence', 'adherent', 'forgetful', 'clock-offset',
  'reassigned', 'adherent', 'unused', 'power-cuts', 'weak-coverage',
  'symptom-heavy', 'low-adherence', 'adherent', 'forgetful', 'adherent',
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

function behaviour(profile: DemoProfile): Record<string, unknown> {
  switch (profile) {
    case 'adherent':
    case 'reassigned':
      return { patient: { doseTimes: ['08:00', '20:00'], adherence: 0.97, jitterMinutes: 15, lateProbability: 0.03, curiosityPerDay: 0.3, symptomsPerDay: 0.4 }, coverage: { rsrpDbm: [{ atDay: 0, dbm: -92 }] } };
    case 'forgetful':
      return {
        patient: { doseTimes: ['08:00', '14:00', '21:00'], adherence: 0.65, jitterMinutes: 45, biasMinutes: 20, lateProbability: 0.25, curiosityPerDay: 1.2, leftOpenProbability: 0.01, symptomsPerDay: 0.6, symptomPatterns: { short: 3, double: 5, long: 1 } },
        coverage: { rsrpDbm: [{ atDay: 0, dbm: -108 }, { atDay: 20, dbm: -116 }, { atDay: 45, dbm: -104 }] },
      };
    case 'weak-coverage':
      return {
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
      };
    case 'clock-unset':
      return {
        patient: { doseTimes: ['09:00', '21:00'], adherence: 0.9 },
        clock: { initial: 'unset', driftPpm: 60, jumps: [{ atDay: 12.5, byS: 3600 }], lossAtDays: [20.3] },
        coverage: { nitz: false, outages: [{ fromDay: 0, toDay: 4 }] },
      };
    case 'clock-offset':
      return { patient: { doseTimes: ['07:30', '19:30'], adherence: 0.92 }, clock: { initial: { offsetS: -3 * 3600 }, driftPpm: 120 } };
    case 'symptom-heavy':
      return { patient: { doseTimes: ['08:00', '20:00'], adherence: 0.9, symptomsPerDay: 2.5, symptomTimes: ['19:00'], symptomPatterns: { short: 2, double: 3, long: 2 } } };
    case 'low-adherence':
      // One dose a day, taken about one day in three: 2-15 monitored days in a 30-day period.
      return { patient: { doseTimes: ['09:00'], adherence: 0.3, lateProbability: 0, jitterMinutes: 10, curiosityPerDay: 0, symptomsPerDay: 0 } };
    case 'unused':
      // Enrolled, cap on the shelf: no openings, no presses; the cap still reports diagnostics.
      return { patient: { doseTimes: ['09:00'], adherence: 0, curiosityPerDay: 0, symptomsPerDay: 0 } };
    case 'power-cuts':
      return { patient: { doseTimes: ['08:00', '20:00'], adherence: 0.9 }, powerCuts: { randomCount: 4, duringFlashWriteProbability: 0.7 } };
  }
}

/**
 * The fleet for a demo starting at `startUnixMs` (whole seconds) and running `days` virtual days: `caps` caps
 * (default 20) cycling through the layout above.
 */
export function demoFleet(startUnixMs: number, days: number, caps = LAYOUT.length): DemoCap[] {
  const start = new Date(startUnixMs).toISOString();
  let patientNo = 0;
  return Array.from({ length: caps }, (_, index) => LAYOUT[index % LAYOUT.length]!).map((profile, index) => {
    const serial = `PC-DEMO-${String(index + 1).padStart(4, '0')}`;
    const timeZone = ZONES[index % ZONES.length]!;
    const bodySystem = BODY_SYSTEMS[index % BODY_SYSTEMS.length]!;
    const nextPatient = (fromDay: number, toDay?: number): DemoPatient => {
      patientNo++;
      const name = `${FIRST_NAMES[(patientNo - 1) % FIRST_NAMES.length]} Demo-${patientNo}`;
      return { reference: `DEMO-${String(patientNo).padStart(3, '0')}`, name, fromDay, ...(toDay === undefined ? {} : { toDay }) };
    };
    const patients = profile === 'reassigned' ? [nextPatient(0, REASSIGN_DAY), nextPatient(REASSIGN_DAY)] : [nextPatient(0)];
    // The firmware and the simulated patient use a fixed UTC offset: the zone's offset at the start. Where a
    // DST change falls inside the run the patient's local habits shift by the hour after it, as a real
    // patient's might; the cloud always dates events in the IANA zone.
    const scenario = parseScenario({ name: `demo-${profile}`, description: `demo fleet: ${profile}`, days, start, utcOffsetMin: utcOffsetMinutes(timeZone, startUnixMs), ...behaviour(profile) }, `demo ${profile}`);
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
  return parseScenario({
    ...scenario,
    start: new Date(Date.parse(scenario.start) + fromDay * DAY).toISOString(),
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
