import { z } from 'zod';

const Verdict = z.object({ code: z.string(), severity: z.enum(['ok', 'info', 'warning', 'critical']), title: z.string(), detail: z.string(), nextStep: z.string(), tellCaller: z.string() });

/** Diagnostics for field support. Deliberately no patient fields: the schema strips anything else. */
export const Diagnostics = z.object({
  serial: z.string(),
  generatedAt: z.string(),
  windowDays: z.number(),
  firmware: z.object({ app: z.string().nullable(), modem: z.string().nullable() }),
  lastSeenAt: z.string().nullable(),
  lastHeartbeatAt: z.string().nullable(),
  signal: z.object({ rsrpDbm: z.number().nullable(), rsrqDb: z.number().nullable(), sinrDb: z.number().nullable(), ceLevel: z.number().nullable(), band: z.string(), operator: z.string().nullable(), lteBand: z.number().nullable() }),
  battery: z.object({ pct: z.number().nullable(), mv: z.number().nullable(), dropPctPerDay: z.number().nullable() }),
  queue: z.object({ depth: z.number().nullable(), oldestAgeS: z.number().nullable(), ackSeq: z.number(), logTailSeq: z.number(), droppedTotal: z.number() }),
  uploads: z.object({ ok: z.number(), failed: z.number(), successRatio: z.number().nullable(), attachFailures: z.number(), connectionLosses: z.number() }),
  seqGaps: z.object({ missing: z.number(), ranges: z.array(z.object({ from: z.number(), to: z.number() })) }),
  reboots: z.object({
    unexpected: z.number(),
    powerLosses: z.number(),
    bootCount: z.number().nullable(),
    recent: z.array(z.object({ at: z.string().nullable(), boot: z.number(), reason: z.number(), reasonName: z.string(), unexpected: z.boolean() })),
  }),
  clock: z.object({ timeSource: z.number().nullable(), correctionsInWindow: z.number(), corrections: z.array(z.object({ at: z.string(), action: z.string(), correctionS: z.number().nullable(), detail: z.string() })) }),
  history: z.array(z.object({ at: z.string(), rsrpDbm: z.number().nullable(), sinrDb: z.number().nullable(), batteryPct: z.number().nullable(), batteryMv: z.number().nullable(), queueDepth: z.number().nullable() })),
  commands: z.array(z.object({ commandId: z.number(), code: z.number(), status: z.string(), createdAt: z.string(), resultAt: z.string().nullable(), detail: z.string().nullable() })),
  diagnosis: z.object({ status: z.enum(['ok', 'info', 'warning', 'critical']), signalBand: z.string(), uploadSuccessRatio: z.number().nullable(), primary: Verdict, verdicts: z.array(Verdict) }),
});

export const DiagnosticsQuery = z.object({ days: z.coerce.number().int().min(1).max(90).default(14) });

export const COMMANDS = { ping: 1, heartbeat_now: 2, reboot: 3, upload_now: 4 } as const;
export const SendCommandBody = z.object({ command: z.enum(['ping', 'heartbeat_now', 'reboot', 'upload_now']) });
export const CommandAccepted = z.object({ serial: z.string(), commandId: z.number(), command: z.string(), code: z.number(), status: z.string() });
