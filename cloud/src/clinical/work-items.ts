/**
 * The month's work for one patient, computed from a snapshot of what has been recorded (pure: no I/O, no
 * clock). Each item is open until the work is recorded; recomputing after a write is what closes it.
 *
 * Kinds:
 *  - data_review: no data review recorded for the month.
 *  - interactive_communication: no real-time call or video in the month; 98979/98980 need one (§2.8, §3.4).
 *  - management_time: minutes logged (device logistics excluded) and minutes to the next code
 *    (98979 at 10, 98980 at 20, one more 98981 at each further full 20); open until the first code's 10 min.
 *  - documentation: checklist questions still unanswered (same rules as documentation-checklist.ts).
 *  - alerts: live alerts (open or acknowledged) by severity.
 *  - supply_days: monitored days still needed for 16 (or 2, once 16 is out of reach) against the days
 *    left in the current 30-day supply period.
 * A previous month still in its closing window ("closing") carries only what can still be done after the
 * month ended: its documentation and its data review.
 *
 * Urgency (higher = sooner; the worklist's sort key):
 *   1,000,000 x urgent alerts (max 9)
 * +   100,000 x supply risk: 4 - slack for an open supply item with slack 0..3 (slack = days left - days needed)
 * +    10,000 x high alerts (max 9)
 * +     1,000 x closing soon: 8 - days left in the month (or its closing window) when 7 or fewer remain and
 *                month work (review, call, time, documentation) is open
 * +       100 x normal alerts (max 9)
 * +        10 x open items (max 9)
 * Levels: urgent >= 300,000 (an urgent alert, or a period that needs every day but at most one), high >=
 * 10,000, normal > 0, none = 0 (nothing open).
 */
import { addDays, daysBetween, type LocalDate, type LocalMonth } from '../billing/local-date.ts';
import { nextManagementCode, type NextManagementCode } from '../billing/management-codes.ts';
import { HIGH_TIER_MIN_DAYS, LOW_TIER_MIN_DAYS } from '../billing/supply-code.ts';

export const WORK_ITEM_KINDS = ['alerts', 'supply_days', 'interactive_communication', 'management_time', 'data_review', 'documentation'] as const;
export type WorkItemKind = (typeof WORK_ITEM_KINDS)[number];
export type WorkSeverity = 'urgent' | 'high' | 'normal';
export type WorkItemStatus = 'open' | 'done' | 'missed';
export type UrgencyLevel = 'urgent' | 'high' | 'normal' | 'none';

export const URGENCY_THRESHOLDS: Readonly<Record<Exclude<UrgencyLevel, 'none'>, number>> = { urgent: 300_000, high: 10_000, normal: 1 };

/** Documentation questions the clinic answers (whatCollected is derived from the data, never missing). */
export const DOCUMENTATION_QUESTIONS = ['whyMonitored', 'whatReviewed', 'communication', 'whatChanged'] as const;
export type DocumentationQuestion = (typeof DOCUMENTATION_QUESTIONS)[number];

export interface PatientMonthSnapshot {
  patientId: string;
  month: LocalMonth;
  /** first and last patient-local dates of the month */
  monthFirst: LocalDate;
  monthLast: LocalDate;
  /** patient-local today */
  today: LocalDate;
  /** a previous month kept until its documentation window ends (`windowEnds`, inclusive) */
  closing: boolean;
  windowEnds: LocalDate | null;
  rpmActive: boolean;
  diagnosis: string | null;
  /** management minutes that count (device logistics excluded) and the device-logistics minutes */
  minutes: number;
  excludedMinutes: number;
  communications: number;
  dataReviews: number;
  therapyChanges: number;
  documentation: { whyMonitored: string | null; whatReviewed: string | null; communication: string | null; whatChanged: string | null } | null;
  alerts: { urgent: number; high: number; normal: number };
  /** the supply period holding `today` (absent before the anchor or for closing months) */
  period: { index: number; startDate: LocalDate; endDate: LocalDate; monitoredDays: number; todayMonitored: boolean } | null;
}

export interface WorkItem {
  kind: WorkItemKind;
  status: WorkItemStatus;
  severity: WorkSeverity;
  title: string;
  action: string;
  due: LocalDate | null;
}

export interface WorkSummary {
  minutes: number;
  excludedMinutes: number;
  nextCode: NextManagementCode;
  communications: number;
  dataReviews: number;
  therapyChanges: number;
  documentationMissing: DocumentationQuestion[];
  alerts: { urgent: number; high: number; normal: number };
  period: { index: number; startDate: LocalDate; endDate: LocalDate; monitoredDays: number; daysLeft: number; neededFor2: number; neededFor16: number } | null;
  /** days from today to the month's last day (or its closing window's end), inclusive */
  daysLeft: number;
  closing: boolean;
  windowEnds: LocalDate | null;
  level: UrgencyLevel;
  /** kinds of the open items (the worklist counts read this instead of the items) */
  openKinds: WorkItemKind[];
}

export interface ComputedWorkItems {
  items: WorkItem[];
  openItems: number;
  urgency: number;
  summary: WorkSummary;
}

const blank = (s: string | null | undefined) => !s || s.trim().length === 0;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function missingDocumentation(s: Pick<PatientMonthSnapshot, 'documentation' | 'diagnosis' | 'communications'>): DocumentationQuestion[] {
  const d = s.documentation;
  const missing: DocumentationQuestion[] = [];
  // the billing checklist falls back to the diagnosis on file and to the month's logged calls
  if (blank(d?.whyMonitored) && blank(s.diagnosis)) missing.push('whyMonitored');
  if (blank(d?.whatReviewed)) missing.push('whatReviewed');
  if (blank(d?.communication) && s.communications === 0) missing.push('communication');
  if (blank(d?.whatChanged)) missing.push('whatChanged');
  return missing;
}

export function urgencyLevel(urgency: number): UrgencyLevel {
  if (urgency >= URGENCY_THRESHOLDS.urgent) return 'urgent';
  if (urgency >= URGENCY_THRESHOLDS.high) return 'high';
  return urgency >= URGENCY_THRESHOLDS.normal ? 'normal' : 'none';
}

function supplyItem(s: PatientMonthSnapshot): { item: WorkItem; summary: NonNullable<WorkSummary['period']>; slack: number | null } | null {
  const p = s.period;
  if (!p || s.closing || s.rpmActive) return null;
  const m = p.monitoredDays;
  // dates from today to the period's end that can still become monitored days
  const daysLeft = daysBetween(s.today, p.endDate) + 1 - (p.todayMonitored ? 1 : 0);
  const neededFor16 = Math.max(0, HIGH_TIER_MIN_DAYS - m);
  const neededFor2 = Math.max(0, LOW_TIER_MIN_DAYS - m);
  const summary = { index: p.index, startDate: p.startDate, endDate: p.endDate, monitoredDays: m, daysLeft, neededFor2, neededFor16 };
  const base = { kind: 'supply_days' as const, due: p.endDate };
  if (neededFor16 === 0) {
    return { item: { ...base, status: 'done', severity: 'normal', title: `${m} monitored days: 16 reached this period`, action: 'nothing needed' }, summary, slack: null };
  }
  const target = neededFor16 <= daysLeft ? HIGH_TIER_MIN_DAYS : neededFor2 > 0 && neededFor2 <= daysLeft ? LOW_TIER_MIN_DAYS : null;
  if (target === null) {
    const title = m >= LOW_TIER_MIN_DAYS ? `${m} monitored days: 16 is out of reach (${daysLeft} days left), the 2-15 day code holds` : `${m} monitored day(s): 2 is out of reach, no supply code this period`;
    return { item: { ...base, status: m >= LOW_TIER_MIN_DAYS ? 'done' : 'missed', severity: 'normal', title, action: 'nothing can change this period' }, summary, slack: null };
  }
  const needed = target === HIGH_TIER_MIN_DAYS ? neededFor16 : neededFor2;
  const slack = daysLeft - needed;
  const severity: WorkSeverity = slack <= 1 ? 'urgent' : slack <= 3 ? 'high' : 'normal';
  return {
    item: {
      ...base,
      status: 'open',
      severity,
      title: `${m} of ${target} days, ${plural(needed, 'more day')} needed, ${plural(daysLeft, 'day')} left (period ends ${p.endDate})`,
      action: slack <= 3 ? 'contact the patient: every remaining day counts' : 'watch the cap is used daily',
    },
    summary,
    slack,
  };
}

export function computeWorkItems(s: PatientMonthSnapshot): ComputedWorkItems {
  const end = s.closing && s.windowEnds ? s.windowEnds : s.monthLast;
  const daysLeft = Math.max(0, daysBetween(s.today, end) + 1);
  const late = daysLeft <= 7;
  const monthSeverity: WorkSeverity = late ? 'high' : 'normal';
  const items: WorkItem[] = [];
  const nextCode = nextManagementCode(s.minutes);
  const billable = !s.rpmActive;

  const totalAlerts = s.alerts.urgent + s.alerts.high + s.alerts.normal;
  if (!s.closing) {
    const parts = (['urgent', 'high', 'normal'] as const).filter((k) => s.alerts[k] > 0).map((k) => `${s.alerts[k]} ${k}`);
    items.push({
      kind: 'alerts',
      status: totalAlerts > 0 ? 'open' : 'done',
      severity: s.alerts.urgent > 0 ? 'urgent' : s.alerts.high > 0 ? 'high' : 'normal',
      title: totalAlerts > 0 ? `${plural(totalAlerts, 'open alert')} (${parts.join(', ')})` : 'no open alerts',
      action: totalAlerts > 0 ? 'acknowledge and act on the alerts' : 'nothing needed',
      due: null,
    });
  }

  const supply = supplyItem(s);
  if (supply) items.push(supply.item);

  if (!s.closing && billable) {
    items.push({
      kind: 'interactive_communication',
      status: s.communications > 0 ? 'done' : 'open',
      severity: monthSeverity,
      title: s.communications > 0 ? `${plural(s.communications, 'live interaction')} this month` : 'no live interaction (phone or video) this month: 98979/98980 need one',
      action: s.communications > 0 ? 'nothing needed' : 'call the patient (phone or video) and log the call',
      due: s.monthLast,
    });
    const excluded = s.excludedMinutes > 0 ? `; ${s.excludedMinutes} min device logistics not counted` : '';
    items.push({
      kind: 'management_time',
      status: s.minutes >= 10 ? 'done' : 'open',
      severity: monthSeverity,
      title: `${s.minutes} min logged, ${nextCode.minutesToGo} to ${nextCode.code}${excluded}`,
      action: s.minutes >= 10 ? 'further time only if care needs it' : 'log treatment-management time',
      due: s.monthLast,
    });
  }

  items.push({
    kind: 'data_review',
    status: s.dataReviews > 0 ? 'done' : 'open',
    severity: monthSeverity,
    title: s.dataReviews > 0 ? `data reviewed (${plural(s.dataReviews, 'review')})` : `data review due for ${s.month}`,
    action: s.dataReviews > 0 ? 'nothing needed' : "review the month's data and record the review",
    due: end,
  });

  const missing = missingDocumentation(s);
  items.push({
    kind: 'documentation',
    status: missing.length > 0 ? 'open' : 'done',
    severity: monthSeverity,
    title: missing.length > 0 ? `${plural(missing.length, 'documentation question')} unanswered: ${missing.join(', ')}` : 'documentation complete',
    action: missing.length > 0 ? "answer the month's documentation questions" : 'nothing needed',
    due: end,
  });

  const open = items.filter((i) => i.status === 'open');
  const monthWorkOpen = open.some((i) => i.kind === 'data_review' || i.kind === 'documentation' || i.kind === 'interactive_communication' || i.kind === 'management_time');
  const cap = (n: number) => Math.min(9, n);
  const supplyRisk = supply?.item.status === 'open' && supply.slack !== null && supply.slack <= 3 ? 4 - Math.max(0, supply.slack) : 0;
  const closingSoon = late && monthWorkOpen ? 8 - daysLeft : 0;
  const urgency =
    1_000_000 * cap(s.alerts.urgent) + 100_000 * supplyRisk + 10_000 * cap(s.alerts.high) + 1_000 * closingSoon + 100 * cap(s.alerts.normal) + 10 * cap(open.length);

  return {
    items,
    openItems: open.length,
    urgency,
    summary: {
      minutes: s.minutes,
      excludedMinutes: s.excludedMinutes,
      nextCode,
      communications: s.communications,
      dataReviews: s.dataReviews,
      therapyChanges: s.therapyChanges,
      documentationMissing: missing,
      alerts: { ...s.alerts },
      period: supply?.summary ?? null,
      daysLeft,
      closing: s.closing,
      windowEnds: s.windowEnds,
      level: urgencyLevel(urgency),
      openKinds: open.map((i) => i.kind),
    },
  };
}

/** Days after a month's end during which its documentation and review stay in the queue (unless exported). */
export const CLOSING_WINDOW_DAYS = 10;

/** The last date a closed month stays in the queue: the 10th of the next month. */
export const closingWindowEnd = (monthLast: LocalDate): LocalDate => addDays(monthLast, CLOSING_WINDOW_DAYS);
