/**
 * The fleet list for field support (GET /v1/support/fleet): every clinic-held cap in the caller's device
 * scope, worst first, with the same verdicts the single-cap diagnostics give, counts per kind of trouble, a
 * filter, no patient identity, one query for the whole fleet, and support/admin only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventKind } from '../../../protocol/src/messages.ts';
import type { Queryable } from '../../src/db/database.ts';
import { loadFleetHealth } from '../../src/support/fleet-health.ts';
import { bearer, createWorld, seedAssignment, seedDevice, seedEvents, seedHeartbeat, seedPatient, type World } from './fixture.ts';

let world: World;
const get = (token: string, url: string) => world.app.inject({ method: 'GET', url, headers: bearer(token) });
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
const PATIENT_NAME = 'Philippa Fleetlist-Secret';
const PATIENT_REFERENCE = 'MRN-FLEET-SECRET-77';

/** Four heartbeats a day over the last `days` days, most recent `lastHoursAgo` ago. */
async function heartbeats(serial: string, id: string, metrics: (i: number) => Record<string, unknown>, options: { days?: number; lastHoursAgo?: number } = {}) {
  const count = (options.days ?? 5) * 4;
  for (let i = 0; i < count; i += 1) {
    await seedHeartbeat(world.db, serial, id, hoursAgo((options.lastHoursAgo ?? 1) + (count - 1 - i) * 6), metrics(i), 1000 + i * 21_600);
  }
}

beforeAll(async () => {
  world = await createWorld();
  const { db, orgIds } = world;
  const healthy = await seedDevice(db, 'FLT-HEALTHY', orgIds.clinicA);
  await heartbeats('FLT-HEALTHY', healthy, () => ({ rsrpDbm: -85, batteryPct: 90, batteryMv: 4000, publishOk: 3, timeSource: 1 }));
  const patient = await seedPatient(db, orgIds.clinicA, PATIENT_REFERENCE, { name: PATIENT_NAME });
  await seedAssignment(db, healthy, patient, orgIds.clinicA, hoursAgo(24 * 10));
  await seedEvents(db, 'FLT-HEALTHY', healthy, patient, [
    { seq: 1, kind: EventKind.LidOpened, args: [12], at: hoursAgo(30) },
    { seq: 2, kind: EventKind.LidOpened, args: [12], at: hoursAgo(20) },
  ]);

  // silent for four days, battery fine when last heard: critical "silent"
  const silent = await seedDevice(db, 'FLT-SILENT', orgIds.clinicA);
  await heartbeats('FLT-SILENT', silent, () => ({ rsrpDbm: -90, batteryPct: 70, batteryMv: 3900, publishOk: 2 }), { lastHoursAgo: 96 });
  // battery draining to 12 % (above the 10 % of a critical low): a warning, and a fast drain
  const low = await seedDevice(db, 'FLT-LOWBATT', orgIds.clinicA);
  await heartbeats('FLT-LOWBATT', low, (i) => ({ rsrpDbm: -92, batteryPct: Math.max(12, 90 - i * 4), batteryMv: i > 15 ? 3450 : 3900, publishOk: 2 }));
  // poor signal
  const weak = await seedDevice(db, 'FLT-WEAK', orgIds.clinicB);
  await heartbeats('FLT-WEAK', weak, () => ({ rsrpDbm: -121, batteryPct: 80, batteryMv: 3950, publishOk: 1, publishFail: 1 }));
  // three crashes: reboot loop (critical), from Boot events
  const crashy = await seedDevice(db, 'FLT-CRASHY', orgIds.clinicB);
  await heartbeats('FLT-CRASHY', crashy, () => ({ rsrpDbm: -88, batteryPct: 75, publishOk: 2 }));
  await seedEvents(db, 'FLT-CRASHY', crashy, null, [
    { seq: 1, kind: EventKind.Boot, args: [0x8002], at: hoursAgo(70) },
    { seq: 2, kind: EventKind.Boot, args: [0x8005], at: hoursAgo(50) },
    { seq: 5, kind: EventKind.Boot, args: [0x8003], at: hoursAgo(10) },
  ]);
  // clock corrected again and again
  const clock = await seedDevice(db, 'FLT-CLOCK', orgIds.clinicB);
  await heartbeats('FLT-CLOCK', clock, () => ({ rsrpDbm: -86, batteryPct: 85, publishOk: 2, timeSource: 1 }));
  for (let i = 0; i < 4; i += 1) {
    await db.query("INSERT INTO time_corrections (device_id, action, correction_s, detail, created_at) VALUES ($1, 'corrected_drift', $2, 'drift', $3)", [clock, 400 + i * 10, hoursAgo(10 * i + 1)]);
  }
  // shipped to a clinic, never heard from
  await seedDevice(db, 'FLT-NEVER', orgIds.clinicA);
  // in the warehouse: not in anyone's hands, not on the list
  await seedDevice(db, 'FLT-STOCK', null);
});
afterAll(async () => world?.close());

interface FleetJson {
  total: number;
  matching: number;
  counts: Record<string, number>;
  caps: { serial: string; status: string; score: number; troubles: string[]; primary: { code: string; severity: string }; verdicts: { code: string; severity: string }[] }[];
}

describe('GET /v1/support/fleet', () => {
  it('lists every clinic-held cap of the fleet operator, worst first, with counts per kind of trouble', async () => {
    const res = await get(world.tokens.ops.support, '/v1/support/fleet');
    expect(res.statusCode).toBe(200);
    const fleet = res.json() as FleetJson;
    const serials = fleet.caps.map((c) => c.serial);
    expect(serials.sort()).toEqual(['FLT-CLOCK', 'FLT-CRASHY', 'FLT-HEALTHY', 'FLT-LOWBATT', 'FLT-NEVER', 'FLT-SILENT', 'FLT-WEAK']);
    const ordered = (res.json() as FleetJson).caps;
    expect(fleet.total).toBe(7);
    // score: 100 per critical verdict, 10 per warning, 1 per note
    for (const cap of ordered) expect(cap.score).toBe(cap.verdicts.reduce((sum, v) => sum + ({ critical: 100, warning: 10, info: 1, ok: 0 } as Record<string, number>)[v.severity]!, 0));
    const rank = { critical: 3, warning: 2, info: 1, ok: 0 } as Record<string, number>;
    const statuses = ordered.map((c) => rank[c.status]!);
    expect([...statuses].sort((a, b) => b - a)).toEqual(statuses);
    // criticals first (the crashing cap also lost events: one more warning puts it first); between equals, the
    // earlier triage step: a cap never heard of before one gone silent
    expect(ordered.slice(0, 3).map((c) => c.serial)).toEqual(['FLT-CRASHY', 'FLT-NEVER', 'FLT-SILENT']);
    expect(ordered.find((c) => c.serial === 'FLT-CRASHY')!.verdicts.map((v) => v.code)).toContain('events_lost');
    expect(ordered.at(-1)).toMatchObject({ serial: 'FLT-HEALTHY', status: 'ok', troubles: [], primary: { code: 'healthy' } });

    const bySerial = new Map(ordered.map((c) => [c.serial, c]));
    expect(bySerial.get('FLT-NEVER')).toMatchObject({ status: 'critical', troubles: ['silent'], primary: { code: 'never_connected' } });
    expect(bySerial.get('FLT-SILENT')).toMatchObject({ status: 'critical', primary: { code: 'silent' } });
    expect(bySerial.get('FLT-SILENT')!.troubles).toContain('silent');
    expect(bySerial.get('FLT-LOWBATT')!.primary.code).toBe('battery_low');
    expect(bySerial.get('FLT-LOWBATT')!.troubles).toContain('battery');
    expect(bySerial.get('FLT-WEAK')!.primary.code).toBe('signal_poor');
    expect(bySerial.get('FLT-WEAK')!.troubles).toContain('signal');
    expect(bySerial.get('FLT-CRASHY')).toMatchObject({ status: 'critical', primary: { code: 'reboot_loop' } });
    expect(bySerial.get('FLT-CRASHY')!.troubles).toContain('reboots');
    expect(bySerial.get('FLT-CLOCK')!.verdicts.map((v) => v.code)).toContain('clock_unreliable');
    expect(bySerial.get('FLT-CLOCK')!.troubles).toContain('clock');

    const kinds = ['silent', 'battery', 'signal', 'clock', 'reboots', 'data'];
    for (const kind of kinds) expect(fleet.counts[kind], kind).toBe(ordered.filter((c) => c.troubles.includes(kind)).length);
    expect(fleet.counts.healthy).toBe(ordered.filter((c) => c.status === 'ok').length);
    expect(fleet.counts.silent).toBeGreaterThanOrEqual(2);
  });

  it('gives each cap exactly the verdicts of its own diagnostics', async () => {
    const fleet = (await get(world.tokens.ops.support, '/v1/support/fleet')).json() as FleetJson;
    for (const cap of fleet.caps) {
      const diag = await get(world.tokens.ops.support, `/v1/devices/${cap.serial}/diagnostics`);
      expect(diag.statusCode).toBe(200);
      const { diagnosis } = diag.json() as { diagnosis: { status: string; primary: { code: string; detail: string }; verdicts: { code: string; severity: string; detail: string }[] } };
      expect({ serial: cap.serial, status: cap.status, verdicts: cap.verdicts }).toEqual({ serial: cap.serial, status: diagnosis.status, verdicts: diagnosis.verdicts });
    }
  });

  it('filters by kind of trouble, keeping the counts of the whole fleet, and honours the window and limit', async () => {
    const silent = (await get(world.tokens.ops.support, '/v1/support/fleet?trouble=silent')).json() as FleetJson;
    expect(silent.caps.length).toBe(silent.matching);
    expect(silent.matching).toBe(silent.counts.silent);
    expect(silent.caps.every((c) => c.troubles.includes('silent'))).toBe(true);
    expect(silent.total).toBe(7);
    const top = (await get(world.tokens.ops.support, '/v1/support/fleet?limit=2')).json() as FleetJson;
    expect(top.caps).toHaveLength(2);
    expect(top.matching).toBe(7);
    expect((await get(world.tokens.ops.support, '/v1/support/fleet?trouble=tired')).statusCode).toBe(400);
    expect((await get(world.tokens.ops.support, '/v1/support/fleet?days=91')).statusCode).toBe(400);
    // with a 1-day window the lost-power and crash counts of older days drop out
    const day = (await get(world.tokens.ops.support, '/v1/support/fleet?days=1')).json() as FleetJson & { windowDays: number };
    expect(day.windowDays).toBe(1);
    expect(day.caps.find((c) => c.serial === 'FLT-CRASHY')!.primary.code).not.toBe('reboot_loop');
  });

  it('never carries patient identity', async () => {
    const res = await get(world.tokens.ops.support, '/v1/support/fleet');
    expect(res.body).not.toContain(PATIENT_NAME);
    expect(res.body).not.toContain(PATIENT_REFERENCE);
    expect(res.body).not.toMatch(/patient/i);
  });

  it("scopes a clinic's own support to its own caps", async () => {
    const fleet = (await get(world.tokens.clinicB.support, '/v1/support/fleet')).json() as FleetJson;
    expect(fleet.caps.map((c) => c.serial).sort()).toEqual(['FLT-CLOCK', 'FLT-CRASHY', 'FLT-WEAK']);
    expect(fleet.total).toBe(3);
  });

  it('is for support and admin only', async () => {
    expect((await get(world.tokens.ops.admin, '/v1/support/fleet')).statusCode).toBe(200);
    for (const role of ['clinic', 'clinician', 'coordinator', 'manufacturing'] as const) {
      expect((await get(world.tokens.clinicA[role], '/v1/support/fleet')).statusCode, role).toBe(403);
    }
    expect((await world.app.inject({ method: 'GET', url: '/v1/support/fleet' })).statusCode).toBe(401);
  });

  it('diagnoses the whole fleet in one query, however many caps', async () => {
    const seen: string[] = [];
    const counting: Queryable = {
      query: (sql, params) => {
        seen.push(sql);
        return world.db.query(sql, params);
      },
    };
    const fleet = await loadFleetHealth(counting, { orgId: world.orgIds.ops, fleet: true }, { windowDays: 14, limit: 500 });
    expect(fleet.total).toBe(7);
    expect(seen).toHaveLength(1);
  });
});
