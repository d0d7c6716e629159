import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BILLING_POLICY } from '../../src/billing/billing-policy.ts';
import { localDateOf } from '../../src/billing/local-date.ts';
import { buildMonitoredDays, type DayEventInput } from '../../src/billing/monitored-days.ts';

const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/St_Johns', 'UTC'];
const direct = (ms: number, zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
const instant = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2028-12-31T00:00:00Z') });

describe('properties', () => {
  it('the cached offset path agrees with Intl for any instant in DST-heavy and fractional-offset zones', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (ms, zone) => {
        expect(localDateOf(ms, zone)).toBe(direct(ms, zone));
      }),
      { numRuns: 3000 },
    );
  });

  it('days do not depend on arrival order or duplicates', () => {
    const event = fc.record({ eventId: fc.integer({ min: 1, max: 60 }), ms: instant, kind: fc.constantFrom(1, 2, 3, 5), source: fc.constantFrom('device', 'self_report', 'diagnostic') });
    fc.assert(
      fc.property(fc.uniqueArray(event, { selector: (e) => e.eventId, maxLength: 40 }), fc.array(fc.nat()), (events, picks) => {
        const inputs: DayEventInput[] = events.map((e) => ({ eventId: e.eventId, occurredAt: new Date(e.ms), kind: e.kind, source: e.source }));
        const once = buildMonitoredDays(inputs, 'America/New_York', DEFAULT_BILLING_POLICY);
        const noisy = [...inputs].reverse();
        for (const p of picks) if (inputs.length) noisy.splice(p % (noisy.length + 1), 0, inputs[p % inputs.length]!);
        expect(buildMonitoredDays(noisy, 'America/New_York', DEFAULT_BILLING_POLICY)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });
});
