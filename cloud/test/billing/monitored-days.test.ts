import { describe, expect, it } from 'vitest';
import { DEFAULT_BILLING_POLICY } from '../../src/billing/billing-policy.ts';
import { buildMonitoredDays, type DayEventInput } from '../../src/billing/monitored-days.ts';

const NY = 'America/New_York';
const ev = (eventId: number, iso: string | null, kind = 1, source = 'device', extra: Partial<DayEventInput> = {}): DayEventInput => ({
  eventId,
  occurredAt: iso === null ? null : new Date(iso),
  kind,
  source,
  timeQuality: 'device_clock',
  ...extra,
});

describe('buildMonitoredDays', () => {
  it('lid openings and symptom reports qualify; several in a day are one day', () => {
    const days = buildMonitoredDays([ev(1, '2026-03-02T13:00:00Z'), ev(2, '2026-03-02T23:00:00Z'), ev(3, '2026-03-03T15:00:00Z', 2, 'self_report')], NY, DEFAULT_BILLING_POLICY);
    expect(days.map((d) => [d.localDate, d.qualifying, d.qualifyingEventIds, d.sources])).toEqual([
      ['2026-03-02', true, [1, 2], ['device']],
      ['2026-03-03', true, [3], ['self_report']],
    ]);
  });

  it('heartbeat-only and diagnostic-only days are device-active but not monitored', () => {
    const days = buildMonitoredDays([ev(1, '2026-03-04T15:00:00Z', 5, 'diagnostic'), ev(2, '2026-03-04T16:00:00Z', 9, 'diagnostic')], NY, DEFAULT_BILLING_POLICY, [
      { sampledAt: new Date('2026-03-05T15:00:00Z'), serial: 'CAP-0001' },
    ]);
    expect(days.map((d) => [d.localDate, d.deviceActive, d.qualifying, d.heartbeatCount])).toEqual([
      ['2026-03-04', true, false, 0],
      ['2026-03-05', true, false, 1],
    ]);
    expect(days[1]!.serials).toEqual(['CAP-0001']);
  });

  it('reminders and missed doses do not qualify under the default policy', () => {
    const days = buildMonitoredDays([ev(1, '2026-03-06T15:00:00Z', 3), ev(2, '2026-03-06T18:00:00Z', 4)], NY, DEFAULT_BILLING_POLICY);
    expect(days[0]!.qualifying).toBe(false);
  });

  it('clock faults: unresolved time creates no day; estimated time is active but not billable', () => {
    const days = buildMonitoredDays(
      [ev(1, null, 1, 'device', { timeQuality: 'unresolved' }), ev(2, '2026-03-07T15:00:00Z', 1, 'device', { timeQuality: 'estimated' })],
      NY,
      DEFAULT_BILLING_POLICY,
    );
    expect(days.map((d) => [d.localDate, d.deviceActive, d.qualifying])).toEqual([['2026-03-07', true, false]]);
  });

  it('duplicates and out-of-order arrival give the same days', () => {
    const events = [ev(1, '2026-03-02T13:00:00Z'), ev(2, '2026-03-09T03:30:00Z'), ev(3, '2026-03-09T04:30:00Z', 2, 'self_report')];
    const once = buildMonitoredDays(events, NY, DEFAULT_BILLING_POLICY);
    const shuffled = buildMonitoredDays([events[2]!, events[0]!, events[1]!, events[0]!, events[2]!], NY, DEFAULT_BILLING_POLICY);
    expect(shuffled).toEqual(once);
    // 03:30Z on the 9th is 23:30 EDT on the 8th (DST began that morning)
    expect(once.map((d) => d.localDate)).toEqual(['2026-03-02', '2026-03-08', '2026-03-09']);
  });

  it('organisation policy can restrict to device data only', () => {
    const days = buildMonitoredDays([ev(1, '2026-03-03T15:00:00Z', 2, 'self_report')], NY, { ...DEFAULT_BILLING_POLICY, qualifyingSources: ['device'] });
    expect(days[0]!.qualifying).toBe(false);
  });

  it('minEventsPerDay', () => {
    const p = { ...DEFAULT_BILLING_POLICY, minEventsPerDay: 2 };
    const days = buildMonitoredDays([ev(1, '2026-03-02T13:00:00Z'), ev(2, '2026-03-03T13:00:00Z'), ev(3, '2026-03-03T20:00:00Z')], NY, p);
    expect(days.map((d) => d.qualifying)).toEqual([false, true]);
  });
});
