/** The token, support and billing commands, run in-process against the test database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWith as token } from '../../src/cli/token.ts';
import { runWith as support } from '../../src/cli/support.ts';
import { runWith as billing } from '../../src/cli/billing.ts';
import type { CliIo } from '../../src/cli/cli-io.ts';
import { EventKind } from '../../../protocol/src/messages.ts';
import { bearer, createWorld, rebuildDays, seedAssignment, seedDevice, seedEvents, seedHeartbeat, seedPatient, type World } from './fixture.ts';

let world: World;
let patientId: string;

function io(): CliIo & { out: string; err: string } {
  const captured = { out: '', err: '' };
  return Object.assign(captured, { db: world.db, stdout: (t: string) => void (captured.out += t), stderr: (t: string) => void (captured.err += t) });
}

beforeAll(async () => {
  world = await createWorld();
  const deviceId = await seedDevice(world.db, 'CLI-0001', world.orgIds.clinicA);
  patientId = await seedPatient(world.db, world.orgIds.clinicA, 'CLI-REF-1', { name: 'Ada CLI', zone: 'UTC', start: '2026-09-01' });
  await seedAssignment(world.db, deviceId, patientId, world.orgIds.clinicA, new Date('2026-08-31T00:00:00Z'));
  await seedEvents(world.db, 'CLI-0001', deviceId, patientId, Array.from({ length: 5 }, (_, i) => ({ seq: i + 1, kind: EventKind.LidOpened, args: [9], at: new Date(`2026-09-0${i + 2}T08:00:00Z`) })));
  await seedHeartbeat(world.db, 'CLI-0001', deviceId, new Date(Date.now() - 3_600_000), { rsrpDbm: -117, batteryPct: 70 }, 1);
  await rebuildDays(world.db, [patientId]);
});
afterAll(async () => world?.close());

describe('pillcap token', () => {
  it('creates a token that the API accepts and prints only the token on stdout', async () => {
    const out = io();
    expect(await token(['create', '--role', 'support', '--org', 'clinic-a', '--label', 'field'], out)).toBe(0);
    const secret = out.out.trim();
    expect(secret).toMatch(/^pct_[A-Za-z0-9_-]{43}$/);
    expect(out.err).toContain('shown once');
    const me = await world.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(secret) });
    expect(me.json()).toMatchObject({ organisation: 'clinic-a', role: 'support' });
  });

  it('creates an organisation only when asked, lists and revokes', async () => {
    const missing = io();
    expect(await token(['create', '--role', 'clinic', '--org', 'new-clinic'], missing)).toBe(1);
    expect(missing.err).toContain('--create-org');
    const created = io();
    expect(await token(['create', '--role', 'admin', '--org', 'new-clinic', '--create-org', '--org-name', 'New Clinic', '--expires-in-days', '30'], created)).toBe(0);
    const list = io();
    expect(await token(['list', '--org', 'new-clinic'], list)).toBe(0);
    const id = list.out.split(/\s+/)[0]!;
    expect(list.out).toContain('admin');
    expect(list.out).toContain('active');
    expect(await token(['revoke', '--org', 'new-clinic', '--id', id], io())).toBe(0);
    const me = await world.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(created.out.trim()) });
    expect(me.statusCode).toBe(401);
  });

  it('explains bad usage with exit code 2', async () => {
    const bad = io();
    expect(await token(['create', '--role', 'superuser', '--org', 'clinic-a'], bad)).toBe(2);
    expect(bad.err).toContain('--role must be one of admin, clinic, support, manufacturing');
    expect(await token(['create', '--org'], io())).toBe(2);
    expect(await token(['frobnicate', '--org', 'clinic-a'], io())).toBe(2);
  });
});

describe('pillcap support diag', () => {
  it('prints the verdict and the next step', async () => {
    const out = io();
    expect(await support(['diag', 'cli-0001'], out)).toBe(0);
    expect(out.out).toContain('cap CLI-0001');
    expect(out.out).toContain('Weak signal');
    expect(out.out).toContain('window');
    expect(out.out).not.toContain('Ada CLI');
    expect(out.out).not.toContain('CLI-REF-1');
  });

  it('prints JSON on request and fails clearly for an unknown serial', async () => {
    const json = io();
    expect(await support(['diag', 'CLI-0001', '--json', '--days', '7'], json)).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ serial: 'CLI-0001', windowDays: 7, diagnosis: { primary: { code: 'signal_poor' } } });
    const missing = io();
    expect(await support(['diag', 'NOPE-0001'], missing)).toBe(1);
    expect(missing.err).toContain('no cap with serial NOPE-0001');
    expect(await support(['diag', "x' OR 1=1"], io())).toBe(2);
  });
});

describe('pillcap billing export', () => {
  it('prints a dry-run CSV without recording an export', async () => {
    const out = io();
    expect(await billing(['export', '--month', '2026-09', '--org', 'clinic-a', '--dry-run'], out)).toBe(0);
    expect(out.out).toContain('CLI-REF-1');
    expect(out.err).toContain('dry run');
    const count = await world.db.query('SELECT 1 FROM billing_exports');
    expect(count.rowCount).toBe(0);
  });

  it('records the export and prints JSON', async () => {
    const out = io();
    expect(await billing(['export', '--month', '2026-09', '--org', 'clinic-a', '--format', 'json'], out)).toBe(0);
    const report = JSON.parse(out.out);
    expect(report).toMatchObject({ month: '2026-09', exportId: expect.any(Number) });
    expect(report.rows.some((r: { patientReference: string }) => r.patientReference === 'CLI-REF-1')).toBe(true);
    const stored = await world.db.query<{ created_by: string }>('SELECT created_by FROM billing_exports');
    expect(stored.rows[0]!.created_by).toMatch(/^cli:/);
  });

  it('exports every organisation with patients when --org is omitted', async () => {
    await seedPatient(world.db, world.orgIds.clinicB, 'B-CLI-1');
    const out = io();
    expect(await billing(['export', '--month', '2026-09', '--dry-run'], out)).toBe(0);
    expect(out.out).toContain('# organisation: clinic-a');
    expect(out.out).toContain('# organisation: clinic-b');
  });

  it('rejects a bad month', async () => {
    const out = io();
    expect(await billing(['export', '--month', '2026-9'], out)).toBe(2);
    expect(out.err).toContain('--month YYYY-MM');
  });
});

describe('pillcap billing recompute', () => {
  const records = async () =>
    (await world.db.query<{ period_index: number; monitored_days: number; supply_code: string | null }>(
      'SELECT period_index, monitored_days, supply_code FROM billing_periods WHERE patient_id = $1 ORDER BY period_index',
      [patientId],
    )).rows;

  it('stores the period records from the monitored days, and rebuilds the days first when asked', async () => {
    await world.db.query('DELETE FROM billing_periods WHERE patient_id = $1 AND export_snapshot IS NULL', [patientId]);
    const out = io();
    expect(await billing(['recompute', '--org', 'clinic-a'], out)).toBe(0);
    expect(out.out).toMatch(/^clinic-a: \d+ patient\(s\), \d+ period record\(s\) in [\d.]+ s$/m);
    // five openings from 2 September: the 2-15 day supply code, musculoskeletal (the fixture's body system)
    expect((await records())[0]).toEqual({ period_index: 0, monitored_days: 5, supply_code: '98985' });

    await world.db.query('DELETE FROM monitored_days WHERE patient_id = $1', [patientId]);
    const rebuilt = io();
    expect(await billing(['recompute', '--org', 'clinic-a', '--rebuild-days'], rebuilt)).toBe(0);
    expect(rebuilt.out).toContain('days rebuilt');
    expect((await world.db.query('SELECT 1 FROM monitored_days WHERE patient_id = $1 AND qualifying', [patientId])).rowCount).toBe(5);
    expect((await records())[0]).toEqual({ period_index: 0, monitored_days: 5, supply_code: '98985' });
  });

  it('rejects an unknown option and an unknown organisation', async () => {
    expect(await billing(['recompute', '--since', 'x'], io())).toBe(2);
    const missing = io();
    expect(await billing(['recompute', '--org', 'nope'], missing)).toBe(1);
    expect(missing.err).toContain('no organisation "nope"');
  });
});
