/**
 * Claim readiness of a billing report row (dashboard/src/billing/claim-readiness.ts), at the engine's own
 * thresholds: 2 monitored days for a supply code, 10 minutes and one interactive communication for
 * treatment management, and the period's documentation checklist gaps.
 */
import { describe, expect, it } from 'vitest';
import { claimReadiness, countByReadiness } from '../../dashboard/src/billing/claim-readiness.ts';

type Row = Parameters<typeof claimReadiness>[0];
const supply = (over: Partial<Row> = {}): Row => ({
  type: 'supply', codes: [{ code: '98977', units: 1 }], monitoredDays: 18, minutes: null, interactiveCommunications: null, checklistMissing: [], status: 'closed', reason: '18 days => 98977', ...over,
});
const management = (over: Partial<Row> = {}): Row => ({
  type: 'management', codes: [{ code: '98980', units: 1 }], monitoredDays: null, minutes: 25, interactiveCommunications: 1, checklistMissing: [], status: 'closed', reason: '25 min', ...over,
});

describe('claim readiness', () => {
  it('is ready for a coded, documented period and a coded management month', () => {
    expect(claimReadiness(supply())).toEqual({ readiness: 'ready', blockers: [], reasons: [], provisional: false });
    expect(claimReadiness(management()).readiness).toBe('ready');
  });

  it('marks an open period provisional whatever its readiness', () => {
    expect(claimReadiness(supply({ status: 'open' }))).toMatchObject({ readiness: 'ready', provisional: true });
    expect(claimReadiness(supply({ status: 'exported' })).provisional).toBe(false);
  });

  it('is below threshold under 2 monitored days, and says how many there are', () => {
    expect(claimReadiness(supply({ codes: [], monitoredDays: 1 }))).toMatchObject({ readiness: 'below_threshold', reasons: ['1 monitored day: a supply code needs at least 2'] });
    expect(claimReadiness(supply({ codes: [], monitoredDays: 0 })).readiness).toBe('below_threshold');
    // 2 days already bill the low tier: the engine's code decides, not this module
    expect(claimReadiness(supply({ codes: [{ code: '98985', units: 1 }], monitoredDays: 2 })).readiness).toBe('ready');
  });

  it('is not billable when the engine withheld the code for another reason (an RPM guard)', () => {
    expect(claimReadiness(supply({ codes: [], monitoredDays: 20, reason: 'RPM active: no RTM codes' }))).toMatchObject({ readiness: 'not_billable', reasons: ['RPM active: no RTM codes'] });
  });

  it('tells a missing communication from other missing documentation, communication first', () => {
    const row = supply({ checklistMissing: ['whatReviewed', 'communication', 'whatChanged'] });
    expect(claimReadiness(row)).toMatchObject({
      readiness: 'missing_communication',
      blockers: ['missing_communication', 'missing_documentation'],
      reasons: ['no interactive communication recorded in the period: log a call or video visit', 'documentation missing: what was reviewed, what changed'],
    });
    expect(claimReadiness(supply({ checklistMissing: ['whyMonitored'] }))).toMatchObject({ readiness: 'missing_documentation', reasons: ['documentation missing: why monitored'] });
  });

  it('puts the threshold before the paperwork for a period that cannot bill', () => {
    expect(claimReadiness(supply({ codes: [], monitoredDays: 1, checklistMissing: ['whatReviewed'] })).blockers).toEqual(['below_threshold', 'missing_documentation']);
  });

  it('reads management minutes and calls at 9, 10 and 19 minutes', () => {
    expect(claimReadiness(management({ codes: [], minutes: 9, interactiveCommunications: 1 }))).toMatchObject({ readiness: 'below_threshold', reasons: ['9 min logged: 1 min more for 98979'] });
    expect(claimReadiness(management({ codes: [], minutes: 9, interactiveCommunications: 0 })).blockers).toEqual(['below_threshold', 'missing_communication']);
    expect(claimReadiness(management({ codes: [], minutes: 19, interactiveCommunications: 0 }))).toMatchObject({ readiness: 'missing_communication', blockers: ['missing_communication'] });
    expect(claimReadiness(management({ codes: [{ code: '98979', units: 1 }], minutes: 10 })).readiness).toBe('ready');
  });

  it('counts rows per readiness', () => {
    const counts = countByReadiness([supply(), supply({ codes: [], monitoredDays: 0 }), management({ codes: [], minutes: 15, interactiveCommunications: 0 }), supply({ checklistMissing: ['whatChanged'] })]);
    expect(counts).toEqual({ ready: 1, not_billable: 0, below_threshold: 1, missing_communication: 1, missing_documentation: 1 });
  });
});
