/**
 * Each billing code of the supply period and of the month: met, or what is still missing in plain words
 * ("3 more days", "12 more minutes", "no interactive communication", "documentation: 2 questions
 * unanswered"). Whether a code is met is the API's decision (the period's and the month's billed codes); the
 * gaps use the engine's own thresholds and rules (supply-code.ts, management-codes.ts, work-items.ts).
 */
import { missingDocumentation, type DocumentationQuestion } from '../../../src/clinical/work-items.ts';
import { plural } from '../components/format.ts';
import type { BillingPeriods } from './patient-data-types.ts';
import type { SupplyStatus } from './supply-status.ts';

export type CodeState = 'met' | 'missing' | 'not_applicable';

export interface CodeStatus {
  code: string;
  what: string;
  state: CodeState;
  /** what the figures are now */
  detail: string;
  /** what is still needed (empty when met or not applicable) */
  missing: string[];
}

export const QUESTION_LABELS: Record<DocumentationQuestion, string> = {
  whyMonitored: 'why monitored',
  whatReviewed: 'what was reviewed',
  communication: 'what communication occurred',
  whatChanged: 'what changed',
};

type Period = BillingPeriods['periods'][number];

const NO_CALL = 'no interactive communication';
const billed = (codes: readonly { code: string; units: number }[], code: string): number => codes.find((c) => c.code === code)?.units ?? 0;

export function periodCodeStatuses(period: Period, supply: SupplyStatus, setup: BillingPeriods['setup'], firstPeriodIndex: number): CodeStatus[] {
  const lines: CodeStatus[] = [];
  const days = `${period.monitoredDays} monitored ${period.monitoredDays === 1 ? 'day' : 'days'}`;
  const left = supply.daysLeft > 0 ? ` (${plural(supply.daysLeft, 'day')} left)` : '';
  if (supply.highCode) {
    const met = period.supplyCode === supply.highCode;
    lines.push({
      code: supply.highCode,
      what: 'Device supply, 16-30 days',
      state: met ? 'met' : 'missing',
      detail: days,
      missing: met ? [] : supply.moreDaysForHigh <= supply.daysLeft ? [`${plural(supply.moreDaysForHigh, 'more day')}${left}`] : [`${plural(supply.moreDaysForHigh, 'more day')}: out of reach this period${left}`],
    });
  }
  if (supply.lowCode) {
    const met = period.supplyCode === supply.lowCode;
    const higher = period.supplyCode !== null && period.supplyCode === supply.highCode;
    lines.push({
      code: supply.lowCode,
      what: 'Device supply, 2-15 days',
      state: met ? 'met' : higher ? 'not_applicable' : 'missing',
      detail: higher ? `the 16-30 day code is billed instead` : met ? `${days}; billed if the period ends below 16` : days,
      missing: met || higher ? [] : [`${plural(supply.moreDaysForLow, 'more day')}${left}`],
    });
  }
  const setupHere = setup.periodIndex === period.index && setup.code !== null;
  const setupElsewhere = setup.code !== null && setup.periodIndex !== period.index;
  // 98975 goes with the episode's first supply period or not at all: once that period ends short, it is gone
  const firstPeriod = period.index === firstPeriodIndex && supply.daysLeft > 0;
  const setupShort = Math.max(0, setup.thresholdDays - period.monitoredDays);
  lines.push({
    code: '98975',
    what: 'Set-up and patient education, once per episode',
    state: setupHere ? 'met' : setupElsewhere || !firstPeriod ? 'not_applicable' : 'missing',
    detail: setupHere
      ? `billed with this period (${days}, threshold ${setup.thresholdDays})`
      : setupElsewhere
        ? `billed with period #${(setup.periodIndex ?? 0) + 1}`
        : firstPeriod
          ? `${days} of the ${setup.thresholdDays} the first period needs`
          : setup.reason,
    missing: setupHere || setupElsewhere || !firstPeriod ? [] : [`${plural(setupShort, 'more day')} in this first period${left}`],
  });
  return lines;
}

export interface MonthFacts {
  minutes: number;
  interactiveCommunications: number;
  codes: readonly { code: string; units: number }[];
  answers: { whyMonitored: string | null; whatReviewed: string | null; communication: string | null; whatChanged: string | null };
  diagnosis: string | null;
  dataReviews: number;
}

export function monthCodeStatuses(month: MonthFacts): CodeStatus[] {
  const m = Math.floor(month.minutes);
  const call = month.interactiveCommunications > 0;
  const minutes = `${m} min logged${call ? `, ${plural(month.interactiveCommunications, 'live interaction')}` : ''}`;
  const lines: CodeStatus[] = [];
  const has98979 = billed(month.codes, '98979') > 0;
  const has98980 = billed(month.codes, '98980') > 0;
  const units98981 = billed(month.codes, '98981');

  lines.push({
    code: '98979',
    what: 'Treatment management, 10-19 minutes',
    state: has98979 ? 'met' : m >= 20 ? 'not_applicable' : 'missing',
    detail: m >= 20 && !has98979 ? `${minutes}: 98980 applies instead` : minutes,
    missing: has98979 || m >= 20 ? [] : [...(m < 10 ? [`${10 - m} more minutes`] : []), ...(call ? [] : [NO_CALL])],
  });
  lines.push({
    code: '98980',
    what: 'Treatment management, first 20 minutes',
    state: has98980 ? 'met' : 'missing',
    detail: minutes,
    missing: has98980 ? [] : [...(m < 20 ? [`${20 - m} more minutes`] : []), ...(call ? [] : [NO_CALL])],
  });
  // one more unit at each further full 20 minutes: 40, 60, ...
  const nextUnitAt = 20 + 20 * (Math.max(0, Math.floor((m - 20) / 20)) + 1);
  lines.push({
    code: '98981',
    what: 'Treatment management, each further 20 minutes',
    state: units98981 > 0 ? 'met' : 'missing',
    detail: units98981 > 0 ? `${plural(units98981, 'unit')}; the next at ${nextUnitAt} min (${nextUnitAt - m} more minutes)` : minutes,
    missing: units98981 > 0 ? [] : [`${nextUnitAt - m} more minutes`, ...(call ? [] : [NO_CALL])],
  });

  const unanswered = missingDocumentation({ documentation: month.answers, diagnosis: month.diagnosis, communications: month.interactiveCommunications });
  lines.push({
    code: 'Documentation',
    what: "The month's documentation questions",
    state: unanswered.length === 0 ? 'met' : 'missing',
    detail: unanswered.length === 0 ? 'all answered' : `unanswered: ${unanswered.map((q) => QUESTION_LABELS[q]).join(', ')}`,
    missing: unanswered.length === 0 ? [] : [`documentation: ${plural(unanswered.length, 'question')} unanswered`],
  });
  lines.push({
    code: 'Data review',
    what: "A person reviewed the month's data",
    state: month.dataReviews > 0 ? 'met' : 'missing',
    detail: month.dataReviews > 0 ? plural(month.dataReviews, 'review') : 'none recorded',
    missing: month.dataReviews > 0 ? [] : ['no data review recorded'],
  });
  return lines;
}
