/**
 * Every alert rule as a pure function of a hand-built patient snapshot, including DST changes in the
 * patient's zone (America/New_York 2026-03-08 and 2026-11-01, Europe/Paris 2026-03-29 and 2026-10-25).
 */
import { describe, expect, it } from 'vitest';
import { EventKind, SymptomPattern } from '../../../protocol/src/messages.ts';
import { addDays, dateRange, instantOfLocalTime } from '../../src/billing/local-date.ts';
import {
  adherenceDrop, batteryLow, capSilent, clinicalAlertSettingsOf, DEFAULT_RULES, evaluateRules, mergeRules, missedDoses, needsHelp, noOpenings, periodAtRisk,
  sanitiseOverrides, symptomTrend, type PatientSnapshot, type RuleOverrides,
} from '../../src/clinical/alert-rules.ts';

/** The instant a wall clock in `zone` shows `time` on `date`. */
const at = (date: string, time: string, zone: string): Date => {
  const [h, m] = time.split(':').map(Number);
  return instantOfLocalTime(date, h! * 60 + m!, zone);
};

let nextId = 1;
const ev = (when: Date) => ({ eventId: nextId++, at: when });

function snapshot(over: Partial<Omit<PatientSnapshot, 'plan' | 'rules'>> & { plan?: Partial<PatientSnapshot['plan']>; rules?: RuleOverrides } = {}): PatientSnapshot {
  const zone = over.timeZone ?? 'America/Chicago';
  const now = over.now ?? at('2026-10-20', '12:00', zone);
  const { plan, rules, ...rest } = over;
  return {
    patientId: 'p1',
    orgId: 'o1',
    periodAnchor: '2026-10-01',
    episode: 1,
    rpmActive: false,
    assignments: [{ assignedAt: new Date('2026-01-01T00:00:00Z'), unassignedAt: null }],
    cap: { serial: 'CAP-1', assignedAt: new Date('2026-01-01T00:00:00Z'), lastContactAt: now, battery: null },
    openings: [],
    symptoms: [],
    dosesMissed: [],
    lowBattery: [],
    livePressIds: [],
    qualifyingDates: [],
    capReminderDates: [],
    ...rest,
    timeZone: zone,
    now,
    plan: { monitors: 'both', dosesPerDay: 1, doseMinutes: [480], toleranceMin: 60, consentAt: new Date('2026-01-01T00:00:00Z'), ...plan },
    rules: mergeRules(undefined, rules),
  };
}

/** One opening a day at `time` local on each date of [from, to]. */
const dailyOpenings = (from: string, to: string, time: string, zone: string) => dateRange(from, to).map((d) => ev(at(d, time, zone)));

describe('settings', () => {
  it('merges defaults, organisation and care plan key by key', () => {
    const org = clinicalAlertSettingsOf({ clinical: { rules: { no_openings: { days: 5 }, cap_silent: { hours: 12 } }, escalateAfterMinutes: 15 } });
    expect(org.escalateAfterMinutes).toBe(15);
    const merged = mergeRules(org.rules, { no_openings: { days: 2, severity: 'urgent' } });
    expect(merged.no_openings).toEqual({ enabled: true, severity: 'urgent', days: 2 });
    expect(merged.cap_silent.hours).toBe(12);
    expect(merged.missed_doses).toEqual(DEFAULT_RULES.missed_doses);
  });

  it('drops overrides that do not parse, rule by rule, and defaults a bad escalation time', () => {
    expect(sanitiseOverrides({ no_openings: { days: 'x' }, cap_silent: { hours: 6 }, nonsense: { a: 1 } })).toEqual({ cap_silent: { hours: 6 } });
    expect(clinicalAlertSettingsOf({ clinical: { escalateAfterMinutes: 'soon' } }).escalateAfterMinutes).toBe(30);
    expect(clinicalAlertSettingsOf(null)).toEqual({ rules: {}, escalateAfterMinutes: 30 });
  });
});

describe('needs_help', () => {
  const zone = 'America/Chicago';
  it('raises one urgent condition per press episode', () => {
    const a = { ...ev(at('2026-10-19', '09:00', zone)), pattern: SymptomPattern.Long };
    const b = { ...ev(at('2026-10-19', '10:00', zone)), pattern: SymptomPattern.Long }; // same episode (within 12 h)
    const c = { ...ev(at('2026-10-20', '08:00', zone)), pattern: SymptomPattern.Long }; // 22 h later: a new one
    const fine = { ...ev(at('2026-10-20', '09:00', zone)), pattern: SymptomPattern.Short };
    const out = needsHelp(snapshot({ symptoms: [c, fine, b, a] }));
    expect(out.conditions.map((x) => [x.episodeKey, x.severity])).toEqual([
      [`press:${a.eventId}`, 'urgent'],
      [`press:${c.eventId}`, 'urgent'],
    ]);
    expect(out.conditions[0]!.evidence.eventIds).toEqual([a.eventId, b.eventId]);
    expect(out.conditions[0]!.since).toEqual(a.at);
  });

  it('ignores presses before consent and old presses, unless a live alert holds them', () => {
    const before = { ...ev(new Date('2026-07-30T12:00:00Z')), pattern: SymptomPattern.Long };
    const old = { ...ev(at('2026-09-20', '09:00', zone)), pattern: SymptomPattern.Long };
    expect(needsHelp(snapshot({ symptoms: [before, old] })).conditions).toEqual([]);
    expect(needsHelp(snapshot({ symptoms: [old], livePressIds: [old.eventId] })).conditions.map((c) => c.episodeKey)).toEqual([`press:${old.eventId}`]);
  });

  it('applies under an adherence-only plan too (a safety signal), but not when switched off', () => {
    const p = { ...ev(at('2026-10-20', '09:00', zone)), pattern: SymptomPattern.Long };
    expect(needsHelp(snapshot({ symptoms: [p], plan: { monitors: 'adherence' } })).conditions).toHaveLength(1);
    expect(needsHelp(snapshot({ symptoms: [p], rules: { needs_help: { enabled: false } } })).applies).toBe(false);
  });
});

describe('missed_doses', () => {
  const zone = 'America/Chicago';
  const now = at('2026-10-20', '12:00', zone);

  it("counts the cap's DoseMissed events on the dates it kept its reminders", () => {
    const missed = ['2026-10-15', '2026-10-17', '2026-10-19'].map((d) => ({ ...ev(at(d, '10:00', zone)), slot: 0 }));
    const capReminderDates = dateRange('2026-10-14', '2026-10-20');
    const openings = dateRange('2026-10-14', '2026-10-20').filter((d) => !['2026-10-15', '2026-10-17', '2026-10-19'].includes(d)).map((d) => ev(at(d, '08:05', zone)));
    const out = missedDoses(snapshot({ now, dosesMissed: missed, capReminderDates, openings }));
    expect(out.conditions).toHaveLength(1);
    const evidence = out.conditions[0]!.evidence as { missed: { source: string; eventId?: number }[] };
    expect(evidence.missed.map((m) => [m.source, m.eventId])).toEqual(missed.map((m) => ['cap', m.eventId]));
    // two are not enough
    expect(missedDoses(snapshot({ now, dosesMissed: missed.slice(1), capReminderDates, openings })).conditions).toEqual([]);
  });

  it('computes misses from openings against the dose times where the cap has no reminders', () => {
    // doses at 08:00, openings every day except 10-16, 10-17, 10-18
    const openings = dailyOpenings('2026-10-10', '2026-10-20', '08:10', zone).filter((o) => !['16', '17', '18'].includes(o.at.toISOString().slice(8, 10)));
    const out = missedDoses(snapshot({ now, openings }));
    expect(out.conditions).toHaveLength(1);
    const missed = (out.conditions[0]!.evidence as { missed: { date: string; source: string }[] }).missed;
    expect(missed.map((m) => [m.date, m.source])).toEqual([
      ['2026-10-16', 'computed'],
      ['2026-10-17', 'computed'],
      ['2026-10-18', 'computed'],
    ]);
    // a late opening within the tolerance of one dose removes the condition (2 < 3)
    const late = ev(at('2026-10-17', '08:40', zone));
    expect(missedDoses(snapshot({ now, openings: [...openings, late] })).conditions).toEqual([]);
    // an opening outside the tolerance does not
    const wrong = ev(at('2026-10-17', '11:30', zone));
    expect(missedDoses(snapshot({ now, openings: [...openings, wrong] })).conditions).toHaveLength(1);
  });

  it('does not call doses missed while the cap has not reported since (the data may still be in the cap)', () => {
    const openings = dailyOpenings('2026-10-10', '2026-10-15', '08:10', zone);
    const silent = snapshot({ now, openings, cap: { serial: 'CAP-1', assignedAt: new Date('2026-01-01T00:00:00Z'), lastContactAt: at('2026-10-15', '09:00', zone), battery: null } });
    expect(missedDoses(silent).conditions).toEqual([]);
  });

  it('matches dose windows in local time across the spring change in Europe/Paris (2026-03-29)', () => {
    const paris = 'Europe/Paris';
    const openings = dailyOpenings('2026-03-20', '2026-04-02', '08:20', paris);
    const s = snapshot({ timeZone: paris, now: at('2026-04-02', '12:00', paris), openings, plan: { toleranceMin: 30 } });
    expect(missedDoses(s).conditions).toEqual([]);
    // the same openings one real hour later in UTC would be outside a 30-minute window after the change
    const shifted = openings.map((o) => ({ ...o, at: new Date(o.at.getTime() + (o.at >= new Date('2026-03-29T01:00:00Z') ? 3_600_000 : 0)) }));
    expect(missedDoses({ ...s, openings: shifted }).conditions[0]?.evidence).toMatchObject({ missed: expect.arrayContaining([expect.objectContaining({ date: '2026-03-29' })]) });
  });

  it('does not apply to a symptoms-only plan', () => {
    expect(missedDoses(snapshot({ plan: { monitors: 'symptoms', dosesPerDay: 0, doseMinutes: [] } })).applies).toBe(false);
  });
});

describe('adherence_drop', () => {
  const zone = 'America/New_York';
  const now = at('2026-10-30', '12:00', zone);
  it("compares the last 7 complete days with the patient's previous 28", () => {
    const baseline = dailyOpenings('2026-09-25', '2026-10-22', '08:00', zone);
    const recent = ['2026-10-23', '2026-10-26', '2026-10-29'].map((d) => ev(at(d, '08:00', zone)));
    const out = adherenceDrop(snapshot({ timeZone: zone, now, openings: [...baseline, ...recent] }));
    expect(out.conditions).toHaveLength(1);
    expect(out.conditions[0]!.evidence).toMatchObject({ baseline: { takingAdherencePct: 100 }, recent: { takingAdherencePct: 42.9, observedDays: 7 }, dropPoints: 57.1 });
  });

  it('stays quiet for a small drop or a baseline too short to judge', () => {
    const all = dailyOpenings('2026-09-25', '2026-10-29', '08:00', zone).filter((o) => !o.at.toISOString().startsWith('2026-10-27'));
    expect(adherenceDrop(snapshot({ timeZone: zone, now, openings: all })).conditions).toEqual([]);
    const short = snapshot({ timeZone: zone, now, openings: [], assignments: [{ assignedAt: at('2026-10-15', '00:00', zone), unassignedAt: null }], plan: { consentAt: at('2026-10-15', '00:00', zone) } });
    expect(adherenceDrop(short).conditions).toEqual([]);
  });
});

describe('symptom_trend', () => {
  const zone = 'Europe/Paris';
  // the fall change (2026-10-25) lies inside the recent window
  const now = at('2026-10-28', '12:00', zone);
  const press = (date: string, pattern: number = SymptomPattern.Double) => ({ ...ev(at(date, '10:00', zone)), pattern });
  it('fires when the last 7 days hold at least 3 reports and twice the 7 days before', () => {
    const s = snapshot({ timeZone: zone, now, symptoms: [press('2026-10-18'), press('2026-10-22'), press('2026-10-25'), press('2026-10-26', SymptomPattern.Long), press('2026-10-28')] });
    const out = symptomTrend(s);
    expect(out.conditions).toHaveLength(1);
    expect(out.conditions[0]!.evidence).toMatchObject({ recent: { from: '2026-10-22', count: 4 }, previous: { count: 1 } });
  });
  it('does not count "feels fine" presses, and needs the factor', () => {
    expect(symptomTrend(snapshot({ timeZone: zone, now, symptoms: ['2026-10-23', '2026-10-24', '2026-10-25'].map((d) => press(d, SymptomPattern.Short)) })).conditions).toEqual([]);
    const steady = ['2026-10-15', '2026-10-17', '2026-10-19', '2026-10-23', '2026-10-25', '2026-10-27'].map((d) => press(d));
    expect(symptomTrend(snapshot({ timeZone: zone, now, symptoms: steady })).conditions).toEqual([]);
  });
});

describe('no_openings', () => {
  const zone = 'America/New_York';
  const last = ev(at('2026-03-06', '20:00', zone));
  it('counts complete local days without an opening across the spring change (2026-03-08)', () => {
    // 03-07, 03-08 (23 hours long) and 03-09 pass without an opening
    const early = snapshot({ timeZone: zone, now: at('2026-03-09', '23:30', zone), openings: [last] });
    expect(noOpenings(early).conditions).toEqual([]);
    const out = noOpenings(snapshot({ timeZone: zone, now: at('2026-03-10', '00:30', zone), openings: [last] }));
    expect(out.conditions).toHaveLength(1);
    expect(out.conditions[0]!.evidence).toMatchObject({ quietFrom: '2026-03-07', quietDays: 3 });
    expect(out.conditions[0]!.since).toEqual(at('2026-03-07', '00:00', zone));
  });

  it('needs a healthy cap: a silent cap is cap_silent, not no_openings', () => {
    const s = snapshot({ timeZone: zone, now: at('2026-03-12', '12:00', zone), openings: [last], cap: { serial: 'CAP-1', assignedAt: new Date('2026-01-01T00:00:00Z'), lastContactAt: at('2026-03-07', '08:00', zone), battery: null } });
    expect(noOpenings(s).conditions).toEqual([]);
    expect(capSilent(s).conditions).toHaveLength(1);
  });

  it('counts from the later of consent and the assignment when there was never an opening', () => {
    const assignedAt = at('2026-03-05', '15:00', zone);
    const s = snapshot({ timeZone: zone, now: at('2026-03-09', '09:00', zone), assignments: [{ assignedAt, unassignedAt: null }], cap: { serial: 'CAP-1', assignedAt, lastContactAt: at('2026-03-09', '08:00', zone), battery: null } });
    expect(noOpenings(s).conditions[0]!.evidence).toMatchObject({ lastOpening: null, quietFrom: '2026-03-06', quietDays: 3 });
  });
});

describe('cap_silent', () => {
  const zone = 'America/Chicago';
  const now = at('2026-10-20', '12:00', zone);
  const cap = (lastContactAt: Date | null, assignedAt = new Date('2026-01-01T00:00:00Z')) => ({ serial: 'CAP-1', assignedAt, lastContactAt, battery: null });
  it('fires after the threshold of hours without an uplink', () => {
    expect(capSilent(snapshot({ now, cap: cap(new Date(now.getTime() - 47 * 3_600_000)) })).conditions).toEqual([]);
    const out = capSilent(snapshot({ now, cap: cap(new Date(now.getTime() - 49 * 3_600_000)) }));
    expect(out.conditions[0]).toMatchObject({ rule: 'cap_silent', severity: 'normal', since: new Date(now.getTime() - 49 * 3_600_000) });
  });
  it('counts from the assignment for a cap that never reported to this patient, and does not apply without a cap', () => {
    const assignedAt = new Date(now.getTime() - 72 * 3_600_000);
    expect(capSilent(snapshot({ now, cap: cap(null, assignedAt) })).conditions[0]!.since).toEqual(assignedAt);
    expect(capSilent(snapshot({ now, cap: null })).applies).toBe(false);
  });
});

describe('battery_low', () => {
  const zone = 'America/Chicago';
  const now = at('2026-10-20', '12:00', zone);
  const withBattery = (battery: { at: Date; pct: number | null; mv: number | null } | null, lowBattery: PatientSnapshot['lowBattery'] = []) =>
    snapshot({ now, lowBattery, cap: { serial: 'CAP-1', assignedAt: new Date('2026-01-01T00:00:00Z'), lastContactAt: now, battery } });
  it('fires on a low heartbeat reading', () => {
    expect(batteryLow(withBattery({ at: now, pct: 15, mv: 3700 })).conditions).toHaveLength(1);
    expect(batteryLow(withBattery({ at: now, pct: 60, mv: 3400 })).conditions).toHaveLength(1);
    expect(batteryLow(withBattery({ at: now, pct: 60, mv: 3900 })).conditions).toEqual([]);
  });
  it('lets the newer evidence decide between a LowBattery event and a heartbeat', () => {
    const event = { ...ev(new Date(now.getTime() - 5 * 3_600_000)), mv: 3300 };
    expect(batteryLow(withBattery({ at: new Date(now.getTime() - 3_600_000), pct: 90, mv: 4100 }, [event])).conditions).toEqual([]);
    const out = batteryLow(withBattery({ at: new Date(now.getTime() - 9 * 3_600_000), pct: 90, mv: 4100 }, [event]));
    expect(out.conditions[0]!.evidence).toMatchObject({ lowBatteryEvent: { eventId: event.eventId, mv: 3300 } });
  });
  it('ignores LowBattery events from before the cap came to this patient', () => {
    const old = { ...ev(new Date('2025-12-20T00:00:00Z')), mv: 3300 };
    expect(batteryLow(withBattery(null, [old])).conditions).toEqual([]);
  });
});

describe('period_at_risk', () => {
  const zone = 'America/New_York';

  it('fires when the days still needed for 16 plus the slack exceed the days left', () => {
    expect(periodAtRisk(snapshot({ timeZone: zone, now: at('2026-10-13', '12:00', zone) })).conditions).toEqual([]);
    const out = periodAtRisk(snapshot({ timeZone: zone, now: at('2026-10-14', '12:00', zone) }));
    expect(out.conditions[0]).toMatchObject({ episodeKey: '1:0', evidence: { target: 16, needed: 16, daysLeft: 17, monitoredDays: 0 } });
  });

  it('falls back to 2 once 16 is out of reach, and uses the local date across the fall change (2026-11-01)', () => {
    // 23:30 on 11-01 in New York is 04:30 UTC on 11-02: the period (anchor 10-03) ends 11-01, with today still in it
    const s = snapshot({ timeZone: zone, periodAnchor: '2026-10-03', now: at('2026-11-01', '23:30', zone), qualifyingDates: ['2026-10-20'] });
    const out = periodAtRisk(s);
    expect(out.conditions[0]).toMatchObject({ episodeKey: '1:0', evidence: { target: 2, needed: 1, daysLeft: 1, endDate: '2026-11-01' } });
    expect(out.conditions[0]!.detail).toContain('16 days can no longer be reached');
    // a qualifying today makes 2
    expect(periodAtRisk({ ...s, qualifyingDates: ['2026-10-20', '2026-11-01'] }).conditions).toEqual([]);
  });

  it('is satisfied at 16 and does not apply under RPM or before the anchor', () => {
    const qualifyingDates = dateRange('2026-10-01', '2026-10-16');
    expect(periodAtRisk(snapshot({ timeZone: zone, now: at('2026-10-28', '12:00', zone), qualifyingDates })).conditions).toEqual([]);
    expect(periodAtRisk(snapshot({ rpmActive: true })).applies).toBe(false);
    expect(periodAtRisk(snapshot({ periodAnchor: addDays('2026-10-20', 5) })).applies).toBe(false);
  });
});

describe('evaluateRules', () => {
  it('reports which rules applied, so a live alert of a rule that no longer applies can be closed', () => {
    const s = snapshot({ cap: null, assignments: [] });
    const { applicable } = evaluateRules(s);
    expect(applicable.has('cap_silent')).toBe(false);
    expect(applicable.has('needs_help')).toBe(true);
    expect(EventKind.DoseMissed).toBe(4);
  });
});
