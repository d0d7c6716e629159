/**
 * A cap's health as clinic staff need it on the patient page: when it last reported, its battery and its
 * signal band, nothing more. Clinic roles may not see field diagnostics (support/device-diagnostics.ts); these
 * three gauges are what a coordinator needs to tell "the patient stopped" from "the cap stopped", and they carry
 * no patient data (read from heartbeats only).
 */
import type { Queryable } from '../db/database.ts';
import { latestHeartbeats } from '../repositories/heartbeats.ts';
import { rsrpBand, type SignalBand } from './signal.ts';

/** How far back to look for a gauge a heartbeat left out (heartbeats are at least daily). */
const RECENT_HEARTBEATS = 24;
/** The low-battery line of diagnose.ts's low_battery verdict (<= 20 %, or under 3.5 V). */
const LOW_BATTERY_PCT = 20;
const LOW_BATTERY_MV = 3500;

/** Every signal band, for the response schema (signal.ts's bands, best first). */
export const SIGNAL_BANDS = ['excellent', 'good', 'fair', 'poor', 'none'] as const satisfies readonly SignalBand[];

export interface CapHealth {
  lastHeartbeatAt: string | null;
  batteryPct: number | null;
  batteryLow: boolean;
  signal: SignalBand;
}

const gauge = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export async function capHealth(db: Queryable, deviceId: string): Promise<CapHealth> {
  const newestFirst = await latestHeartbeats(db, deviceId, RECENT_HEARTBEATS);
  // newest value of each gauge: a heartbeat may omit one; unknown stays null, never zero
  const latest = (key: string): number | undefined => {
    for (const heartbeat of newestFirst) {
      const value = gauge(heartbeat.metrics[key]);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const batteryPct = latest('batteryPct');
  const batteryMv = latest('batteryMv');
  return {
    lastHeartbeatAt: newestFirst[0] ? newestFirst[0].receivedAt.toISOString() : null,
    batteryPct: batteryPct ?? null,
    batteryLow: (batteryPct !== undefined && batteryPct <= LOW_BATTERY_PCT) || (batteryMv !== undefined && batteryMv < LOW_BATTERY_MV),
    signal: rsrpBand(latest('rsrpDbm')),
  };
}
