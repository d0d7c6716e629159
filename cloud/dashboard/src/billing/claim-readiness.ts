/**
 * Claim readiness of one row of the month's billing report: can the clinic claim it, and if not, what is in
 * the way. Derived only from the row (codes, days, minutes, interactive communications and the period's
 * documentation checklist gaps), by the thresholds the billing engine itself uses, so the page and the export
 * never disagree. An open period is "provisional": its count can still change before it closes.
 */
import type { ReportRow } from '../api/endpoints.ts';
import { LOW_TIER_MIN_DAYS } from '../../../src/billing/supply-code.ts';
import { nextManagementCode } from '../../../src/billing/management-codes.ts';

export type Readiness = 'ready' | 'not_billable' | 'below_threshold' | 'missing_communication' | 'missing_documentation';
type Blocker = Exclude<Readiness, 'ready'>;

/** What blocks most first: nothing else matters for a row that cannot bill at all. */
const BLOCKER_ORDER: readonly Blocker[] = ['not_billable', 'below_threshold', 'missing_communication', 'missing_documentation'];

export const READINESS_LABEL: Record<Readiness, string> = {
  ready: 'Ready',
  not_billable: 'Not billable',
  below_threshold: 'Below threshold',
  missing_communication: 'Missing communication',
  missing_documentation: 'Missing documentation',
};

/** The documentation questions (billing/documentation-checklist.ts CHECKLIST_KEYS) as staff read them. */
export const QUESTION_LABEL: Record<string, string> = {
  whyMonitored: 'why monitored',
  whatCollected: 'what was collected',
  whatReviewed: 'what was reviewed',
  communication: 'what communication occurred',
  whatChanged: 'what changed',
};

export interface ClaimReadiness {
  readiness: Readiness;
  /** every blocker, most blocking first (empty when ready) */
  blockers: Blocker[];
  /** one sentence per blocker, saying what to do */
  reasons: string[];
  /** the period is still open: the codes may change before it closes */
  provisional: boolean;
}

type Row = Pick<ReportRow, 'type' | 'codes' | 'monitoredDays' | 'minutes' | 'interactiveCommunications' | 'checklistMissing' | 'status' | 'reason'>;

export function claimReadiness(row: Row): ClaimReadiness {
  const found = new Map<Blocker, string>();
  if (row.type === 'supply') {
    const days = row.monitoredDays ?? 0;
    if (row.codes.length === 0) {
      if (days < LOW_TIER_MIN_DAYS) found.set('below_threshold', `${days} monitored ${days === 1 ? 'day' : 'days'}: a supply code needs at least ${LOW_TIER_MIN_DAYS}`);
      else found.set('not_billable', row.reason || 'no code for this period');
    }
    if (row.checklistMissing.includes('communication')) found.set('missing_communication', 'no interactive communication recorded in the period: log a call or video visit');
    const questions = row.checklistMissing.filter((key) => key !== 'communication');
    if (questions.length > 0) found.set('missing_documentation', `documentation missing: ${questions.map((key) => QUESTION_LABEL[key] ?? key).join(', ')}`);
  } else if (row.codes.length === 0) {
    const minutes = row.minutes ?? 0;
    const next = nextManagementCode(minutes);
    if (next.code === '98979') found.set('below_threshold', `${minutes} min logged: ${next.minutesToGo} min more for 98979`);
    if ((row.interactiveCommunications ?? 0) < 1) found.set('missing_communication', 'no real-time interactive communication this month: treatment management needs a call or video visit');
    if (found.size === 0) found.set('not_billable', row.reason || 'no management code');
  }
  const blockers = BLOCKER_ORDER.filter((b) => found.has(b));
  return { readiness: blockers[0] ?? 'ready', blockers, reasons: blockers.map((b) => found.get(b)!), provisional: row.status === 'open' };
}

/** How many rows are in each readiness, for the month's summary. */
export function countByReadiness(rows: readonly Row[]): Record<Readiness, number> {
  const counts: Record<Readiness, number> = { ready: 0, not_billable: 0, below_threshold: 0, missing_communication: 0, missing_documentation: 0 };
  for (const row of rows) counts[claimReadiness(row).readiness] += 1;
  return counts;
}
