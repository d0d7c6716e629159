import { z } from 'zod';
import { Month } from '../common-schemas.ts';

export const ReportParams = z.object({ month: Month });
export const ReportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
const CodeLine = z.object({ code: z.string(), units: z.number() });

/** One report row (billing/monthly-report.ts MonthlyReportRow; docs/billing.md "Monthly report"). Loose: nothing is stripped. */
export const ReportRow = z.looseObject({
  type: z.enum(['supply', 'management']),
  patientId: z.string(),
  patientReference: z.string(),
  patientName: z.string(),
  bodySystem: z.string(),
  practitioner: z.string(),
  episode: z.number(),
  periodIndex: z.number().nullable(),
  startDate: z.string(),
  endDate: z.string(),
  month: z.string(),
  monitoredDays: z.number().nullable(),
  deviceActiveDays: z.number().nullable(),
  minutes: z.number().nullable(),
  interactiveCommunications: z.number().nullable(),
  codes: z.array(CodeLine),
  serials: z.array(z.string()),
  qualifyingDates: z.array(z.string()),
  status: z.enum(['open', 'closed', 'exported', 'amended']),
  amended: z.boolean(),
  amendment: z.unknown(),
  checklistMissing: z.array(z.string()),
  evidenceRef: z.string(),
  reason: z.string(),
});

/** A supply period's evidence (billing/patient-billing.ts PeriodEvidence), keyed by the row's evidenceRef. */
export const PeriodEvidence = z.looseObject({
  startDate: z.string(),
  endDate: z.string(),
  monitoredDays: z.number(),
  deviceActiveDays: z.number(),
  qualifyingDates: z.array(z.looseObject({ date: z.string(), events: z.array(z.looseObject({ eventId: z.number(), source: z.string() })), sources: z.array(z.string()) })),
  deviceActiveOnlyDates: z.array(z.string()),
  serials: z.array(z.string()),
  practitioner: z.string(),
  reasons: z.array(z.string()),
  guards: z.array(z.string()),
  checklist: z.looseObject({ missing: z.array(z.string()), complete: z.boolean() }),
});

/** The JSON report (rows plus full evidence per period); see docs/billing.md for the row fields. */
export const Report = z.object({
  orgId: z.string(),
  month: z.string(),
  generatedAt: z.string(),
  exportId: z.number().optional(),
  exportedPeriods: z.number().optional(),
  openPeriods: z.number().optional(),
  policy: z.record(z.string(), z.unknown()),
  rows: z.array(ReportRow),
  evidence: z.record(z.string(), PeriodEvidence),
});
export const ExportList = z.object({ exports: z.array(z.object({ id: z.number(), month: z.string(), createdBy: z.string(), createdAt: z.string() })) });
