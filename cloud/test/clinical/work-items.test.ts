/**
 * The pure work-item computation: hand-built patient-months. Management-code boundaries (9/10/19/20/39/40
 * minutes), device logistics never counted, the supply-period days needed against days left, documentation
 * questions, alerts, the closing previous month, and the urgency order.
 */
import { describe, expect, it } from 'vitest';
import { nextManagementCode, managementCodesFor } from '../../src/billing/management-codes.ts';
import { computeManagementMonths } from '../../src/billing/patient-billing.ts';
import { computeWorkItems, missingDocumentation, urgencyLevel, type PatientMonthSnapshot, type WorkItemKind } from '../../src/clinical/work-items.ts';

const base: PatientMonthSnapshot = {
  patientId: 'p1',
  month: '2026-11',
  monthFirst: '2026-11-01',
  monthLast: '2026-11-30',
  today: '2026-11-10',
  closing: false,
  windowEnds: null,
  rpmActive: false,
  diagnosis: null,
  minutes: 0,
  excludedMinutes: 0,
  communications: 0,
  dataReviews: 0,
  therapyChanges: 0,
  documentation: null,
  alerts: { urgent: 0, high: 0, normal: 0 },
  period: { index: 1, startDate: '2026-10-31', endDate: '2026-11-29', monitoredDays: 8, todayMonitored: false },
};
const snap = (over: Partial<PatientMonthSnapshot>): PatientMonthSnapshot => ({ ...base, ...over });
const item = (s: PatientMonthSnapshot, kind: WorkItemKind) => computeWorkItems(s).items.find((i) => i.kind === kind);

describe('management minutes and the next code', () => {
  it.each([
    [0, '98979', 10], [9, '98979', 1], [10, '98980', 10], [19, '98980', 1], [20, '98981', 20], [39, '98981', 1], [40, '98981', 20], [59, '98981', 1], [60, '98981', 20],
  ])('%i min: next is %s in %i min', (minutes, code, toGo) => {
    expect(nextManagementCode(minutes)).toMatchObject({ code, minutesToGo: toGo });
  });

  it('agrees with the billed codes at every boundary', () => {
    expect(managementCodesFor(9, 1).codes).toEqual([]);
    expect(managementCodesFor(10, 1).codes).toEqual([{ code: '98979', units: 1 }]);
    expect(managementCodesFor(19, 1).codes).toEqual([{ code: '98979', units: 1 }]);
    expect(managementCodesFor(20, 1).codes).toEqual([{ code: '98980', units: 1 }]);
    expect(managementCodesFor(39, 1).codes).toEqual([{ code: '98980', units: 1 }]);
    expect(managementCodesFor(40, 1).codes).toEqual([{ code: '98980', units: 1 }, { code: '98981', units: 1 }]);
  });

  it('says "7 min logged, 3 to 98979" and closes the time item at 10 minutes', () => {
    expect(item(snap({ minutes: 7 }), 'management_time')).toMatchObject({ status: 'open', title: '7 min logged, 3 to 98979' });
    expect(item(snap({ minutes: 9 }), 'management_time')).toMatchObject({ status: 'open', title: '9 min logged, 1 to 98979' });
    expect(item(snap({ minutes: 10 }), 'management_time')).toMatchObject({ status: 'done', title: '10 min logged, 10 to 98980' });
    expect(item(snap({ minutes: 19 }), 'management_time')!.title).toBe('19 min logged, 1 to 98980');
    expect(item(snap({ minutes: 20 }), 'management_time')!.title).toBe('20 min logged, 20 to 98981');
    expect(item(snap({ minutes: 39 }), 'management_time')!.title).toBe('39 min logged, 1 to 98981');
    expect(item(snap({ minutes: 40 }), 'management_time')!.title).toBe('40 min logged, 20 to 98981');
  });

  it('never counts device logistics toward 98979-98981', () => {
    const at = (d: string) => new Date(`${d}T15:00:00Z`);
    const months = computeManagementMonths(
      [
        { minutes: 9, performedAt: at('2026-11-03'), staff: 'RN', activity: 'review', category: 'data_review' },
        { minutes: 30, performedAt: at('2026-11-04'), staff: 'RN', activity: 'shipped a cap', category: 'device_logistics' },
      ],
      [{ at: at('2026-11-05'), minutes: 5, modality: 'phone', staff: 'RN' }],
      'America/Chicago',
      false,
    );
    expect(months).toHaveLength(1);
    expect(months[0]).toMatchObject({ month: '2026-11', minutes: 9, excludedMinutes: 30, codes: [] });
    expect(months[0]!.entries.map((e) => [e.category, e.counts])).toEqual([['data_review', true], ['device_logistics', false]]);
    // entries without a category (written before categories existed) count as treatment management
    const legacy = computeManagementMonths([{ minutes: 10, performedAt: at('2026-11-03'), staff: 'RN', activity: 'x' }], [{ at: at('2026-11-05'), minutes: 5, modality: 'phone', staff: 'RN' }], 'UTC', false);
    expect(legacy[0]!.codes).toEqual([{ code: '98979', units: 1 }]);
    expect(item(snap({ minutes: 9, excludedMinutes: 30 }), 'management_time')!.title).toBe('9 min logged, 1 to 98979; 30 min device logistics not counted');
  });
});

describe('the month items', () => {
  it('opens every item on an empty month and closes each one when its work is recorded', () => {
    const empty = computeWorkItems(snap({}));
    const open = empty.items.filter((i) => i.status === 'open').map((i) => i.kind).sort();
    expect(open).toEqual(['data_review', 'documentation', 'interactive_communication', 'management_time', 'supply_days']);
    expect(empty.openItems).toBe(5);
    const done = computeWorkItems(
      snap({
        minutes: 12, communications: 1, dataReviews: 1,
        documentation: { whyMonitored: 'RA', whatReviewed: 'calendar', communication: null, whatChanged: 'no change' },
        period: { ...base.period!, monitoredDays: 16 },
      }),
    );
    expect(done.openItems).toBe(0);
    expect(done.urgency).toBe(0);
    expect(done.summary.level).toBe('none');
  });

  it('lists the unanswered documentation questions with the checklist fallbacks', () => {
    expect(missingDocumentation({ documentation: null, diagnosis: null, communications: 0 })).toEqual(['whyMonitored', 'whatReviewed', 'communication', 'whatChanged']);
    // the diagnosis on file answers "why monitored", a logged call answers "communication"
    expect(missingDocumentation({ documentation: { whyMonitored: ' ', whatReviewed: 'x', communication: null, whatChanged: null }, diagnosis: 'M06.9', communications: 1 })).toEqual(['whatChanged']);
    expect(item(snap({ documentation: { whyMonitored: 'x', whatReviewed: null, communication: null, whatChanged: 'none' }, communications: 1 }), 'documentation')!.title).toBe(
      '1 documentation question unanswered: whatReviewed',
    );
  });

  it('counts days needed against days left in the supply period', () => {
    // Nov 10, period ends Nov 29: 20 dates left; 8 monitored, 8 more needed for 16
    expect(computeWorkItems(snap({})).summary.period).toMatchObject({ monitoredDays: 8, daysLeft: 20, neededFor16: 8, neededFor2: 0 });
    expect(item(snap({}), 'supply_days')).toMatchObject({ status: 'open', severity: 'normal', title: '8 of 16 days, 8 more days needed, 20 days left (period ends 2026-11-29)' });
    // today already monitored: it no longer counts as a day that can still be added
    const todayDone = computeWorkItems(snap({ today: '2026-11-22', period: { ...base.period!, monitoredDays: 9, todayMonitored: true } }));
    expect(todayDone.summary.period).toMatchObject({ daysLeft: 7, neededFor16: 7 });
    expect(todayDone.items.find((i) => i.kind === 'supply_days')!.severity).toBe('urgent');
    expect(urgencyLevel(todayDone.urgency)).toBe('urgent');
    // 16 out of reach: the item switches to reaching 2; with 2 reached it is done
    expect(item(snap({ today: '2026-11-25', period: { ...base.period!, monitoredDays: 1 } }), 'supply_days')).toMatchObject({ status: 'open', title: '1 of 2 days, 1 more day needed, 5 days left (period ends 2026-11-29)' });
    expect(item(snap({ today: '2026-11-25', period: { ...base.period!, monitoredDays: 5 } }), 'supply_days')!.status).toBe('done');
    expect(item(snap({ today: '2026-11-29', period: { ...base.period!, monitoredDays: 0, todayMonitored: false } }), 'supply_days')!.status).toBe('missed');
  });

  it('leaves out what RPM patients cannot bill and what a closed month cannot change', () => {
    const rpm = computeWorkItems(snap({ rpmActive: true })).items.map((i) => i.kind);
    expect(rpm).not.toContain('management_time');
    expect(rpm).not.toContain('supply_days');
    const closing = computeWorkItems(snap({ month: '2026-10', monthFirst: '2026-10-01', monthLast: '2026-10-31', today: '2026-11-03', closing: true, windowEnds: '2026-11-10', period: null }));
    expect(closing.items.map((i) => i.kind).sort()).toEqual(['data_review', 'documentation']);
    expect(closing.summary.daysLeft).toBe(8);
    expect(closing.items.every((i) => i.due === '2026-11-10')).toBe(true);
  });
});

describe('urgency', () => {
  it('puts urgent alerts first, then periods at risk, then high alerts, then months closing, then the rest', () => {
    const urgentAlert = computeWorkItems(snap({ alerts: { urgent: 1, high: 0, normal: 0 } })).urgency;
    const atRisk = computeWorkItems(snap({ today: '2026-11-21', period: { ...base.period!, monitoredDays: 8 } })).urgency; // 9 left, 8 needed: slack 1
    const highAlert = computeWorkItems(snap({ alerts: { urgent: 0, high: 1, normal: 0 } })).urgency;
    const closingSoon = computeWorkItems(snap({ today: '2026-11-27', period: { ...base.period!, monitoredDays: 16 } })).urgency;
    const plain = computeWorkItems(snap({})).urgency;
    expect([urgentAlert, atRisk, highAlert, closingSoon, plain]).toEqual([...[urgentAlert, atRisk, highAlert, closingSoon, plain]].sort((a, b) => b - a));
    expect(new Set([urgentAlert, atRisk, highAlert, closingSoon, plain]).size).toBe(5);
    // the formula, term by term: 10 x 5 open items; 3 x 100,000 + 10 x 5 for slack 1
    expect(plain).toBe(50);
    expect(atRisk).toBe(300_050);
    expect(urgencyLevel(urgentAlert)).toBe('urgent');
    expect(urgencyLevel(atRisk)).toBe('urgent');
    expect(urgencyLevel(highAlert)).toBe('high');
    expect(urgencyLevel(plain)).toBe('normal');
    // 4 days left in November: 1,000 x (8 - 4) + 10 x 4 open items (supply done)
    expect(closingSoon).toBe(4_040);
  });
});
