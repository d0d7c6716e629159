import { z } from 'zod';
import { DEFAULT_ESCALATE_AFTER_MINUTES, RULE_NAMES, SEVERITIES, ruleOverridesSchema } from '../../../clinical/alert-rules.ts';
import { ALERT_STATUSES, RESOLVE_OUTCOMES } from '../../../clinical/alert-repository.ts';

export const AlertParams = z.object({ alertId: z.string().regex(/^\d{1,18}$/, 'alertId: a positive integer') });

const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

export const ListAlertsQuery = z.object({
  /** comma-separated; 'live' = open,acknowledged (the default); 'all' = every status */
  status: z
    .string()
    .default('live')
    .transform((s) => (s === 'live' ? 'open,acknowledged' : s === 'all' ? ALERT_STATUSES.join(',') : s))
    .pipe(csv(ALERT_STATUSES)),
  severity: z.enum(SEVERITIES).optional(),
  rule: z.enum(RULE_NAMES).optional(),
  patientId: z.uuid().optional(),
  /** 'me', 'unassigned' or a user id */
  assignee: z.union([z.literal('me'), z.literal('unassigned'), z.uuid()]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** the `next` of the previous page */
  cursor: z.string().regex(/^\d{1,18}$/).optional(),
});

export const Alert = z.object({
  id: z.string(),
  patient: z.object({ id: z.string(), reference: z.string(), name: z.string() }),
  rule: z.string(),
  episodeKey: z.string(),
  severity: z.string(),
  status: z.string(),
  title: z.string(),
  detail: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  conditionSince: z.string(),
  raisedAt: z.string(),
  lastSeenAt: z.string(),
  assigneeId: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  closedBy: z.string().nullable(),
  closedAt: z.string().nullable(),
  outcome: z.string().nullable(),
  note: z.string().nullable(),
  dismissReason: z.string().nullable(),
  escalatedAt: z.string().nullable(),
  escalatedTo: z.string().nullable(),
});

export const AlertList = z.object({ alerts: z.array(Alert), next: z.string().nullable() });

export const AlertHistoryEntry = z.object({
  id: z.number(),
  at: z.string(),
  action: z.string(),
  userId: z.string().nullable(),
  note: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export const AlertWithHistory = Alert.extend({ history: z.array(AlertHistoryEntry) });

export const ResolveBody = z.object({ outcome: z.enum(RESOLVE_OUTCOMES), note: z.string().trim().min(1).max(4000) }).strict();
export const DismissBody = z.object({ reason: z.string().trim().min(1).max(4000) }).strict();
export const AssignBody = z.object({ userId: z.uuid() }).strict();

export const AlertRulesBody = z
  .object({
    rules: ruleOverridesSchema,
    escalateAfterMinutes: z.number().int().min(1).max(7 * 24 * 60).default(DEFAULT_ESCALATE_AFTER_MINUTES),
  })
  .strict();

export const AlertRules = z.object({
  /** the organisation's overrides as stored */
  rules: z.record(z.string(), z.unknown()),
  escalateAfterMinutes: z.number(),
  /** product defaults */
  defaults: z.record(z.string(), z.unknown()),
  /** defaults overlaid by the organisation's overrides (a care plan may override further) */
  effective: z.record(z.string(), z.unknown()),
});
