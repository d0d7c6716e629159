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
export const NEVER_QUALIFYING_KINDS: readonly number[] = Object.freeze([EventKind.Boot, EventKind.Overflow, EventKind.TimeSet, EventKind.LidLeftOpen, EventKind.LowBattery]);
/** Sources that never qualify, whatever the configuration says. */
export const NEVER_QUALIFYING_SOURCES: readonly string[] = Object.freeze(['diagnostic']);
/** Time qualities whose events create no day at all (clock faults). */
export const DAYLESS_TIME_QUALITIES: readonly string[] = Object.freeze(['unresolved']);

/**
 * The day rules of a policy in the one form both day engines use: the TypeScript engine (`eventQualifies`,
 * monitored-days.ts) tests membership in these sets, and the set-based SQL rebuild (days-sql.ts) binds the
 * same arrays as parameters (`kind = ANY($kinds) AND source = ANY($sources) AND time_quality = ANY($qualities)`).
 * The fixed exclusions are folded in here, once, so neither engine restates them.
 */
export interface DayRules {
  kinds: number[];
  sources: string[];
  qualities: string[];
  minEventsPerDay: number;
  /** qualities that create no day (events skipped entirely) */
  daylessQualities: string[];
}

export function dayRulesOf(policy: BillingPolicy): DayRules {
  return {
    kinds: [...new Set(policy.qualifyingKinds)].filter((k) => !NEVER_QUALIFYING_KINDS.includes(k)).sort((a, b) => a - b),
    sources: [...new Set<string>(policy.qualifyingSources)].filter((s) => !NEVER_QUALIFYING_SOURCES.includes(s)).sort(),
    qualities: [...new Set<string>(policy.trustedTimeQualities)].filter((q) => !DAYLESS_TIME_QUALITIES.includes(q)).sort(),
    minEventsPerDay: policy.minEventsPerDay,
    daylessQualities: [...DAYLESS_TIME_QUALITIES],
  };
}

/** `timeQuality` undefined = trusted (pure callers that do not track it). */
export function eventQualifiesUnder(rules: DayRules, kind: number, source: string, timeQuality: string | undefined): boolean {
  return rules.kinds.includes(kind) && rules.sources.includes(source) && (timeQuality === undefined || rules.qualities.includes(timeQuality));
}

export function eventQualifies(policy: BillingPolicy, kind: number, source: string, timeQuality: string | undefined): boolean {
  return eventQualifiesUnder(dayRulesOf(policy), kind, source, timeQuality);
}
