/**
 * Manufacturing registration and shipping, and field support: diagnostics with a verdict and no patient
 * identity, and commands through the downlink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandCode, EventKind, MessageKind } from '../../../protocol/src/messages.ts';
import { bearer, createWorld, seedAssignment, seedDevice, seedEvents, seedHeartbeat, seedPatient, type World } from './fixture.ts';

let world: World;
const call = (token: string, method: string, url: string, payload?: unknown) =>
  world.app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });

const unit = (serial: string, overrides: Record<string, unknown> = {}) => ({
  serial,
  imei: '356938035643809',
  iccid: '89012608823100000012',
  appFirmware: '1.2.0+build.7',
  modemFirmware: 'BG95M3LAR02A03',
  imageHash: 'a1b2c3d4e5f60718',
  factoryReport: { passed: true, stationId: 'EOL-1', steps: [{ name: 'lid', ok: true }, { name: 'rsrp', ok: true, value: -88 }] },
  ...overrides,
});

beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => world?.close());

describe('manufacturing', () => {
  it('registers a unit that passed its factory test into stock', async () => {
    const res = await call(world.tokens.ops.manufacturing, 'POST', '/v1/devices', unit('MFG-0001'));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ serial: 'MFG-0001', factoryPassed: true, organisation: null, assigned: false });
    const stored = await world.db.query<{ factory_report: { stationId: string } }>('SELECT factory_report FROM devices WHERE serial = $1', ['MFG-0001']);
    expect(stored.rows[0]!.factory_report.stationId).toBe('EOL-1');
  });

  it('refuses a unit whose factory report failed (422) and keeps it out of the registry', async () => {
    const failed = await call(world.tokens.ops.manufacturing, 'POST', '/v1/devices', unit('MFG-0002', { factoryReport: { passed: false, stationId: 'EOL-1', steps: [{ name: 'lid', ok: true }, { name: 'buzzer', ok: false, message: 'no sound' }] } }));
    expect(failed.statusCode).toBe(422);
    expect(failed.json()).toMatchObject({ error: 'factory_test_failed', details: { failedSteps: ['buzzer'] } });
    const inconsistent = await call(world.tokens.ops.manufacturing, 'POST', '/v1/devices', unit('MFG-0002', { factoryReport: { passed: true, stationId: 'EOL-1', steps: [{ name: 'rsrp', ok: false }] } }));
    expect(inconsistent.statusCode).toBe(422);
    expect((await world.db.query('SELECT 1 FROM devices WHERE serial = $1', ['MFG-0002'])).rowCount).toBe(0);
  });

  it('refuses duplicates and malformed identities', async () => {
    expect((await call(world.tokens.ops.manufacturing, 'POST', '/v1/devices', unit('MFG-0001'))).statusCode).toBe(409);
    const bad = await call(world.tokens.ops.manufacturing, 'POST', '/v1/devices', unit('mfg 3', { imei: '12', iccid: 'abc' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues.map((i: { path: string }) => i.path).sort()).toEqual(['iccid', 'imei', 'serial']);
  });

  it('registers into the own organisation unless the fleet operator ships elsewhere', async () => {
    const own = await call(world.tokens.clinicA.manufacturing, 'POST', '/v1/devices', unit('MFG-0003'));
    expect(own.json().organisation).toBe('clinic-a');
    const elsewhere = await call(world.tokens.clinicA.manufacturing, 'POST', '/v1/devices', unit('MFG-0004', { organisation: 'clinic-b' }));
    expect(elsewhere.statusCode).toBe(403);
    const direct = await call(world.tokens.ops.manufacturing, 'POST', '/v1/devices', unit('MFG-0005', { organisation: 'clinic-b' }));
    expect(direct.json().organisation).toBe('clinic-b');
    const shipped = await call(world.tokens.ops.manufacturing, 'PUT', '/v1/devices/MFG-0001/organisation', { organisation: 'clinic-a' });
    expect(shipped.json().organisation).toBe('clinic-a');
    const clinicView = (await call(world.tokens.clinicA.clinic, 'GET', '/v1/devices')).json();
    expect(clinicView.devices.map((d: { serial: string }) => d.serial)).toEqual(['MFG-0001', 'MFG-0003']);
    const notFleet = await call(world.tokens.clinicA.manufacturing, 'PUT', '/v1/devices/MFG-0003/organisation', { organisation: null });
    expect(notFleet.statusCode).toBe(403);
  });

  it('lists units page by page', async () => {
    const first = (await call(world.tokens.ops.manufacturing, 'GET', '/v1/devices?limit=2')).json();
    expect(first.devices).toHaveLength(2);
    const second = (await call(world.tokens.ops.manufacturing, 'GET', `/v1/devices?limit=2&after=${first.next}`)).json();
    expect(second.devices[0].serial > first.devices[1].serial).toBe(true);
  });
});

describe('support diagnostics', () => {
  const now = Date.now();
  const hoursAgo = (h: number) => new Date(now - h * 3_600_000);
  let patientId: string;

  beforeAll(async () => {
    const { db, orgIds } = world;
    const weak = await seedDevice(db, 'SUP-WEAK', orgIds.clinicA);
    patientId = await seedPatient(db, orgIds.clinicA, 'MRN-SECRET-42', { name: 'Zebulon Quixote', zone: 'Pacific/Chatham' });
    await seedAssignment(db, weak, patientId, orgIds.clinicA, hoursAgo(24 * 20));
    for (let i = 0; i < 6; i += 1) {
      await seedHeartbeat(db, 'SUP-WEAK', weak, hoursAgo(24 * (6 - i) + 2), {
        rsrpDbm: -118 - (i % 3), sinrDeciDb: 35, batteryPct: 90 - i * 2, batteryMv: 3950, queueDepth: 3, queueOldestAgeS: 3600,
        publishOk: 4, publishFail: 1, timeSource: 1, operator: '310410', band: 12,
      }, 1000 + i);
    }
    await seedEvents(db, 'SUP-WEAK', weak, patientId, [
      { seq: 1, kind: EventKind.LidOpened, args: [10], at: hoursAgo(50) },
      { seq: 2, kind: EventKind.Boot, args: [0x8005], at: hoursAgo(49) },
      { seq: 5, kind: EventKind.LidOpened, args: [12], at: hoursAgo(30) },
    ]);
    await db.query("INSERT INTO time_corrections (device_id, action, correction_s, detail) VALUES ($1, 'receive_anchored', 420, 'device clock 7 min slow')", [weak]);

    const flat = await seedDevice(db, 'SUP-FLAT', orgIds.clinicA);
    await seedHeartbeat(db, 'SUP-FLAT', flat, hoursAgo(24 * 5), { rsrpDbm: -95, batteryPct: 6, batteryMv: 3250 }, 10);
    await seedDevice(db, 'SUP-NEVER', orgIds.clinicA);
  });

  it('explains a weak signal with the next step, from the heartbeat history', async () => {
    const res = await call(world.tokens.ops.support, 'GET', '/v1/devices/SUP-WEAK/diagnostics');
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.diagnosis.primary.code).toBe('signal_poor');
    expect(d.diagnosis.primary.nextStep).toContain('window');
    expect(d.diagnosis.status).toBe('warning');
    expect(d.signal).toMatchObject({ band: 'poor', sinrDb: 3.5, operator: '310410', lteBand: 12 });
    expect(d.history).toHaveLength(6);
    expect(d.battery.pct).toBe(80);
    expect(d.battery.dropPctPerDay).toBeGreaterThan(1.5);
    expect(d.uploads).toMatchObject({ ok: 24, failed: 6, successRatio: 0.8 });
    expect(d.seqGaps).toEqual({ missing: 2, ranges: [{ from: 3, to: 4 }] });
    expect(d.reboots.unexpected).toBe(1);
    expect(d.reboots.recent[0]).toMatchObject({ reason: 0x8005, reasonName: 'HardwareWatchdog', unexpected: true });
    expect(d.clock.corrections[0]).toMatchObject({ action: 'receive_anchored', correctionS: 420 });
    const codes = d.diagnosis.verdicts.map((v: { code: string }) => v.code);
    expect(codes).toEqual(expect.arrayContaining(['signal_poor', 'reboots', 'clock_corrected', 'events_lost']));
  });

  it('never carries patient identity', async () => {
    for (const token of [world.tokens.ops.support, world.tokens.clinicA.support, world.tokens.clinicA.admin]) {
      const res = await call(token, 'GET', '/v1/devices/SUP-WEAK/diagnostics');
      expect(res.statusCode).toBe(200);
      for (const secret of ['Zebulon', 'Quixote', 'MRN-SECRET-42', 'Pacific/Chatham', patientId, 'patient']) expect(res.body).not.toContain(secret);
      const listed = await call(token, 'GET', '/v1/devices');
      for (const secret of ['Zebulon', 'MRN-SECRET-42', patientId]) expect(listed.body).not.toContain(secret);
    }
  });

  it('tells support a silent cap with a low battery needs charging', async () => {
    const d = (await call(world.tokens.ops.support, 'GET', '/v1/devices/SUP-FLAT/diagnostics')).json();
    expect(d.diagnosis.primary).toMatchObject({ code: 'silent_low_battery', severity: 'critical' });
    expect(d.diagnosis.primary.tellCaller).toContain('charge');
    const never = (await call(world.tokens.ops.support, 'GET', '/v1/devices/SUP-NEVER/diagnostics')).json();
    expect(never.diagnosis.primary.code).toBe('never_connected');
    expect(never.lastSeenAt).toBeNull();
  });

  it('counts power losses from Boot events and heartbeats, apart from crashes', async () => {
    const { db, orgIds } = world;
    const cap = await seedDevice(db, 'SUP-POWER', orgIds.clinicA);
    // Every heartbeat repeats its boot's bootCount and lastResetReason. Not power losses: boot 1 (the first
    // power-up) and boot 2, a power-on reset 20 days ago (it began before the window). Power losses: boots 3-6,
    // each seen in two heartbeats; boot 5 was a brown-out, which is also an unexpected restart.
    const boots = [[1, 0x0007], [2, 0x0007], [3, 0x0007], [4, 0x0007], [5, 0x8003], [6, 0x0007]] as const;
    for (const [i, [bootCount, lastResetReason]] of boots.entries()) {
      for (const h of [0, 1]) {
        const uptimeS = bootCount === 2 ? 20 * 86_400 + h * 6 * 3600 : 600 + bootCount + h * 6 * 3600; // distinct: the fixture files every heartbeat under boot 1
        await seedHeartbeat(db, 'SUP-POWER', cap, hoursAgo(24 * (11 - 2 * i) - h * 6), { rsrpDbm: -85, batteryPct: 80, bootCount, lastResetReason, publishOk: 2 }, uptimeS);
      }
    }
    // the fixture files events under boot 1: the first power-up's Boot event, which is not a loss either
    await seedEvents(db, 'SUP-POWER', cap, null, [{ seq: 1, kind: EventKind.Boot, args: [0x0007], at: hoursAgo(13 * 24) }]);
    const d = (await call(world.tokens.ops.support, 'GET', '/v1/devices/SUP-POWER/diagnostics')).json();
    expect(d.reboots).toMatchObject({ powerLosses: 4, unexpected: 1 });
    expect(d.diagnosis.primary).toMatchObject({ code: 'power_losses', severity: 'warning' });
    expect(d.diagnosis.primary.detail).toMatch(/^4 restarts after a loss of power/);
  });

  it('warns when the cloud had to correct the clock again and again, counting past the listed rows', async () => {
    const { db, orgIds } = world;
    const cap = await seedDevice(db, 'SUP-CLOCK', orgIds.clinicA);
    await seedHeartbeat(db, 'SUP-CLOCK', cap, hoursAgo(2), { rsrpDbm: -85, batteryPct: 80, timeSource: 1 }, 50);
    for (let i = 0; i < 25; i += 1) {
      await db.query("INSERT INTO time_corrections (device_id, action, correction_s, detail, created_at) VALUES ($1, 'corrected_drift', $2, 'drift', $3)", [cap, i === 7 ? -3682 : 400 + i, hoursAgo(10 * i + 1)]);
    }
    await db.query("INSERT INTO time_corrections (device_id, action, correction_s, detail, created_at) VALUES ($1, 'corrected_drift', 9000, 'old', $2)", [cap, hoursAgo(24 * 20)]);
    const d = (await call(world.tokens.ops.support, 'GET', '/v1/devices/SUP-CLOCK/diagnostics')).json();
    expect(d.clock.correctionsInWindow).toBe(25);
    expect(d.clock.corrections).toHaveLength(20);
    expect(d.diagnosis.primary).toMatchObject({ code: 'clock_unreliable', severity: 'warning' });
    expect(d.diagnosis.primary.detail).toContain('25 time(s) in the last 14 days, by up to 3682 s');
    expect(d.diagnosis.primary.detail).toContain('Billing days stay right');
  });

  it('sums attach failures and connection losses from heartbeats and escalates a fair signal', async () => {
    const { db, orgIds } = world;
    const cap = await seedDevice(db, 'SUP-FLAKY', orgIds.clinicA);
    for (let i = 0; i < 3; i += 1) {
      await seedHeartbeat(db, 'SUP-FLAKY', cap, hoursAgo(24 * (3 - i)), { rsrpDbm: -110, batteryPct: 70, attachFailures: 2, connectionLosses: 1, publishOk: 3 }, 200 + i);
    }
    const d = (await call(world.tokens.ops.support, 'GET', '/v1/devices/SUP-FLAKY/diagnostics')).json();
    expect(d.uploads).toMatchObject({ attachFailures: 6, connectionLosses: 3 });
    expect(d.signal.band).toBe('fair');
    expect(d.diagnosis.primary).toMatchObject({ code: 'signal_unreliable', severity: 'warning' });
    expect(d.diagnosis.verdicts.map((v: { code: string }) => v.code)).not.toContain('signal_fair');
  });

  it('sends commands through the downlink and records them', async () => {
    const sentBefore = world.downlink.sent.length;
    const ping = await call(world.tokens.ops.support, 'POST', '/v1/devices/SUP-WEAK/commands', { command: 'ping' });
    expect(ping.statusCode).toBe(202);
    expect(ping.json()).toMatchObject({ commandId: 1, code: CommandCode.Ping, status: 'sent' });
    const reboot = await call(world.tokens.ops.support, 'POST', '/v1/devices/SUP-WEAK/commands', { command: 'reboot' });
    expect(reboot.json().commandId).toBe(2);
    expect(world.downlink.sent.slice(sentBefore)).toEqual([
      { serial: 'SUP-WEAK', message: { kind: MessageKind.Command, serial: 'SUP-WEAK', commandId: 1, code: CommandCode.Ping } },
      { serial: 'SUP-WEAK', message: { kind: MessageKind.Command, serial: 'SUP-WEAK', commandId: 2, code: CommandCode.Reboot } },
    ]);
    const rows = await world.db.query<{ command_id: number; status: string; requested_by: string }>(
      "SELECT command_id, status, requested_by FROM device_commands dc JOIN devices d ON d.id = dc.device_id WHERE d.serial = 'SUP-WEAK' ORDER BY command_id",
    );
    expect(rows.rows.map((r) => [r.command_id, r.status])).toEqual([[1, 'sent'], [2, 'sent']]);
    expect(rows.rows[0]!.requested_by).toMatch(/^token:/);
    const unknown = await call(world.tokens.ops.support, 'POST', '/v1/devices/SUP-WEAK/commands', { command: 'self_destruct' });
    expect(unknown.statusCode).toBe(400);
    const diag = (await call(world.tokens.ops.support, 'GET', '/v1/devices/SUP-WEAK/diagnostics')).json();
    expect(diag.commands.map((c: { commandId: number }) => c.commandId)).toEqual([2, 1]);
  });

  it('reports a broker failure as 502 and marks the command failed', async () => {
    world.downlink.fail = true;
    try {
      const res = await call(world.tokens.ops.support, 'POST', '/v1/devices/SUP-FLAT/commands', { command: 'heartbeat_now' });
      expect(res.statusCode).toBe(502);
      expect(res.json().error).toBe('downlink_failed');
    } finally {
      world.downlink.fail = false;
    }
    const row = await world.db.query<{ status: string; detail: string }>(
      "SELECT status, detail FROM device_commands dc JOIN devices d ON d.id = dc.device_id WHERE d.serial = 'SUP-FLAT'",
    );
    expect(row.rows[0]).toMatchObject({ status: 'failed' });
    expect(row.rows[0]!.detail).toContain('broker unavailable');
  });
});
