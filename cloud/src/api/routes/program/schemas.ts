import { z } from 'zod';
import { Month } from '../common-schemas.ts';
import { FEE_CODES, feeScheduleOverrideSchema } from '../../../clinical/fee-schedule.ts';

export const MetricsQuery = z
  .object({ from: Month, to: Month, coordinator: z.uuid().optional() })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })
  .refine((q) => monthSpan(q.from, q.to) <= 36, { message: 'at most 36 months at a time', path: ['to'] });

function monthSpan(from: string, to: string): number {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm) + 1;
}

const Share = z.number().nullable();
const Revenue = z.object({ amount: z.number(), currency: z.literal('USD'), estimate: z.boolean(), unpriced: z.array(z.object({ code: z.string(), units: z.number() })) });
const Retention = z.object({ eligible: z.number(), retained: z.number(), share: Share });
const MetricsRow = z.object({
  enrolled: z.number(),
  activated: z.number(),
  medianDaysToActivation: z.number().nullable(),
  periods: z.object({ closed: z.number(), monitoredDaysPerPeriod: z.number().nullable(), reached2: Share, reached16: Share }),
  retention: z.object({ d30: Retention, d60: Retention, d90: Retention }),
  alerts: z.object({ raised: z.number(), acknowledged: z.number(), medianMinutesToAcknowledge: z.number().nullable() }),
  interventions: z.object({ communications: z.number(), therapyChanges: z.number(), patientMonths: z.number(), perPatientMonth: z.number().nullable() }),
  adherence: z.object({ patients: z.number(), first30: Share, latest30: Share, change: z.number().nullable() }),
  codes: z.record(z.string(), z.number()),
  expectedRevenue: Revenue,
});
export const FeeEntry = z.object({
  code: z.enum(FEE_CODES), amount: z.number().nullable(), currency: z.literal('USD'), estimate: z.boolean(), source: z.string(), overridden: z.boolean(),
});
export const FeeSchedule = z.object({ entries: z.array(FeeEntry) });
export const Metrics = z.object({
  from: z.string(),
  to: z.string(),
  months: z.array(MetricsRow.extend({ month: z.string() })),
  coordinators: z.array(MetricsRow.extend({ coordinatorId: z.string().nullable(), name: z.string().nullable() })),
  total: MetricsRow,
  feeSchedule: z.array(FeeEntry),
});
/** The organisation's amounts, code by code; codes left out keep the seeded default. `{ amounts: {} }` resets. */
export const FeeScheduleBody = z.object({ amounts: feeScheduleOverrideSchema });
