import { z } from 'zod';
import { TROUBLE_KINDS } from '../../../support/trouble-kinds.ts';
import { Diagnostics } from '../support/schemas.ts';

/** The verdict exactly as the single-cap diagnostics answer it. */
const Verdict = Diagnostics.shape.diagnosis.shape.primary;
const Severity = Diagnostics.shape.diagnosis.shape.status;

export const TroubleKind = z.enum(TROUBLE_KINDS);

export const FleetQuery = z.object({
  /** Look-back window for counts and sums, as `pillcap support diag --days`. */
  days: z.coerce.number().int().min(1).max(90).default(14),
  trouble: TroubleKind.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

/** One cap of the fleet list. Deliberately no patient fields: the schema strips anything else. */
export const FleetCap = z.object({
  serial: z.string(),
  organisation: z.string().nullable(),
  appFirmware: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  silentHours: z.number().nullable(),
  batteryPct: z.number().nullable(),
  rsrpDbm: z.number().nullable(),
  signalBand: z.string(),
  status: Severity,
  score: z.number(),
  troubles: z.array(TroubleKind),
  primary: Verdict,
  verdicts: z.array(Verdict),
});

export const Fleet = z.object({
  generatedAt: z.string(),
  windowDays: z.number(),
  total: z.number(),
  counts: z.object({ silent: z.number(), battery: z.number(), signal: z.number(), clock: z.number(), reboots: z.number(), data: z.number(), healthy: z.number() }),
  matching: z.number(),
  caps: z.array(FleetCap),
});
