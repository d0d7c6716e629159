import { describe, expect, it } from 'vitest';
import { DEFAULT_ADHERENCE_OPTIONS, InvalidAdherenceOptionsError, resolveAdherenceOptions } from '../../src/adherence/adherence-options.ts';
import { computeAdherence } from '../../src/adherence/compute-adherence.ts';
import { mergeOpenings } from '../../src/adherence/dose-merge.ts';
import { findDrugHolidays } from '../../src/adherence/drug-holidays.ts';
import { buildSymptomTimeline } from '../../src/adherence/symptom-timeline.ts';
import { instantOfLocalTime } from '../../src/billing/local-date.ts';

const NY = 'America/New_York';
let id = 0;
const o = (iso: string) => ({ eventId: ++id, at: new Date(iso) });

// Week of 2 to 8 March 2026 (DST starts 8 March 02:00 local), regimen 2 a day at 08:00 and 20:00.
const openings = [
  o('2026-03-02T13:05:00Z'), // 2 Mar 08:05 EST
  o('2026-03-02T13:10:00Z'), // 08:10, merged into the 08:05 dose
  o('2026-03-03T01:30:00Z'), // 2 Mar 20:30
  o('2026-03-03T13:00:00Z'), // 3 Mar 08:00
  // 4, 5, 6 Mar: nothing (a 3-day drug holiday)
  o('2026-03-07T16:00:00Z'), // 7 Mar 11:00 (3 h late: not on time)
  o('2026-03-08T01:00:00Z'), // 7 Mar 20:00
  o('2026-03-08T02:00:00Z'), // 7 Mar 21:00 (an hour later: a separate dose)
  o('2026-03-08T06:30:00Z'), // 8 Mar 01:30 EST
  o('2026-03-08T12:00:00Z'), // 8 Mar 08:00 EDT
];
const base = { zone: NY, from: '2026-03-02', to: '2026-03-08', regimen: { dosesPerDay: 2, reminderMinutes: [480, 1200] }, openings };

describe('computeAdherence', () => {
  it('hand-computed week, plain calendar days', () => {
    const r = computeAdherence({ ...base, options: DEFAULT_ADHERENCE_OPTIONS });
    expect(r.days.map((d) => [d.date, d.rawOpenings, d.doses, d.taken, d.correct, d.onTime])).toEqual([
      ['2026-03-02', 3, 2, 2, true, 2],
      ['2026-03-03', 1, 1, 1, false, 1],
      ['2026-03-04', 0, 0, 0, false, 0],
      ['2026-03-05', 0, 0, 0, false, 0],
      ['2026-03-06', 0, 0, 0, false, 0],
      ['2026-03-07', 3, 3, 2, false, 1],
      ['2026-03-08', 2, 2, 2, true, 1],
    ]);
    const s = r.summary;
    expect([s.expectedDoses, s.takenDoses, s.takingAdherence, s.rawOpenings, s.doses, s.extraDoses]).toEqual([14, 7, 0.5, 9, 8, 1]);
    expect([s.correctDosingDays, s.onTimeDoses, s.timingAdherence]).toEqual([2, 5, 5 / 14]);
    expect(s.drugHolidays).toEqual({ count: 1, longestDays: 3, list: [{ from: '2026-03-04', to: '2026-03-06', days: 3 }] });
    expect(s.intervals).toMatchObject({ count: 7, withinWindow: 3, tooShort: 3, tooLong: 1, idealHours: 12 });
    expect(s.persistence).toEqual({ firstDose: '2026-03-02', lastDose: '2026-03-08', days: 7 });
  });

  it('00:00-02:59 rule moves the 01:30 dose to the evening before (analytics only)', () => {
    const r = computeAdherence({ ...base, options: { ...DEFAULT_ADHERENCE_OPTIONS, earlyMorningBelongsToPreviousDay: true } });
    expect(r.days.slice(5).map((d) => [d.date, d.doses, d.taken, d.extra, d.correct])).toEqual([
      ['2026-03-07', 4, 2, 2, false],
      ['2026-03-08', 1, 1, 0, false],
    ]);
    expect([r.summary.takenDoses, r.summary.correctDosingDays]).toEqual([6, 1]);
  });

  it('non-monitored days are NA: they neither count as missed nor extend a drug holiday', () => {
    const observed = new Set(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-06', '2026-03-07', '2026-03-08']);
    const r = computeAdherence({ ...base, observedDates: observed, options: DEFAULT_ADHERENCE_OPTIONS });
    expect(r.days[3]).toMatchObject({ date: '2026-03-05', observed: false, doses: null, expected: null });
    expect([r.summary.expectedDoses, r.summary.nonMonitoredDays, r.summary.drugHolidays.count]).toEqual([12, 1, 0]);
  });

  it('merge window 0 counts every opening as a dose', () => {
    const r = computeAdherence({ ...base, options: { ...DEFAULT_ADHERENCE_OPTIONS, mergeWindowMin: 0 } });
    expect(r.days[0]!.doses).toBe(3);
  });
});

describe('building blocks', () => {
  it('merge window is anchored on the first opening of a dose', () => {
    const doses = mergeOpenings([o('2026-03-02T13:00:00Z'), o('2026-03-02T13:10:00Z'), o('2026-03-02T13:20:00Z')], 15);
    expect(doses.map((d) => d.openings)).toEqual([2, 1]);
  });
  it('drug holidays with a configurable threshold', () => {
    const days = ['a', 'b', 'c', 'd', 'e'].map((date, i) => ({ date, doses: [0, 0, 1, 0, 0][i]! }));
    expect(findDrugHolidays(days, 3)).toEqual([]);
    expect(findDrugHolidays(days, 2)).toEqual([{ from: 'a', to: 'b', days: 2 }, { from: 'd', to: 'e', days: 2 }]);
  });
  it('scheduled local times through DST', () => {
    expect(instantOfLocalTime('2026-03-08', 150, NY).toISOString()).toBe('2026-03-08T07:30:00.000Z'); // 02:30 does not exist -> 03:30 EDT
    expect(instantOfLocalTime('2026-03-09', 480, NY).toISOString()).toBe('2026-03-09T12:00:00.000Z');
    expect(instantOfLocalTime('2026-11-01', 90, NY).toISOString()).toBe('2026-11-01T05:30:00.000Z'); // first 01:30
    expect(instantOfLocalTime('2026-04-05', 90, 'Australia/Lord_Howe').toISOString()).toBe('2026-04-04T14:30:00.000Z');
  });
  it('options come from organisation settings with typed errors', () => {
    expect(resolveAdherenceOptions({ adherence: { drugHolidayMinDays: 4 } }, { mergeWindowMin: 5 })).toMatchObject({ drugHolidayMinDays: 4, mergeWindowMin: 5, timingWindowMin: 120 });
    expect(() => resolveAdherenceOptions({ adherence: { drugHolidayMinDays: 0 } })).toThrow(InvalidAdherenceOptionsError);
  });
  it('symptom timeline in local time, deduplicated, in range', () => {
    const t = buildSymptomTimeline(
      [
        { eventId: 2, at: new Date('2026-03-09T03:30:00Z'), pattern: 2 },
        { eventId: 1, at: new Date('2026-03-08T04:30:00Z'), pattern: 3, serial: 'CAP-1' },
        { eventId: 2, at: new Date('2026-03-09T03:30:00Z'), pattern: 2 },
        { eventId: 3, at: new Date('2026-03-10T15:00:00Z'), pattern: 1 },
      ],
      NY,
      '2026-03-07',
      '2026-03-09',
    );
    expect(t.map((e) => [e.eventId, e.localDate, e.localTime, e.label])).toEqual([
      [1, '2026-03-07', '23:30', 'needs help / severe symptom'],
      [2, '2026-03-08', '23:30', 'feels unwell'],
    ]);
  });
});
