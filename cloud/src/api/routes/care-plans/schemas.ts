import { z } from 'zod';
import { ruleOverridesSchema } from '../../../clinical/alert-rules.ts';
import { Timestamp } from '../common-schemas.ts';

const DoseTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'dose time: HH:MM, 00:00-23:59 (patient-local)');

export const Consent = z.object({
  by: z.string().trim().min(1).max(200),
  method: z.enum(['verbal', 'written', 'electronic']),
  at: Timestamp,
});

export const CarePlanBody = z
  .object({
    monitors: z.enum(['adherence', 'symptoms', 'both']),
    dosesPerDay: z.number().int().min(0).max(8),
    doseTimes: z.array(DoseTime).max(8),
    toleranceMinutes: z.number().int().min(5).max(720),
    category: z.enum(['respiratory', 'musculoskeletal', 'cbt']),
    clinicalOwnerId: z.uuid(),
    coordinatorId: z.uuid(),
    consent: Consent.nullable().optional(),
    goal: z.string().trim().max(2000).nullable().optional(),
    rules: ruleOverridesSchema.optional(),
  })
  .strict()
  .refine((p) => p.doseTimes.length === p.dosesPerDay && new Set(p.doseTimes).size === p.doseTimes.length, {
    message: 'doseTimes: one distinct time per dose (as many as dosesPerDay)',
    path: ['doseTimes'],
  })
  .refine((p) => p.dosesPerDay > 0 || p.monitors === 'symptoms', { message: 'dosesPerDay: at least 1 when adherence is monitored', path: ['dosesPerDay'] });

export const CarePlan = z.object({
  patientId: z.string(),
  status: z.enum(['awaiting_consent', 'active']),
  monitors: z.string(),
  dosesPerDay: z.number(),
  doseTimes: z.array(z.string()),
  toleranceMinutes: z.number(),
  category: z.string(),
  clinicalOwnerId: z.string().nullable(),
  coordinatorId: z.string().nullable(),
  consent: z.object({ by: z.string(), method: z.string().nullable(), at: z.string(), recordedBy: z.string().nullable() }).nullable(),
  goal: z.string().nullable(),
  rules: z.record(z.string(), z.unknown()),
  warnings: z.array(z.string()),
  updatedBy: z.string().nullable(),
  updatedAt: z.string(),
  createdAt: z.string(),
});
