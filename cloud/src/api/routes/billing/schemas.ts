import { z } from 'zod';
import { IsoDate, Month, Timestamp } from '../common-schemas.ts';
import { TIME_CATEGORIES } from '../../../billing/time-categories.ts';

const CodeLine = z.object({ code: z.string(), units: z.number() });

export const CalendarQuery = z.object({ period: z.coerce.number().int().min(0).max(10_000).optional(), asOf: Timestamp.optional() });
export const CalendarDay = z.object({ date: z.string(), monitored: z.boolean(), deviceActive: z.boolean(), events: z.number(), lidOpenings: z.number(), symptoms: z.number(), future: z.boolean() });
export const Calendar = z.object({
  patientId: z.string(),
  timeZone: z.string(),
  asOfDate: z.string(),
  thresholds: z.object({ low: z.number(), high: z.number() }),
  periods: z.array(
    z.object({
      index: z.number(), startDate: z.string(), endDate: z.string(), status: z.string(), monitoredDays: z.number(), deviceActiveDays: z.number(),
      supplyCode: z.string().nullable(), setupCode: z.string().nullable(), days: z.array(CalendarDay),
    }),
  ),
});

export const PeriodsQuery = z.object({ asOf: Timestamp.optional() });
export const BillingPeriods = z.object({
  patientId: z.string(),
  episode: z.number(),
  timeZone: z.string(),
  asOf: z.string(),
  totals: z.object({ monitoredDays: z.number(), deviceActiveDays: z.number() }),
  setup: z.object({ code: z.string().nullable(), periodIndex: z.number().nullable(), thresholdDays: z.number(), reason: z.string() }),
  periods: z.array(
    z.object({
      index: z.number(), episode: z.number(), startDate: z.string(), endDate: z.string(), status: z.string(), monitoredDays: z.number(),
      deviceActiveDays: z.number(), supplyCode: z.string().nullable(), setupCode: z.string().nullable(), codes: z.array(CodeLine),
      evidence: z.record(z.string(), z.unknown()), amendment: z.unknown().nullable(), exportId: z.number().nullable(),
    }),
  ),
  management: z.array(z.object({ month: z.string(), minutes: z.number(), excludedMinutes: z.number().optional(), interactiveCommunications: z.number(), codes: z.array(CodeLine), reason: z.string() })),
});

/**
 * A time entry is either measured (startedAt and endedAt: minutes are the whole minutes between them) or
 * manual (performedAt and minutes; a person must give manualReason). `staff` defaults to the signed-in
 * user's name; a machine token must give it.
 */
export const TimeEntryBody = z
  .object({
    staff: z.string().trim().min(1).max(200).optional(),
    minutes: z.number().int().min(1).max(1440).optional(),
    activity: z.string().trim().min(1).max(500),
    performedAt: Timestamp.optional(),
    startedAt: Timestamp.optional(),
    endedAt: Timestamp.optional(),
    category: z.enum(TIME_CATEGORIES).optional(),
    manualReason: z.string().trim().min(1).max(2000).optional(),
  })
  .refine((b) => (b.startedAt === undefined) === (b.endedAt === undefined), { message: 'startedAt and endedAt go together', path: ['endedAt'] })
  .refine((b) => b.startedAt !== undefined || (b.performedAt !== undefined && b.minutes !== undefined), { message: 'give startedAt and endedAt, or performedAt and minutes', path: ['performedAt'] });
export const TimeEntry = z.object({
  id: z.number(), staff: z.string(), minutes: z.number(), activity: z.string(), performedAt: z.string(), month: z.string(),
  userId: z.string().nullable().optional(), category: z.string().optional(), countsTowardManagement: z.boolean().optional(), entryKind: z.enum(['timer', 'manual']).optional(),
  startedAt: z.string().nullable().optional(), endedAt: z.string().nullable().optional(), manualReason: z.string().nullable().optional(),
});
export const CommunicationBody = z.object({
  at: Timestamp, minutes: z.number().int().min(1).max(1440), modality: z.enum(['phone', 'video']), staff: z.string().trim().min(1).max(200).optional(), note: z.string().max(2000).optional(),
});
export const Communication = z.object({
  id: z.number(), at: z.string(), minutes: z.number(), modality: z.string(), staff: z.string(), note: z.string().nullable(), month: z.string(), userId: z.string().nullable().optional(),
});

const Suggestion = z.object({ text: z.string(), source: z.enum(['care_plan.goal', 'therapy_changes']), suggested: z.literal(true) });
export const MonthParams = z.object({ patientId: z.uuid(), month: Month });
const Answer = z.string().max(4000).nullable().optional();
export const DocumentationBody = z.object({ whyMonitored: Answer, whatCollected: Answer, whatReviewed: Answer, communication: Answer, whatChanged: Answer });
export const Documentation = z.object({
  month: z.string(),
  answers: z.object({ whyMonitored: z.string().nullable(), whatCollected: z.string().nullable(), whatReviewed: z.string().nullable(), communication: z.string().nullable(), whatChanged: z.string().nullable() }),
  management: z.object({ minutes: z.number(), excludedMinutes: z.number().optional(), interactiveCommunications: z.number(), codes: z.array(CodeLine), reason: z.string() }),
  timeEntries: z.array(TimeEntry),
  communications: z.array(Communication),
  periods: z.array(z.object({ index: z.number(), startDate: z.string(), endDate: z.string(), checklist: z.record(z.string(), z.unknown()) })),
  /** suggested answers for unanswered questions (never saved until staff save them) */
  suggestions: z.object({ whyMonitored: Suggestion.nullable(), whatChanged: Suggestion.nullable() }),
});

export const RangeQuery = z
  .object({ from: IsoDate.optional(), to: IsoDate.optional() })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
/** Adherence analytics (C2's cloud/src/adherence, docs/billing.md §Adherence): per-day doses and the summary. */
export const Adherence = z.object({
  patientId: z.string(),
  from: z.string(),
  to: z.string(),
  zone: z.string(),
  regimen: z.object({ dosesPerDay: z.number(), reminderMinutes: z.array(z.number()).optional() }),
  options: z.object({
    mergeWindowMin: z.number(), timingWindowMin: z.number(), drugHolidayMinDays: z.number(), earlyMorningBelongsToPreviousDay: z.boolean(), earlyMorningEndMin: z.number(), intervalTolerance: z.number(),
  }),
  summary: z.object({
    observedDays: z.number(), nonMonitoredDays: z.number(), expectedDoses: z.number(), rawOpenings: z.number(), doses: z.number(), takenDoses: z.number(), extraDoses: z.number(),
    takingAdherence: z.number().nullable(), correctDosingDays: z.number(), correctDosingShare: z.number().nullable(), timingAdherence: z.number().nullable(), onTimeDoses: z.number(),
    intervals: z.object({ count: z.number(), withinWindow: z.number(), tooShort: z.number(), tooLong: z.number(), idealHours: z.number(), withinShare: z.number().nullable(), tooShortShare: z.number().nullable() }),
    drugHolidays: z.object({ count: z.number(), longestDays: z.number(), list: z.array(z.object({ from: z.string(), to: z.string(), days: z.number() })) }),
    persistence: z.object({ firstDose: z.string().nullable(), lastDose: z.string().nullable(), days: z.number().nullable() }),
  }),
  days: z.array(
    z.object({
      date: z.string(), observed: z.boolean(), expected: z.number().nullable(), rawOpenings: z.number().nullable(), doses: z.number().nullable(), taken: z.number().nullable(), extra: z.number().nullable(), correct: z.boolean().nullable(),
      onTime: z.number().nullable(), doseTimes: z.array(z.string()),
    }),
  ),
});
export const Symptoms = z.object({
  from: z.string(), to: z.string(),
  symptoms: z.array(z.object({ eventId: z.number(), at: z.string(), localDate: z.string(), localTime: z.string(), pattern: z.number(), label: z.string(), serial: z.string().nullable() })),
});

