/**
 * The patient page's billing words, without a browser: where a supply period stands against the 16-30 and
 * 2-15 day tiers, and what each month code still misses ("3 more days", "12 more minutes", "no interactive
 * communication", "documentation: 2 questions unanswered"). Met is the API's decision; the gaps follow the
 * billing engine's thresholds.
 */
import { describe, expect, it } from 'vitest';
import { monthCodeStatuses, periodCodeStatuses } from '../../dashboard/src/patient/billing-status.ts';
import { supplyStatus } from '../../dashboard/src/patient/supply-status.ts';

const period = { startDate: '2026-11-14', endDate: '2026-12-13' };
const noAnswers = { whyMonitored: null, whatReviewed: null, communication: null, whatChanged: null };
const byCode = <T extends { code: string }>(lines: T[], code: string): T => lines.find((l) => l.code === code)!;

describe('supply period status', () => {
  it('counts the days still needed for 16 against the days left, today once', () => {
    const status = supplyStatus({ bodySystem: 'respiratory', ...period, monitoredDays: 13, asOfDate: '2026-12-04', todayMonitored: true });
    expect(status).toMatchObject({ highCode: '98976', lowCode: '98984', moreDaysForHigh: 3, daysLeft: 9, reach: 'high-reachable' });
    expect(status.text).toBe('The 2-15 day tier (98984) so far; 3 more days for the 16-30 day tier (98976), 9 days left');
  });

  it('says when 16 is out of reach and the lower tier holds, and when nothing can be billed', () => {
    const low = supplyStatus({ bodySystem: 'musculoskeletal', ...period, monitoredDays: 5, asOfDate: '2026-12-10', todayMonitored: false });
    expect(low).toMatchObject({ lowCode: '98985', daysLeft: 4, reach: 'low-holds' });
    expect(low.text).toBe('16 days are out of reach (4 days left): the 2-15 day tier (98985) holds');
    const none = supplyStatus({ bodySystem: 'cbt', ...period, monitoredDays: 1, asOfDate: '2026-12-14', todayMonitored: false });
    expect(none).toMatchObject({ daysLeft: 0, reach: 'none' });
    expect(supplyStatus({ bodySystem: 'cbt', ...period, monitoredDays: 16, asOfDate: '2026-12-01', todayMonitored: true }).text).toBe('16-30 day tier reached: 98978');
  });

  it('lists the period codes: supply met by the API, the lower tier then not applicable, 98975 short of its threshold', () => {
    const facts = { bodySystem: 'respiratory', ...period, monitoredDays: 13, asOfDate: '2026-12-04', todayMonitored: false };
    const lines = periodCodeStatuses(
      { index: 0, episode: 1, ...period, status: 'open', monitoredDays: 13, deviceActiveDays: 14, supplyCode: '98984', setupCode: null, codes: [], evidence: {}, amendment: null, exportId: null },
      supplyStatus(facts),
      { code: null, periodIndex: null, thresholdDays: 16, reason: 'below threshold' },
      0,
    );
    expect(byCode(lines, '98976')).toMatchObject({ state: 'missing', missing: ['3 more days (10 days left)'] });
    expect(byCode(lines, '98984')).toMatchObject({ state: 'met', missing: [] });
    expect(byCode(lines, '98975')).toMatchObject({ state: 'missing', missing: ['3 more days in this first period (10 days left)'] });
    // once the first period has ended short, 98975 is out for the episode
    const ended = periodCodeStatuses(
      { index: 0, episode: 1, ...period, status: 'closed', monitoredDays: 13, deviceActiveDays: 14, supplyCode: '98984', setupCode: null, codes: [], evidence: {}, amendment: null, exportId: null },
      supplyStatus({ ...facts, asOfDate: '2026-12-20' }),
      { code: null, periodIndex: null, thresholdDays: 16, reason: '98975 not billable: below the threshold' },
      0,
    );
    expect(byCode(ended, '98975')).toMatchObject({ state: 'not_applicable', detail: '98975 not billable: below the threshold', missing: [] });
  });
});

describe('month code status', () => {
  it('names the minutes, the missing call, the unanswered questions and the review', () => {
    const lines = monthCodeStatuses({ minutes: 8, interactiveCommunications: 0, codes: [], answers: { ...noAnswers, whatReviewed: 'Reviewed doses' }, diagnosis: 'COPD', dataReviews: 0 });
    expect(byCode(lines, '98979').missing).toEqual(['2 more minutes', 'no interactive communication']);
    expect(byCode(lines, '98980').missing).toEqual(['12 more minutes', 'no interactive communication']);
    expect(byCode(lines, '98981').missing).toEqual(['32 more minutes', 'no interactive communication']);
    // whyMonitored falls back to the diagnosis on file; communication and whatChanged are unanswered
    expect(byCode(lines, 'Documentation')).toMatchObject({ state: 'missing', missing: ['documentation: 2 questions unanswered'] });
    expect(byCode(lines, 'Documentation').detail).toBe('unanswered: what communication occurred, what changed');
    expect(byCode(lines, 'Data review')).toMatchObject({ state: 'missing', missing: ['no data review recorded'] });
  });

  it('takes met from the billed codes: 98980 with one 98981, 98979 then not applicable', () => {
    const lines = monthCodeStatuses({
      minutes: 47, interactiveCommunications: 1, codes: [{ code: '98980', units: 1 }, { code: '98981', units: 1 }],
      answers: { whyMonitored: 'a', whatReviewed: 'b', communication: null, whatChanged: 'No change' }, diagnosis: null, dataReviews: 2,
    });
    expect(byCode(lines, '98979').state).toBe('not_applicable');
    expect(byCode(lines, '98980')).toMatchObject({ state: 'met', missing: [] });
    expect(byCode(lines, '98981')).toMatchObject({ state: 'met', detail: '1 unit; the next at 60 min (13 more minutes)' });
    // the logged call answers "what communication occurred"
    expect(byCode(lines, 'Documentation').state).toBe('met');
    expect(byCode(lines, 'Data review')).toMatchObject({ state: 'met', detail: '2 reviews' });
  });
});
