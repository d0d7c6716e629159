import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  InvalidLocalDateError,
  InvalidTimeZoneError,
  localDateOf,
  localDateTimeOf,
  monthBounds,
  zoneOffsetMinutes,
} from '../../src/billing/local-date.ts';

// Expectations computed by hand from the 2026 rules: New York springs forward 8 Mar 07:00Z and falls back
// 1 Nov 06:00Z; London 29 Mar 01:00Z / 25 Oct 01:00Z; Lord Howe (+10:30 / +11:00) ends DST 4 Apr 15:00Z and
// starts it 3 Oct 15:30Z.
describe('localDateOf', () => {
  it('America/New_York spring-forward week: 23:30 local stays on its own day on both sides', () => {
    expect(localDateOf(new Date('2026-03-08T04:30:00Z'), 'America/New_York')).toBe('2026-03-07'); // 23:30 EST
    expect(localDateOf(new Date('2026-03-09T03:30:00Z'), 'America/New_York')).toBe('2026-03-08'); // 23:30 EDT
    expect(localDateOf(new Date('2026-03-09T04:30:00Z'), 'America/New_York')).toBe('2026-03-09'); // 00:30 EDT, EST would say 8th
  });

  it('America/New_York fall-back: the repeated 01:30 both belong to 1 Nov; 23:30 EST stays on 1 Nov', () => {
    expect(localDateOf(new Date('2026-11-01T05:30:00Z'), 'America/New_York')).toBe('2026-11-01');
    expect(localDateOf(new Date('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('2026-11-01');
    expect(localDateOf(new Date('2026-11-02T04:30:00Z'), 'America/New_York')).toBe('2026-11-01'); // EDT would say 2nd
    expect(localDateTimeOf(new Date('2026-11-02T04:30:00Z'), 'America/New_York')).toEqual({ date: '2026-11-01', minuteOfDay: 23 * 60 + 30, time: '23:30' });
  });

  it('Europe/London around both changes', () => {
    expect(localDateOf(new Date('2026-03-29T23:30:00Z'), 'Europe/London')).toBe('2026-03-30'); // 00:30 BST
    expect(localDateOf(new Date('2026-10-25T23:30:00Z'), 'Europe/London')).toBe('2026-10-25'); // 23:30 GMT
  });

  it('Australia/Lord_Howe half-hour DST', () => {
    expect(localDateOf(new Date('2026-04-04T12:45:00Z'), 'Australia/Lord_Howe')).toBe('2026-04-04'); // 23:45 +11
    expect(localDateOf(new Date('2026-04-04T13:15:00Z'), 'Australia/Lord_Howe')).toBe('2026-04-05'); // 00:15 +11
    expect(localDateOf(new Date('2026-04-05T13:15:00Z'), 'Australia/Lord_Howe')).toBe('2026-04-05'); // 23:45 +10:30
    expect(localDateOf(new Date('2026-10-04T13:15:00Z'), 'Australia/Lord_Howe')).toBe('2026-10-05'); // 00:15 +11
    expect(zoneOffsetMinutes('Australia/Lord_Howe', Date.parse('2026-06-01T00:00:00Z'))).toBe(630);
  });

  it('rejects unknown zones with a typed error', () => {
    expect(() => localDateOf(new Date(), 'Mars/Olympus_Mons')).toThrow(InvalidTimeZoneError);
  });
});

describe('date arithmetic', () => {
  it('steps across month and leap-year ends', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-01-01', '2026-01-31')).toBe(30);
    expect(monthBounds('2026-02')).toEqual({ first: '2026-02-01', last: '2026-02-28' });
  });
  it('rejects impossible dates', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(InvalidLocalDateError);
  });
});
