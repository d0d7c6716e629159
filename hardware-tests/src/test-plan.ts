/** The end-of-line test plan: a data file (hardware-tests/test-plan.json) validated at load. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const STEP_IDS = [
  'console', 'firmware-hash', 'flash', 'lid', 'button', 'led', 'buzzer', 'battery',
  'modem-alive', 'imei', 'iccid', 'sim-ready', 'registration', 'rsrp', 'mqtt', 'network-time',
] as const;
export type StepId = (typeof STEP_IDS)[number];

const limitsSchema = z.object({
  min: z.number().optional(),
  max: z.number().optional(),
  unit: z.string(),
});

const stepSchema = z.object({
  id: z.enum(STEP_IDS),
  title: z.string().min(1),
  timeoutMs: z.number().int().positive().max(600_000).default(5_000),
  limits: limitsSchema.optional(),
});

export const testPlanSchema = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  steps: z.array(stepSchema).min(1),
});

export type TestPlan = z.infer<typeof testPlanSchema>;
export type PlanStep = z.infer<typeof stepSchema>;
export type Limits = z.infer<typeof limitsSchema>;

export const DEFAULT_PLAN_PATH = new URL('../test-plan.json', import.meta.url);

export function loadTestPlan(path: string | URL = DEFAULT_PLAN_PATH): TestPlan {
  const parsed = testPlanSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(`invalid test plan ${String(path)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export function withinLimits(value: number, limits: Limits | undefined): boolean {
  if (!limits) return true;
  if (limits.min !== undefined && value < limits.min) return false;
  if (limits.max !== undefined && value > limits.max) return false;
  return true;
}

export function describeLimits(limits: Limits | undefined): string {
  if (!limits) return '';
  if (limits.min !== undefined && limits.max !== undefined) return `${limits.min}..${limits.max} ${limits.unit}`;
  if (limits.min !== undefined) return `>= ${limits.min} ${limits.unit}`;
  if (limits.max !== undefined) return `<= ${limits.max} ${limits.unit}`;
  return limits.unit;
}
