/**
 * Adherence analytics settings (billing-rules.md §4). Kept per organisation in
 * `organisations.settings.adherence`; every cleaning rule changes outcomes (§4.3), so the options in force
 * are returned with every report.
 */
import { z } from 'zod';

export interface AdherenceOptions {
  /** openings within this many minutes of a dose's first opening are the same dose (§4.4 design choice; no published rule [U]) */
  mergeWindowMin: number;
  /** a scheduled dose is on time when a dose falls within +/- this many minutes (Tricella +/-2 h, §4.2) */
  timingWindowMin: number;
  /** consecutive observed days without a dose that make a drug holiday (default 3, Vrijens 2008, §4.2) */
  drugHolidayMinDays: number;
  /** count doses taken 00:00-02:59 for the previous day (CleanADHdata, §4.3). Analytics only, never billing. */
  earlyMorningBelongsToPreviousDay: boolean;
  /** end of the early-morning window, minutes after local midnight (default 180 = 03:00) */
  earlyMorningEndMin: number;
  /** inter-dose interval window as a fraction of the ideal interval (+/-25%, §4.2 [U]) */
  intervalTolerance: number;
}

export const DEFAULT_ADHERENCE_OPTIONS: Readonly<AdherenceOptions> = Object.freeze({
  mergeWindowMin: 15,
  timingWindowMin: 120,
  drugHolidayMinDays: 3,
  earlyMorningBelongsToPreviousDay: false,
  earlyMorningEndMin: 180,
  intervalTolerance: 0.25,
});

export const adherenceOptionsSchema = z
  .object({
    mergeWindowMin: z.number().int().min(0).max(240),
    timingWindowMin: z.number().int().min(1).max(720),
    drugHolidayMinDays: z.number().int().min(1).max(30),
    earlyMorningBelongsToPreviousDay: z.boolean(),
    earlyMorningEndMin: z.number().int().min(0).max(360),
    intervalTolerance: z.number().min(0.01).max(1),
  })
  .partial()
  .strict();

export class InvalidAdherenceOptionsError extends Error {
  readonly code = 'invalid_adherence_options';
  constructor(message: string) {
    super(`invalid adherence options: ${message}`);
    this.name = 'InvalidAdherenceOptionsError';
  }
}

/** Organisation settings (`settings.adherence`) overlaid by per-request overrides. */
export function resolveAdherenceOptions(settings: unknown, overrides: unknown = undefined): AdherenceOptions {
  const fromOrg = settings && typeof settings === 'object' ? (settings as Record<string, unknown>).adherence : undefined;
  const parse = (v: unknown) => {
    if (v === undefined || v === null) return {};
    const r = adherenceOptionsSchema.safeParse(v);
    if (!r.success) throw new InvalidAdherenceOptionsError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return r.data;
  };
  return { ...DEFAULT_ADHERENCE_OPTIONS, ...parse(fromOrg), ...parse(overrides) };
}
