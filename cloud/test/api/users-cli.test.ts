/** The users command and personal tokens from the token command, run in-process against the test database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWith as users, type UsersCliIo } from '../../src/cli/users.ts';
import { runWith as token } from '../../src/cli/token.ts';
import { listAudit } from '../../src/repositories/audit.ts';
import { bearer, createWorld, type World } from './fixture.ts';

let world: World;

function io(stdin?: string): UsersCliIo & { out: string; err: string } {
  const captured = { out: '', err: '' };
  return Object.assign(captured, {
    db: world.db,
    stdout: (t: string) => void (captured.out += t),
    stderr: (t: string) => void (captured.err += t),
    ...(stdin === undefined ? {} : { readStdin: async () => stdin }),
  });
}

const signIn = (email: string, password: string) => world.app.inject({ method: 'POST', url: '/v1/session', payload: { email, password } });

beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => world?.close());

describe('pillcap users', () => {
  it('creates a user with a temporary password printed alone on stdout', async () => {
    const out = io();
    expect(await users(['create', '--org', 'clinic-a', '--email', 'Nina.Nurse@Clinic-A.test', '--name', 'Nina Nurse', '--role', 'coordinator'], out)).toBe(0);
    const temporary = out.out.trim();
    expect(temporary).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(out.err).toContain('nina.nurse@clinic-a.test (coordinator) in clinic-a');
    expect(out.err).toContain('shown once');
    const res = await signIn('nina.nurse@clinic-a.test', temporary);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ mustChangePassword: true, organisation: 'clinic-a', user: { role: 'coordinator' } });
    const create = (await listAudit(world.db, { target: res.json().user.id })).find((a) => a.action === 'user.create')!;
    expect(create.actor).toMatch(/^cli:/);
  });

  it('takes the password from standard input and needs an NPI for a clinician', async () => {
    const noNpi = io('a clinician password\n');
    expect(await users(['create', '--org', 'clinic-a', '--email', 'dr.cli@clinic-a.test', '--name', 'Dr CLI', '--role', 'clinician', '--password-stdin'], noNpi)).toBe(1);
    expect(noNpi.err).toContain('npi_required');
    const out = io('a clinician password\n');
    expect(await users(['create', '--org', 'clinic-a', '--email', 'dr.cli@clinic-a.test', '--name', 'Dr CLI', '--role', 'clinician', '--npi', '1234567893', '--password-stdin'], out)).toBe(0);
    expect(out.out).toBe('');
    const res = await signIn('dr.cli@clinic-a.test', 'a clinician password');
    expect(res.json()).toMatchObject({ mustChangePassword: false, user: { role: 'clinician' } });
    const weak = io('short\n');
    expect(await users(['create', '--org', 'clinic-a', '--email', 'weak@clinic-a.test', '--name', 'Weak', '--role', 'support', '--password-stdin'], weak)).toBe(1);
    expect(weak.err).toContain('weak_password');
    const dup = io();
    expect(await users(['create', '--org', 'clinic-b', '--email', 'DR.CLI@clinic-a.test', '--name', 'Dup', '--role', 'support'], dup)).toBe(1);
    expect(dup.err).toContain('email_taken');
  });

  it('creates the organisation only when asked', async () => {
    const missing = io();
    expect(await users(['create', '--org', 'new-users-org', '--email', 'a@new.test', '--name', 'A', '--role', 'admin'], missing)).toBe(1);
    expect(missing.err).toContain('--create-org');
    const created = io();
    expect(await users(['create', '--org', 'new-users-org', '--create-org', '--org-name', 'New Org', '--email', 'a@new.test', '--name', 'A', '--role', 'admin'], created)).toBe(0);
    expect(created.err).toContain('created organisation new-users-org');
  });

  it('lists, resets a password and disables', async () => {
    const list = io();
    expect(await users(['list', '--org', 'clinic-a'], list)).toBe(0);
    expect(list.out).toContain('nina.nurse@clinic-a.test');
    expect(list.out).toContain('must-change');
    expect(list.out).toContain('NPI 1234567893');
    expect(list.out).not.toContain('argon2');

    const session = await signIn('dr.cli@clinic-a.test', 'a clinician password');
    const cookie = `pillcap_session=${session.cookies[0]!.value}`;
    const reset = io();
    expect(await users(['reset-password', '--org', 'clinic-a', '--email', 'DR.CLI@clinic-a.test'], reset)).toBe(0);
    const temporary = reset.out.trim();
    expect(temporary.length).toBe(24);
    expect((await world.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode).toBe(401);
    expect((await signIn('dr.cli@clinic-a.test', temporary)).json().mustChangePassword).toBe(true);
    const given = io('a chosen reset password\n');
    expect(await users(['reset-password', '--org', 'clinic-a', '--email', 'dr.cli@clinic-a.test', '--password-stdin'], given)).toBe(0);
    expect(given.out).toBe('');
    expect((await signIn('dr.cli@clinic-a.test', 'a chosen reset password')).statusCode).toBe(201);

    // another organisation's user is not found
    const foreign = io();
    expect(await users(['disable', '--org', 'clinic-b', '--email', 'dr.cli@clinic-a.test'], foreign)).toBe(1);
    expect(foreign.err).toContain('no user dr.cli@clinic-a.test in clinic-b');
    expect(await users(['disable', '--org', 'clinic-a', '--email', 'dr.cli@clinic-a.test'], io())).toBe(0);
    expect((await signIn('dr.cli@clinic-a.test', 'a chosen reset password')).statusCode).toBe(401);
    const after = io();
    await users(['list', '--org', 'clinic-a'], after);
    expect(after.out).toMatch(/clinician\s+disabled\s+dr\.cli@clinic-a\.test/);
  });

  it('explains bad usage with exit code 2', async () => {
    const bad = io();
    expect(await users(['create', '--org', 'clinic-a', '--email', 'x@y.test', '--name', 'X', '--role', 'clinic'], bad)).toBe(2);
    expect(bad.err).toContain('--role must be one of admin, clinician, coordinator, support, manufacturing');
    expect(await users(['create', '--org', 'clinic-a'], io())).toBe(2);
    expect(await users(['list'], io())).toBe(2);
    expect(await users(['list', '--org', 'clinic-a', '--email', 'x@y.test'], io())).toBe(2);
    expect(await users(['frobnicate'], io())).toBe(2);
    expect(await users(['create', '--org', 'clinic-a', '--email', 'x@y.test', '--name', 'X', '--role', 'support', '--password-stdin'], io(''))).toBe(2);
    const help = io();
    expect(await users(['--help'], help)).toBe(0);
    expect(help.out).toContain('pillcap users reset-password');
  });
});

describe('pillcap token create --user', () => {
  it('issues a personal token that acts as the user', async () => {
    await users(['create', '--org', 'clinic-b', '--email', 'coord@clinic-b.test', '--name', 'Coord B', '--role', 'coordinator'], io());
    const out = io();
    expect(await token(['create', '--user', 'Coord@Clinic-B.test', '--org', 'clinic-b', '--expires-in-days', '30'], out)).toBe(0);
    const secret = out.out.trim();
    expect(secret).toMatch(/^pct_[A-Za-z0-9_-]{43}$/);
    expect(out.err).toContain('personal token');
    const me = await world.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(secret) });
    expect(me.json()).toMatchObject({ organisation: 'clinic-b', role: 'coordinator', via: 'token', user: { email: 'coord@clinic-b.test' } });
    // not for a user of another organisation, and not with a role of its own
    const foreign = io();
    expect(await token(['create', '--user', 'coord@clinic-b.test', '--org', 'clinic-a'], foreign)).toBe(1);
    expect(foreign.err).toContain('no active user');
    expect(await token(['create', '--user', 'coord@clinic-b.test', '--org', 'clinic-b', '--role', 'admin'], io())).toBe(2);
  });
});
