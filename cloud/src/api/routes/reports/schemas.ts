import { z } from 'zod';
import { Month } from '../common-schemas.ts';

export const ReportParams = z.object({ month: Month });
export const ReportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
/** The JSON report (rows plus full evidence per period); see docs/billing.md for the row fields. */
export const Report = z.object({
  orgId: z.string(),
  month: z.string(),
  generatedAt: z.string(),
  exportId: z.number().optional(),
  exportedPeriods: z.number().optional(),
  openPeriods: z.number().optional(),
  policy: z.record(z.string(), z.unknown()),
  rows: z.array(z.record(z.string(), z.unknown())),
  evidence: z.record(z.string(), z.unknown()),
});
export const ExportList = z.object({ exports: z.array(z.object({ id: z.number(), month: z.string(), createdBy: z.string(), createdAt: z.string() })) });
