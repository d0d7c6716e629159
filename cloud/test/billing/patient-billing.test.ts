import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BILLING_POLICY, type BillingPolicy } from '../../src/billing/billing-policy.ts';
import { addDays } from '../../src/billing/local-date.ts';
import { buildMonitoredDays, type DayEventInput } from '../../src/billing/monitored-days.ts';
import { computePatientBilling, computePeriodRecords, type PatientBillingInput, type PatientEpisode } from '../../src/billing/patient-billing.ts';

const NY = 'America/New_York';
const patient: PatientEpisode = {
  id: 'p1',
  timeZone: NY,
  bodySystem: 'respiratory',
  monitoringStart: '2026-01-01',
  periodAnchor: '2026-01-01',
  episode: 1,
  billingPractitioner: 'Dr Lee',
  rpmActive: false,
  diagnosis: 'COPD J44.9',
};
let nextId = 1;
/** one lid opening at 17:00Z (noon EST / 13:00 EDT) on each of `count` days starting at `from` */
function openings(from: string, count: number, serial = 'CAP-A'): DayEventInput[] {
  return Array.from({ length: count }, (_, i) => ({ eventId: nextId++, occurredAt: new Date(`${addDays(from, i)}T17:00:00Z`), kind: 1, source: 'device', timeQuality: 'device_clock', serial }));
}
function run(events: DayEventInput[], extra: Partial<PatientBillingInput> = {}, policy: BillingPolicy = DEFAULT_BILLING_POLICY) {
  return computePatientBilling({
    patient,
    policy,
    days: buildMonitoredDays(events, NY, policy),
    asOf: new Date('2026-04-15T12:00:00Z'),
    ...extra,
  });
}

describe('supply periods and codes', () => {
  it('15 vs 16 days: 98984 vs 98976', () => {
    const b15 = run(openings('2026-01-01', 15));
    const b16 = run(openings('2026-01-01', 16));
    expect(b15.periods[0]!.supplyCode).toBe('98984');
    expect(b16.periods[0]!.supplyCode).toBe('98976');
    expect(b16.periods[0]!.codes.map((c) => c.code)).toEqual(['98975', '98976']);
  });

  it('1 vs 2 days: nothing vs 98984', () => {
    expect(run(openings('2026-01-10', 1)).periods[0]!.supplyCode).toBeNull();
    expect(run(openings('2026-01-10', 2)).periods[0]!.supplyCode).toBe('98984');
  });

  it('period edges: day 30 counts in period 0, day 31 in period 1', () => {
    const b = run(openings('2026-01-29', 3)); // 29, 30, 31 Jan
    expect(b.periods.map((p) => [p.startDate, p.endDate, p.monitoredDays])).toEqual([
      ['2026-01-01', '2026-01-30', 2],
      ['2026-01-31', '2026-03-01', 1],
      ['2026-03-02', '2026-03-31', 0],
      ['2026-04-01', '2026-04-30', 0],
    ]);
    expect(b.periods.map((p) => p.status)).toEqual(['closed', 'closed', 'closed', 'open']);
  });

  it('a DST week counts each local day once (spring forward and a 23:30 event)', () => {
    const events: DayEventInput[] = [
      { eventId: 900, occurredAt: new Date('2026-03-08T04:30:00Z'), kind: 1, source: 'device' }, // 7 Mar 23:30 EST
      { eventId: 901, occurredAt: new Date('2026-03-09T03:30:00Z'), kind: 1, source: 'device' }, // 8 Mar 23:30 EDT
      { eventId: 902, occurredAt: new Date('2026-03-09T04:30:00Z'), kind: 2, source: 'self_report' }, // 9 Mar 00:30 EDT
    ];
    const p = run(events).periods[2]!;
    expect(p.evidence.qualifyingDates).toEqual([
      { date: '2026-03-07', events: [{ eventId: 900, source: 'device' }], sources: ['device'] },
      { date: '2026-03-08', events: [{ eventId: 901, source: 'device' }], sources: ['device'] },
      { date: '2026-03-09', events: [{ eventId: 902, source: 'self_report' }], sources: ['self_report'] },
    ]);
  });

  it('device-active days are shown beside monitored days', () => {
    const heartbeatDays = buildMonitoredDays([], NY, DEFAULT_BILLING_POLICY, [{ sampledAt: new Date('2026-01-05T17:00:00Z') }]);
    const b = computePatientBilling({
      patient,
      policy: DEFAULT_BILLING_POLICY,
      days: [...buildMonitoredDays(openings('2026-01-01', 2), NY, DEFAULT_BILLING_POLICY), ...heartbeatDays],
      asOf: new Date('2026-02-15T12:00:00Z'),
    });
    expect(b.periods[0]!.monitoredDays).toBe(2);
    expect(b.periods[0]!.deviceActiveDays).toBe(3);
    expect(b.periods[0]!.evidence.deviceActiveOnlyDates).toEqual(['2026-01-05']);
  });
});

describe('98975', () => {
  it('threshold 2: billed with the first supply period, once per episode', () => {
    const b = run([...openings('2026-01-01', 5), ...openings('2026-01-31', 20)]);
    expect(b.periods.map((p) => p.setupCode)).toEqual(['98975', null, null, null]);
    expect(b.periods.map((p) => p.supplyCode)).toEqual(['98984', '98976', null, null]);
    // the API index counts from 0; the human reason text counts from 1, as the dashboard does
    expect(b.setup.periodIndex).toBe(0);
    expect(b.setup.reason).toContain('first supply period #1 has 5 monitored days');
  });
  it('threshold 16: not billed when the first supply period has fewer days, never later', () => {
    const policy = { ...DEFAULT_BILLING_POLICY, setupThresholdDays: 16 as const };
    const b = run([...openings('2026-01-01', 5), ...openings('2026-01-31', 20)], {}, policy);
    expect(b.periods.map((p) => p.setupCode)).toEqual([null, null, null, null]);
    expect(b.setup.reason).toMatch(/the first supply period #1 has 5 monitored days, below the threshold 16/);
  });
  it('threshold 16 met in the first supply period', () => {
    const policy = { ...DEFAULT_BILLING_POLICY, setupThresholdDays: 16 as const };
    const b = run([...openings('2026-01-31', 16)], {}, policy);
    expect(b.periods.map((p) => p.setupCode)).toEqual([null, '98975', null, null]);
    expect(b.setup.periodIndex).toBe(1);
    expect(b.setup.reason).toContain('first supply period #2 has');
    expect(b.periods[1]!.evidence.policy.setupThresholdDays).toBe(16);
  });
});

describe('guards', () => {
  it('rpm_active: no RTM codes at all', () => {
    const b = computePatientBilling({
      patient: { ...patient, rpmActive: true },
      policy: DEFAULT_BILLING_POLICY,
      days: buildMonitoredDays(openings('2026-01-01', 20), NY, DEFAULT_BILLING_POLICY),
      timeEntries: [{ minutes: 30, performedAt: new Date('2026-01-10T15:00:00Z'), staff: 'RN', activity: 'review' }],
      communications: [{ at: new Date('2026-01-10T15:00:00Z'), minutes: 5, modality: 'phone', staff: 'RN' }],
      asOf: new Date('2026-02-15T12:00:00Z'),
    });
    expect(b.periods[0]!.monitoredDays).toBe(20);
    expect(b.periods[0]!.codes).toEqual([]);
    expect(b.management[0]!.codes).toEqual([]);
    expect(b.periods[0]!.evidence.guards[0]).toMatch(/RPM/);
  });
  it('two caps for one patient still give one supply code per period, both serials in evidence', () => {
    const b = run([...openings('2026-01-01', 10, 'CAP-A'), ...openings('2026-01-01', 10, 'CAP-B')]);
    expect(b.periods[0]!.monitoredDays).toBe(10);
    expect(b.periods[0]!.codes).toEqual([{ code: '98975', units: 1 }, { code: '98984', units: 1 }]);
    expect(b.periods[0]!.evidence.serials).toEqual(['CAP-A', 'CAP-B']);
  });
});

describe('reassignment mid-period', () => {
  it('the period shows both serials assigned in it', () => {
    const b = run([...openings('2026-01-01', 10, 'CAP-A'), ...openings('2026-01-15', 10, 'CAP-B')], {
      assignments: [
        { serial: 'CAP-A', assignedAt: new Date('2026-01-01T05:00:00Z'), unassignedAt: new Date('2026-01-14T17:00:00Z') },
        { serial: 'CAP-B', assignedAt: new Date('2026-01-14T18:00:00Z'), unassignedAt: null },
        { serial: 'CAP-OLD', assignedAt: new Date('2025-11-01T05:00:00Z'), unassignedAt: new Date('2026-01-01T05:00:00Z') }, // released at local midnight
      ],
    });
    expect(b.periods[0]!.evidence.serials).toEqual(['CAP-A', 'CAP-B']);
    expect(b.periods[0]!.monitoredDays).toBe(20);
    expect(b.periods[1]!.evidence.serials).toEqual(['CAP-B']);
  });
});

describe('late data after export', () => {
  it('flags the period amended with the difference; the snapshot is kept', () => {
    const first = run(openings('2026-01-01', 15));
    const exportedSnapshot = first.periods[0]!.snapshot;
    expect(exportedSnapshot.supplyCode).toBe('98984');
    const late = [...openings('2026-01-01', 15), { eventId: 5000, occurredAt: new Date('2026-01-20T17:00:00Z'), kind: 1, source: 'device' }];
    const again = run(late, { exported: [{ index: 0, exportId: 7, snapshot: exportedSnapshot }] });
    const p = again.periods[0]!;
    expect(p.status).toBe('amended');
    expect(p.exportedSnapshot).toEqual(exportedSnapshot);
    expect(p.supplyCode).toBe('98976');
    expect(p.amendment!.addedDates).toEqual(['2026-01-20']);
    expect(p.amendment!.removedDates).toEqual([]);
    expect(p.amendment!.changes.map((c) => [c.field, c.before, c.after]).slice(0, 2)).toEqual([
      ['monitoredDays', 15, 16],
      ['supplyCode', '98984', '98976'],
    ]);
    // the same data again is not an amendment
    const same = run(openings('2026-01-01', 15).map((e, i) => ({ ...e, eventId: i + 1 })), {
      exported: [{ index: 0, exportId: 7, snapshot: exportedSnapshot }],
    });
    expect(same.periods[0]!.status).toBe('exported');
    expect(same.periods[0]!.amendment).toBeNull();
  });
});

describe('stored period records', () => {
  it('are exactly the decisions of the full computation, without codes lines and evidence (random histories)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ day: fc.integer({ min: 0, max: 119 }), serial: fc.constantFrom('CAP-A', 'CAP-B') }), { maxLength: 80 }),
        fc.boolean(),
        fc.constantFrom(2 as const, 16 as const),
        fc.option(fc.integer({ min: 0, max: 3 })),
        (openingDays, rpmActive, setupThresholdDays, exportedIndex) => {
          const events = openingDays.map((o, i) => ({ ...openings(addDays('2026-01-01', o.day), 1, o.serial)[0]!, eventId: i + 1 }));
          const policy = { ...DEFAULT_BILLING_POLICY, setupThresholdDays };
          const input: PatientBillingInput = { patient: { ...patient, rpmActive }, policy, days: buildMonitoredDays(events, NY, policy), asOf: new Date('2026-04-15T12:00:00Z') };
          const before = computePatientBilling(input);
          // an export of one period, then half the openings arrive late
          const exported = exportedIndex === null ? [] : before.periods.filter((p) => p.index === exportedIndex).map((p) => ({ index: p.index, exportId: 1, snapshot: p.snapshot }));
          const later: PatientBillingInput = { ...input, days: buildMonitoredDays(events.filter((_, i) => i % 2 === 0), NY, policy), exported };
          for (const i of [input, later]) {
            expect(computePeriodRecords(i)).toEqual(computePatientBilling(i).periods.map(({ codes: _codes, evidence: _evidence, ...record }) => record));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('management months and checklist', () => {
  const comm = { at: new Date('2026-02-10T15:00:00Z'), minutes: 8, modality: 'video' as const, staff: 'RN Diaz', note: 'discussed inhaler use' };
  it('per patient-local calendar month, only with an interactive communication', () => {
    const b = run([], {
      timeEntries: [
        { minutes: 25, performedAt: new Date('2026-02-10T15:00:00Z'), staff: 'RN Diaz', activity: 'data review' },
        { minutes: 20, performedAt: new Date('2026-03-01T04:30:00Z'), staff: 'RN Diaz', activity: 'data review' }, // 28 Feb 23:30 EST
        { minutes: 15, performedAt: new Date('2026-03-12T15:00:00Z'), staff: 'RN Diaz', activity: 'call prep' },
      ],
      communications: [comm],
    });
    expect(b.management.map((m) => [m.month, m.minutes, m.interactiveCommunications, m.codes])).toEqual([
      ['2026-02', 45, 1, [{ code: '98980', units: 1 }, { code: '98981', units: 1 }]],
      ['2026-03', 15, 0, []],
    ]);
  });
  it('checklist: derived answers plus the clinic documentation; missing items listed', () => {
    const b = run(openings('2026-02-01', 3), {
      communications: [comm],
      documentation: [{ month: '2026-02', whatReviewed: 'adherence chart', whatChanged: 'none' }],
    });
    const c = b.periods[1]!.evidence.checklist; // 31 Jan .. 1 Mar
    expect(c.whyMonitored).toBe('Diagnosis on file: COPD J44.9 (respiratory)');
    expect(c.whatCollected).toMatch(/^3 monitored day\(s\)/);
    expect(c.communication).toBe('2026-02-10 video 8 min by RN Diaz: discussed inhaler use');
    expect(c.complete).toBe(true);
    const bare = run(openings('2026-02-01', 3), {}).periods[1]!.evidence.checklist;
    expect(bare.missing).toEqual(['whatReviewed', 'communication', 'whatChanged']);
  });
});
