/**
 * Network conditions the BG95 emulator plays back in virtual time (zod schema + pure queries).
 *
 * All times are virtual milliseconds as `VirtualTime.now()` reports them (the simulation starts at 0).
 * A scenario embeds this object as its `network` field (S1's scenario.ts); every field has a default so
 * `{}` means "good coverage, nothing goes wrong".
 *
 *   coverage        RSRP over time: a list of steps, each holding from `fromMs` until the next step.
 *                   Below `noServiceBelowDbm` there is no service (the modem searches, CEREG stat 2).
 *   denied          windows in which the network rejects attach (CEREG stat 3).
 *   slowAttach      windows in which attach takes `attachMs` instead of the coverage-derived time.
 *   brokerDown      windows in which TCP to the broker fails (QMTOPEN result -1, open links get QMTSTAT 1).
 *   drops           instants at which every open MQTT link is dropped with `+QMTSTAT: <idx>,<code>`.
 *   lostAcks        instants after which the next publish reaches the broker but its PUBACK is lost
 *                   (`puback`: the modem reports +QMTPUB result 2 after its retries), or the next downlink
 *                   from the cloud is lost on the radio link (`downlink`: no +QMTRECV). Either way the
 *                   device must resend, and the cloud sees a duplicate.
 *   hangs           instants at which the modem stops answering (no echo, no result, no URC) until its
 *                   supply is cut or PWRKEY is held long enough to power it off.
 */
import { z } from 'zod';

const window = z.object({ fromMs: z.number().nonnegative(), toMs: z.number().nonnegative() }).refine((w) => w.toMs >= w.fromMs, {
  message: 'toMs must be >= fromMs',
});

export const NetworkConditionsSchema = z.object({
  coverage: z.array(z.object({ fromMs: z.number().nonnegative(), rsrpDbm: z.number().min(-160).max(-30) })).default([{ fromMs: 0, rsrpDbm: -90 }]),
  noServiceBelowDbm: z.number().default(-128),
  /** Roaming registration answers CEREG stat 5 instead of 1. */
  roaming: z.boolean().default(false),
  denied: z.array(window).default([]),
  slowAttach: z.array(window.and(z.object({ attachMs: z.number().positive() }))).default([]),
  brokerDown: z.array(window).default([]),
  drops: z.array(z.object({ atMs: z.number().nonnegative(), code: z.number().int().min(1).max(8).default(1) })).default([]),
  lostAcks: z.array(z.object({ atMs: z.number().nonnegative(), kind: z.enum(['puback', 'downlink']).default('puback') })).default([]),
  hangs: z.array(z.object({ atMs: z.number().nonnegative() })).default([]),
  /** Whether the network sends NITZ (AT+QLTS/CCLK know the time after registration). */
  nitz: z.boolean().default(true),
  /** Round-trip time to the broker over the radio link at CE level 0, in virtual ms. */
  rttMs: z.number().positive().default(400),
  /** Network-granted PSM timers in seconds; undefined = grant what the device requested. */
  grantedTauS: z.number().positive().optional(),
  grantedActiveS: z.number().nonnegative().optional(),
  /** Operator (MCC+MNC), band, EARFCN, TAC, cell id reported by COPS/QNWINFO/CEREG. */
  operator: z.string().default('310410'),
  band: z.number().int().default(12),
  earfcn: z.number().int().default(5110),
  tac: z.number().int().default(0x2008),
  cellId: z.number().int().default(0x2b2078),
});

export type NetworkConditionsInput = z.input<typeof NetworkConditionsSchema>;
export type NetworkConditions = z.output<typeof NetworkConditionsSchema>;

export function parseNetworkConditions(input: unknown): NetworkConditions {
  return NetworkConditionsSchema.parse(input ?? {});
}

const inWindow = (ws: { fromMs: number; toMs: number }[], t: number): boolean => ws.some((w) => t >= w.fromMs && t < w.toMs);

/** RSRP of the last step with fromMs <= t (binary search; scenarios carry hourly steps for months). */
export function rsrpAt(c: NetworkConditions, t: number): number {
  const steps = c.coverage;
  if (steps.length === 0) return -90;
  if (!sortedSteps.has(steps)) {
    steps.sort((a, b) => a.fromMs - b.fromMs);
    sortedSteps.add(steps);
  }
  let lo = 0;
  let hi = steps.length - 1;
  if (t < steps[0].fromMs) return steps[0].rsrpDbm;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid].fromMs <= t) lo = mid;
    else hi = mid - 1;
  }
  return steps[lo].rsrpDbm;
}

const sortedSteps = new WeakSet<object>();

export function hasService(c: NetworkConditions, t: number): boolean {
  return rsrpAt(c, t) >= c.noServiceBelowDbm;
}

export const isDenied = (c: NetworkConditions, t: number): boolean => inWindow(c.denied, t);
export const isBrokerDown = (c: NetworkConditions, t: number): boolean => inWindow(c.brokerDown, t);

/** Coverage-enhancement level the modem would report for an RSRP (repetitions grow with it). */
export function ceLevelFor(rsrpDbm: number): 0 | 1 | 2 | 3 {
  if (rsrpDbm >= -110) return 0;
  if (rsrpDbm >= -118) return 1;
  if (rsrpDbm >= -124) return 2;
  return 3;
}

/** Airtime multiplier for a CE level (LTE-M CE mode A/B repetitions, rounded averages). */
export const ceRepetitions = (ce: number): number => [1, 4, 16, 32][ce] ?? 32;

/** Time to register from the start of a search, given the coverage at that moment. */
export function attachDelayMs(c: NetworkConditions, t: number): number {
  const slow = c.slowAttach.find((w) => t >= w.fromMs && t < w.toMs);
  if (slow) return slow.attachMs;
  const ce = ceLevelFor(rsrpAt(c, t));
  return [3_000, 8_000, 20_000, 45_000][ce];
}

/** Every instant at which the coverage, denial, broker or attach state may change (for re-evaluation). */
export function changePoints(c: NetworkConditions): number[] {
  const points = new Set<number>();
  for (const s of c.coverage) points.add(s.fromMs);
  for (const w of [...c.denied, ...c.brokerDown, ...c.slowAttach]) {
    points.add(w.fromMs);
    points.add(w.toMs);
  }
  return [...points].sort((a, b) => a - b);
}

/** RSRQ/SINR/RSSI derived from RSRP so that QCSQ/CESQ agree with each other. */
export function signalFor(rsrpDbm: number): { rssiDbm: number; rsrqDb: number; sinrRaw: number } {
  const rssiDbm = Math.min(-25, Math.round(rsrpDbm + 20));
  const rsrqDb = Math.max(-20, Math.min(-3, Math.round(-8 - (-80 - rsrpDbm) / 8)));
  const sinrDb = Math.max(-20, Math.min(30, Math.round((rsrpDbm + 125) * 0.8)));
  return { rssiDbm, rsrqDb, sinrRaw: (sinrDb + 20) * 5 };
}
