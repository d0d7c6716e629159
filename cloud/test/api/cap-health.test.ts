/**
 * GET /v1/devices/:serial answers the cap's health for clinic staff (the patient page's header): last report,
 * battery (newest reported value, low at 20 % or below) and signal band; unknown gauges stay null, and another
 * organisation's cap is not found. Field diagnostics stay support-only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, seedDevice, seedHeartbeat, type World } from './fixture.ts';

let world: World;
const get = (token: string, url: string) => world.app.inject({ method: 'GET', url, headers: bearer(token) });
const now = Date.now();
const hoursAgo = (h: number) => new Date(now - h * 3_600_000);

beforeAll(async () => {
  world = await createWorld();
  const { db, orgIds } = world;
  const fair = await seedDevice(db, 'HLT-FAIR', orgIds.clinicA);
  await seedHeartbeat(db, 'HLT-FAIR', fair, hoursAgo(30), { rsrpDbm: -95, batteryPct: 64 }, 100);
  // the newest heartbeat left the battery out: the previous value still stands
  await seedHeartbeat(db, 'HLT-FAIR', fair, hoursAgo(2), { rsrpDbm: -112 }, 200);
  const flat = await seedDevice(db, 'HLT-FLAT', orgIds.clinicA);
  await seedHeartbeat(db, 'HLT-FLAT', flat, hoursAgo(5), { rsrpDbm: -85, batteryPct: 18, batteryMv: 3600 }, 10);
  await seedDevice(db, 'HLT-NEW', orgIds.clinicA);
  await seedDevice(db, 'HLT-OTHER', orgIds.clinicB);
});
afterAll(async () => world?.close());

describe('cap health for clinic staff', () => {
  it('gives the coordinator the last report, the newest battery reading and the signal band', async () => {
    const res = await get(world.tokens.clinicA.coordinator, '/v1/devices/HLT-FAIR');
    expect(res.statusCode).toBe(200);
    const device = res.json();
    expect(device).toMatchObject({ serial: 'HLT-FAIR', organisation: 'clinic-a', health: { batteryPct: 64, batteryLow: false, signal: 'fair' } });
    expect(Date.parse(device.health.lastHeartbeatAt)).toBe(hoursAgo(2).getTime());
    expect(Date.parse(device.lastSeenAt)).toBe(hoursAgo(2).getTime());
  });

  it('flags a low battery and leaves a cap that never reported unknown, not zero', async () => {
    expect((await get(world.tokens.clinicA.clinician, '/v1/devices/HLT-FLAT')).json().health).toMatchObject({ batteryPct: 18, batteryLow: true, signal: 'excellent' });
    expect((await get(world.tokens.clinicA.coordinator, '/v1/devices/HLT-NEW')).json().health).toEqual({ lastHeartbeatAt: null, batteryPct: null, batteryLow: false, signal: 'none' });
  });

  it("does not show another organisation's cap", async () => {
    const res = await get(world.tokens.clinicA.coordinator, '/v1/devices/HLT-OTHER');
    expect(res.statusCode).toBe(404);
  });
});
