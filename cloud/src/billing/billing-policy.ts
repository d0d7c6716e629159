/**
 * An organisation's billing policy. CMS does not define a "day" (billing-rules.md §2.1 [U]) and the 98975
 * threshold is disputed (§2.9 [U]), so both are per-organisation settings kept in
 * `organisations.settings.billing` (jsonb) and recorded with every export.
 *
 * Defaults (the product brief's design choice): a day qualifies with at least one lid opening recorded by the
 * device or one symptom report, with a trusted timestamp; heartbeats and diagnostics never qualify.
 */
import { z } from 'zod';
import { EventKind } from '../../../protocol/src/messages.ts';

export const EVENT_SOURCES = ['device', 'self_report', 'diagnostic'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export const TIME_QUALITIES = ['device_clock', 'receive_anchored', 'estimated', 'unresolved'] as const;
export type TimeQuality = (typeof TIME_QUALITIES)[number];

export interface BillingPolicy {
  /** Sources whose events may make a day qualify. 'diagnostic' is never accepted. */
  qualifyingSources: Exclude<EventSource, 'diagnostic'>[];
  /** Event kinds (protocol EventKind) that may make a day qualify. */
  qualifyingKinds: number[];
  /** Time qualities trusted enough to bill on; events with other qualities still make a day device-active. */
  trustedTimeQualities: Exclude<TimeQuality, 'unresolved'>[];
  /** Qualifying events needed on one day (default 1). */
  minEventsPerDay: number;
  /** Monitored days in the first supply period needed to bill 98975 (2 or 16; §2.9 [U]). */
  setupThresholdDays: 2 | 16;
}

const DEFAULT_POLICY_VALUE: BillingPolicy = {
  qualifyingSources: ['device', 'self_report'],
  qualifyingKinds: [EventKind.LidOpened, EventKind.Symptom],
  trustedTimeQualities: ['device_clock', 'receive_anchored'],
  minEventsPerDay: 1,
  setupThresholdDays: 2,
};
export const DEFAULT_BILLING_POLICY: Readonly<BillingPolicy> = Object.freeze(DEFAULT_POLICY_VALUE);

/** The shape accepted in organisations.settings.billing; every key optional (missing = default). */
export const billingSettingsSchema = z
  .object({
    qualifyingSources: z.array(z.enum(['device', 'self_report'])).min(1).optional(),
    qualifyingKinds: z
      .array(z.number().int().refine((k) => Object.values(EventKind).includes(k as EventKind), 'unknown EventKind'))
      .min(1)
      .optional(),
    trustedTimeQualities: z.array(z.enum(['device_clock', 'receive_anchored', 'estimated'])).min(1).optional(),
    minEventsPerDay: z.number().int().min(1).max(100).optional(),
    setupThresholdDays: z.union([z.literal(2), z.literal(16)]).optional(),
  })
  .strict();
export type BillingSettings = z.infer<typeof billingSettingsSchema>;

export class InvalidBillingSettingsError extends Error {
  readonly code = 'invalid_billing_settings';
  constructor(readonly issues: string) {
    super(`invalid billing settings: ${issues}`);
    this.name = 'InvalidBillingSettingsError';
  }
}

/** Builds the policy from an organisation's `settings` jsonb (the whole object; the `billing` key is read). */
export function policyFromSettings(settings: unknown): BillingPolicy {
  const raw = settings && typeof settings === 'object' ? (settings as Record<string, unknown>).billing : undefined;
  if (raw === undefined || raw === null) return clonePolicy(DEFAULT_BILLING_POLICY);
  const parsed = billingSettingsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidBillingSettingsError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return clonePolicy({ ...DEFAULT_BILLING_POLICY, ...parsed.data } as BillingPolicy);
}

function clonePolicy(p: Readonly<BillingPolicy>): BillingPolicy {
  return { ...p, qualifyingSources: [...p.qualifyingSources], qualifyingKinds: [...p.qualifyingKinds], trustedTimeQualities: [...p.trustedTimeQualities] };
}

/** Diagnostic kinds are excluded whatever the configuration says: heartbeat/diagnostic-only days never count. */
const NEVER_QUALIFYING = new Set<number>([EventKind.Boot, EventKind.Overflow, EventKind.TimeSet, EventKind.LidLeftOpen, EventKind.LowBattery]);

export function eventQualifies(policy: BillingPolicy, kind: number, source: string, timeQuality: string | undefined): boolean {
  if (NEVER_QUALIFYING.has(kind)) return false;
  if (source === 'diagnostic') return false;
  if (!policy.qualifyingKinds.includes(kind)) return false;
  if (!(policy.qualifyingSources as string[]).includes(source)) return false;
  if (timeQuality !== undefined && !(policy.trustedTimeQualities as string[]).includes(timeQuality)) return false;
  return true;
}
