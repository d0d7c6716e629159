/**
 * Cloud-side zod 4 schemas for protocol v1 messages in their named form (field names instead of integer
 * keys, as cloud-codec.ts produces after renaming). Ranges come from limits.ts, the same table the device
 * codec reads; the flat event array is expanded here independently of the device codec so that the golden
 * vectors check two implementations against each other.
 */
import { z } from 'zod';
import {
  CONTEXT_MARKER,
  MessageKind,
  SERIAL_PATTERN,
  type DeviceEvent,
  type EventKind,
  type HeartbeatMetric,
} from './messages.ts';
import {
  COMMAND_CODE,
  COMMAND_STATUS,
  CONFIG_RANGES as C,
  DETAIL_MAX,
  DT,
  EVENT_ARG_RANGES,
  HEARTBEAT_METRIC_RULES,
  ICCID_PATTERN,
  IMAGE_HASH_BYTES,
  IMEI_PATTERN,
  MAX_STEPS,
  OPERATOR_PATTERN,
  SEQ,
  STEP_NAME_MAX,
  TIME_SOURCE,
  U16,
  U32,
  VERSION_TEXT_MAX,
  type MetricRule,
  type Range,
} from './limits.ts';

export const intIn = (r: Range) => z.int().min(r[0]).max(r[1]);
const u32 = intIn(U32);
const text = (min: number, max: number) => z.string().min(min).max(max);

export const serialSchema = z.string().regex(SERIAL_PATTERN);

export const timeAnchorSchema = z
  .array(z.unknown())
  .length(4)
  .transform(([boot, uptimeS, unixS, source]) => ({ boot, uptimeS, unixS, source }))
  .pipe(
    z.object({
      boot: intIn(U16),
      uptimeS: u32,
      unixS: u32.nullable(),
      source: intIn(TIME_SOURCE),
    }),
  );

export const imageHashSchema = z
  .instanceof(Uint8Array)
  .refine((b) => b.length >= IMAGE_HASH_BYTES[0] && b.length <= IMAGE_HASH_BYTES[1], { message: 'expected 8..32 bytes' })
  .transform((b) => new Uint8Array(b)); // a plain copy, not a Buffer view into the MQTT payload

const STOP = Symbol('stop');
const isInt = (v: unknown, r: Range): v is number => typeof v === 'number' && Number.isInteger(v) && v >= r[0] && v <= r[1];

/**
 * The flat event array (messages.ts EventBatch): CONTEXT markers `0, seq, boot, uptimeS` and events
 * `kind, dt, ...args`. Written as a cursor over the array rather than the device's loop on purpose.
 */
export const flatEventsSchema = z.array(z.unknown()).transform((flat, ctx): DeviceEvent[] => {
  const events: DeviceEvent[] = [];
  let cursor = 0;
  let context: { seq: number; boot: number; uptimeS: number } | null = null;
  let lastSeq = 0;
  let fresh = false; // a CONTEXT marker was just read and awaits its event
  const issue = (path: (string | number)[], message: string): never => {
    ctx.issues.push({ code: 'custom', message, input: flat, path: [events.length, ...path] });
    throw STOP;
  };
  const take = (r: Range, path: (string | number)[]): number => {
    if (cursor >= flat.length) return issue([], `cut short at position ${cursor}`);
    const v = flat[cursor++];
    return isInt(v, r) ? v : issue(path, `expected an integer in ${r[0]}..${r[1]}`);
  };
  try {
    while (cursor < flat.length) {
      const head = take([0, Number.MAX_SAFE_INTEGER], ['kind']);
      if (head === CONTEXT_MARKER) {
        if (fresh) issue([], 'a CONTEXT marker must be followed by an event');
        if (flat.length - cursor < 4) issue([], 'a CONTEXT marker must be followed by an event');
        const seq = take(SEQ, ['seq']);
        if (seq <= lastSeq) issue(['seq'], 'events must be in ascending seq order');
        context = { seq, boot: take(U16, ['boot']), uptimeS: take(U32, ['uptimeS']) };
        fresh = true;
        continue;
      }
      if (context === null) return issue([], 'the event array must begin with a CONTEXT marker');
      const argRanges = EVENT_ARG_RANGES[head as EventKind];
      if (argRanges === undefined) return issue(['kind'], `unknown event kind ${head}`);
      if (flat.length - cursor < 1 + argRanges.length) return issue([], 'event cut short');
      const uptimeS: number = context.uptimeS + take(DT, ['dt']);
      if (!isInt(uptimeS, U32)) issue(['uptimeS'], 'dt takes the uptime out of range');
      if (context.seq > SEQ[1]) issue(['seq'], `seq beyond ${SEQ[1]}`);
      const args = argRanges.map((r, k) => take(r, ['args', k]));
      events.push({ seq: context.seq, boot: context.boot, uptimeS, kind: head as EventKind, args });
      lastSeq = context.seq;
      context = { seq: context.seq + 1, boot: context.boot, uptimeS };
      fresh = false;
    }
  } catch (error) {
    if (error !== STOP) throw error;
    return z.NEVER;
  }
  return events;
});

export const eventBatchSchema = z.object({
  kind: z.literal(MessageKind.EventBatch),
  serial: serialSchema,
  logTailSeq: u32,
  droppedTotal: u32,
  anchors: z.array(timeAnchorSchema).min(1).max(64),
  events: flatEventsSchema,
  pendingAfter: u32.optional(),
});

function metricSchema(rule: MetricRule) {
  switch (rule) {
    case 'text':
      return text(1, VERSION_TEXT_MAX);
    case 'operator':
      return z.string().regex(OPERATOR_PATTERN);
    case 'imei':
      return z.string().regex(IMEI_PATTERN);
    case 'iccid':
      return z.string().regex(ICCID_PATTERN);
    case 'codeCounts':
      return z.map(intIn(U16), u32).transform((m) => Object.fromEntries(m) as Record<number, number>);
  }
  return intIn(rule);
}

export const heartbeatMetricsSchema = z.object(
  Object.fromEntries(
    (Object.keys(HEARTBEAT_METRIC_RULES) as HeartbeatMetric[]).map((name) => [name, metricSchema(HEARTBEAT_METRIC_RULES[name]).optional()]),
  ) as unknown as Record<HeartbeatMetric, z.ZodOptional<z.ZodType>>,
);

export const heartbeatSchema = z.object({
  kind: z.literal(MessageKind.Heartbeat),
  serial: serialSchema,
  anchor: timeAnchorSchema,
  metrics: heartbeatMetricsSchema,
});

export const helloSchema = z.object({
  kind: z.literal(MessageKind.Hello),
  serial: serialSchema,
  anchor: timeAnchorSchema,
  appFirmware: text(1, VERSION_TEXT_MAX),
  imageHash: imageHashSchema,
  modemFirmware: text(1, VERSION_TEXT_MAX).optional(),
  imei: z.string().regex(IMEI_PATTERN).optional(),
  iccid: z.string().regex(ICCID_PATTERN).optional(),
  hwRevision: text(1, VERSION_TEXT_MAX).optional(),
  bootCount: intIn(U16),
  resetReason: intIn(U16),
  configVersion: u32,
});

export const commandResultSchema = z.object({
  kind: z.literal(MessageKind.CommandResult),
  serial: serialSchema,
  commandId: u32,
  status: intIn(COMMAND_STATUS),
  anchor: timeAnchorSchema,
  detail: text(0, DETAIL_MAX).optional(),
});

export const factoryStepSchema = z
  .array(z.unknown())
  .length(4)
  .transform(([name, ok, value, message]) => ({ name, ok, value, message }))
  .pipe(
    z.object({
      name: text(1, STEP_NAME_MAX),
      ok: z.boolean(),
      value: z.number().nullable(), // zod 4 numbers are finite
      message: text(0, DETAIL_MAX),
    }),
  );

export const factoryReportSchema = z.object({
  kind: z.literal(MessageKind.FactoryReport),
  serial: serialSchema,
  passed: z.boolean(),
  steps: z.array(factoryStepSchema).max(MAX_STEPS),
  anchor: timeAnchorSchema,
  appFirmware: text(1, VERSION_TEXT_MAX),
  imageHash: imageHashSchema,
  stationId: text(1, VERSION_TEXT_MAX),
});

export const ackSchema = z.object({
  kind: z.literal(MessageKind.Ack),
  serial: serialSchema,
  ackSeq: u32,
  serverUnixS: u32.optional(),
  configVersion: u32.optional(),
});

export const configSchema = z.object({
  kind: z.literal(MessageKind.Config),
  serial: serialSchema,
  configVersion: intIn(C.configVersion),
  reminderMinutes: z.array(intIn(C.reminderMinute)).max(C.maxReminders),
  utcOffsetMin: intIn(C.utcOffsetMin),
  nextOffsetChangeUnixS: intIn(C.nextOffsetChangeUnixS).optional(),
  nextOffsetMin: intIn(C.utcOffsetMin).optional(),
  reminderGraceMin: intIn(C.reminderGraceMin),
  reminderWindowMin: intIn(C.reminderWindowMin),
  quietStartMin: intIn(C.quietMin).optional(),
  quietEndMin: intIn(C.quietMin).optional(),
  heartbeatIntervalS: intIn(C.heartbeatIntervalS),
  uploadCoalesceS: intIn(C.uploadCoalesceS),
  lidDebounceMs: intIn(C.lidDebounceMs),
  lidLeftOpenS: intIn(C.lidLeftOpenS),
});

export const commandSchema = z.object({
  kind: z.literal(MessageKind.Command),
  serial: serialSchema,
  commandId: u32,
  code: intIn(COMMAND_CODE),
});

export const uplinkSchemas = {
  [MessageKind.EventBatch]: eventBatchSchema,
  [MessageKind.Heartbeat]: heartbeatSchema,
  [MessageKind.Hello]: helloSchema,
  [MessageKind.CommandResult]: commandResultSchema,
  [MessageKind.FactoryReport]: factoryReportSchema,
} as const;

export const downlinkSchemas = {
  [MessageKind.Ack]: ackSchema,
  [MessageKind.Config]: configSchema,
  [MessageKind.Command]: commandSchema,
} as const;

/** Config as the API accepts it (no kind/serial): what the cloud stores and later sends as a Config. */
export const deviceConfigSchema = configSchema.omit({ kind: true, serial: true });
