/** `pillcap devices register` and `pillcap patients enrol` run in-process against a test database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWith as devices } from '../../src/cli/devices.ts';
import { runWith as patients } from '../../src/cli/patients.ts';
import { runWith as migrateCli } from '../../src/cli/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { db, stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) }, out, err };
}

describe('pillcap devices', () => {
  it('registers caps idempotently and ships them to an organisation it creates', async () => {
    const a = io();
    expect(await devices(['register', 'CLI-0001', 'CLI-0002', '--org', 'cli-clinic'], a.io)).toBe(0);
    expect(a.out.join('')).toBe('registered CLI-0001 (cli-clinic)\nregistered CLI-0002 (cli-clinic)\n');
    const b = io();
    expect(await devices(['register', 'CLI-0001'], b.io)).toBe(0);
    expect(b.out.join('')).toBe('already registered CLI-0001\n');
    const { rows } = await db.query<{ serial: string; slug: string }>(
      'SELECT d.serial, o.slug FROM devices d JOIN organisations o ON o.id = d.org_id WHERE d.serial LIKE $1 ORDER BY d.serial',
      ['CLI-%'],
    );
    expect(rows).toEqual([
      { serial: 'CLI-0001', slug: 'cli-clinic' },
      { serial: 'CLI-0002', slug: 'cli-clinic' },
    ]);
    const audit = await db.query<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'device.register' AND target LIKE 'CLI-%'");
    expect(audit.rows[0]!.n).toBe(2);
  });

  it('refuses bad serials and unknown actions with usage errors', async () => {
    const a = io();
    expect(await devices(['register', 'lower-case'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/serial "lower-case"/);
    expect(await devices(['register'], io().io)).toBe(2);
    expect(await devices(['explode'], io().io)).toBe(2);
    const shown = io();
    expect(await devices(['show', 'CLI-0001'], shown.io)).toBe(0);
    expect(JSON.parse(shown.out.join(''))).toMatchObject({ serial: 'CLI-0001', ackSeq: 0 });
  });
});

describe('pillcap patients enrol', () => {
  const base = ['enrol', '--org', 'cli-new-clinic', '--ref', 'MRN-9', '--name', 'Grace H', '--zone', 'America/New_York', '--body-system', 'musculoskeletal', '--start', '2025-03-09', '--practitioner', 'Dr Hopper'];

  it('enrols a patient, creating the organisation, and assigns the cap from local midnight', async () => {
    const a = io();
    expect(await patients([...base, '--device', 'CLI-0100', '--doses-per-day', '2'], a.io)).toBe(0);
    expect(a.out.join('')).toMatch(/^enrolled MRN-9 \([0-9a-f-]+\) in cli-new-clinic, cap CLI-0100 assigned from 2025-03-09T05:00:00.000Z\n$/);
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT p.time_zone, p.body_system, p.monitoring_start, p.period_anchor, p.regimen, a.assigned_at, d.serial
         FROM patients p JOIN device_assignments a ON a.patient_id = p.id JOIN devices d ON d.id = a.device_id WHERE p.reference = 'MRN-9'`,
    );
    expect(rows[0]).toMatchObject({
      time_zone: 'America/New_York',
      body_system: 'musculoskeletal',
      monitoring_start: '2025-03-09',
      period_anchor: '2025-03-09',
      regimen: { dosesPerDay: 2, reminderMinutes: [480, 1320] },
      serial: 'CLI-0100',
    });
    expect((rows[0]!.assigned_at as Date).toISOString()).toBe('2025-03-09T05:00:00.000Z');
  });

  it('rejects bad input with a usage error and changes nothing', async () => {
    const zone = io();
    expect(await patients(base.map((x) => (x === 'America/New_York' ? 'Mars/Base' : x)), zone.io)).toBe(2);
    expect(zone.err.join('')).toMatch(/IANA/);
    const missing = io();
    expect(await patients(['enrol', '--org', 'x-clinic'], missing.io)).toBe(2);
    expect(missing.err.join('')).toMatch(/missing --ref, --name/);
    const duplicate = io();
    expect(await patients(base, duplicate.io)).toBe(1);
    expect(duplicate.err.join('')).toMatch(/already enrolled/);
    // The cap is taken: assigning it to a second patient over the same time is refused.
    const taken = io();
    expect(await patients([...base.map((x) => (x === 'MRN-9' ? 'MRN-10' : x)), '--device', 'CLI-0100'], taken.io)).toBe(2);
    expect(taken.err.join('')).toMatch(/already assigned/);
    const { rows } = await db.query<{ n: number }>("SELECT count(*) AS n FROM patients WHERE reference = 'MRN-10'");
    expect(rows[0]!.n).toBe(0);
  });

  it('pillcap migrate --help prints usage', async () => {
    const a = io();
    expect(await migrateCli(['--help'], a.io)).toBe(0);
    expect(a.out.join('')).toMatch(/usage: pillcap migrate/);
  });
});
