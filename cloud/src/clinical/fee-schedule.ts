/**
 * The fee schedule behind "expected revenue" in the program metrics. Seeded with what the reference
 * (billing-rules.md, the only source this product carries) gives as an amount: for CY2026 that is ONE figure,
 * a vendor-quoted national average for 98985 ($40.08, marked [S]). The reference gives no national
 * non-facility amount for any other RTM code (98979 only a work RVU of 0.31, which is not a payment amount),
 * so those are left without an amount and said so, rather than invented. Every seeded amount is an estimate;
 * an organisation sets its own (its MAC's locality amounts, its contracts) in
 * `organisations.settings.feeSchedule`, which overrides code by code. Codes without an amount are reported
 * as unpriced units next to the revenue, never counted as zero silently.
 */
import { z } from 'zod';
import { ClinicalWorkError } from './clinical-work-error.ts';

export const FEE_CODES = ['98975', '98976', '98977', '98978', '98984', '98985', '98986', '98979', '98980', '98981'] as const;
export type FeeCode = (typeof FEE_CODES)[number];

export interface FeeEntry {
  code: FeeCode;
  /** USD per unit; null = no amount known */
  amount: number | null;
  currency: 'USD';
  estimate: boolean;
  source: string;
  /** true when the organisation's settings set this entry */
  overridden: boolean;
}

const NO_AMOUNT = (code: string, extra = '') =>
  `billing-rules.md gives no CY2026 national amount for ${code}${extra}; set the organisation's amount in settings.feeSchedule (PUT /v1/program/fee-schedule)`;

export const DEFAULT_FEE_SCHEDULE: readonly Omit<FeeEntry, 'overridden'>[] = Object.freeze(
  FEE_CODES.map((code): Omit<FeeEntry, 'overridden'> => {
    if (code === '98985') {
      return {
        code, amount: 40.08, currency: 'USD', estimate: true,
        source: 'billing-rules.md §1.1 (CY2026): "one vendor quotes a $40.08 national average" [S]; not checked against the CY2026 PFS national non-facility amount',
      };
    }
    return { code, amount: null, currency: 'USD', estimate: true, source: NO_AMOUNT(code, code === '98979' ? ' (only a work RVU of 0.31, not a payment amount)' : '') };
  }),
);

const overrideEntry = z
  .object({
    amount: z.number().min(0).max(100_000).nullable(),
    estimate: z.boolean().default(true),
    source: z.string().trim().min(1).max(500),
  })
  .strict();

/** The shape of organisations.settings.feeSchedule: per code, the organisation's amount and where it comes from. */
export const feeScheduleOverrideSchema = z.partialRecord(z.enum(FEE_CODES), overrideEntry);
export type FeeScheduleOverride = z.infer<typeof feeScheduleOverrideSchema>;

/** A stored override that no longer parses: 422, so an administrator fixes it instead of a silent default. */
export class InvalidFeeScheduleError extends ClinicalWorkError {
  constructor(issues: string) {
    super(422, 'invalid_fee_schedule', `invalid fee schedule in the organisation's settings: ${issues}; an administrator can replace it (PUT /v1/program/fee-schedule)`);
    this.name = 'InvalidFeeScheduleError';
  }
}

/** The organisation's effective schedule: the seeded defaults, overridden code by code. */
export function feeScheduleFrom(settings: unknown): FeeEntry[] {
  const raw = settings && typeof settings === 'object' ? (settings as Record<string, unknown>).feeSchedule : undefined;
  const parsed = feeScheduleOverrideSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new InvalidFeeScheduleError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return DEFAULT_FEE_SCHEDULE.map((d) => {
    const o = parsed.data[d.code];
    return o ? { code: d.code, amount: o.amount, currency: 'USD', estimate: o.estimate, source: o.source, overridden: true } : { ...d, overridden: false };
  });
}

export interface Revenue {
  amount: number;
  currency: 'USD';
  /** true when any priced line rests on an estimate */
  estimate: boolean;
  /** units earned of codes the schedule has no amount for: not in `amount` */
  unpriced: { code: string; units: number }[];
}

/** Expected revenue of earned units under a schedule (cents rounded once, at the end). */
export function expectedRevenue(units: ReadonlyMap<string, number> | Record<string, number>, schedule: readonly FeeEntry[]): Revenue {
  const entries = units instanceof Map ? [...units] : Object.entries(units);
  const byCode = new Map(schedule.map((e) => [e.code as string, e]));
  let cents = 0;
  let estimate = false;
  const unpriced: Revenue['unpriced'] = [];
  for (const [code, n] of entries.sort(([a], [b]) => a.localeCompare(b))) {
    if (n <= 0) continue;
    const fee = byCode.get(code);
    if (!fee || fee.amount === null) {
      unpriced.push({ code, units: n });
      continue;
    }
    cents += Math.round(fee.amount * 100) * n;
    estimate ||= fee.estimate;
  }
  return { amount: cents / 100, currency: 'USD', estimate, unpriced };
}
