/**
 * Staff sign-in: passwords (argon2id, policy), sessions in the cookie (attributes, hashes only, idle and
 * absolute expiry, sign-out), CSRF for cookie requests, lockout, disabling, admin reset and password change,
 * and the audit log naming the user. Times are moved in the database rather than waited for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPasswordPolicy, hashPassword, PasswordPolicyError, verifyPassword } from '../../src/api/auth/passwords.ts';
import { DEFAULT_SESSION_POLICY, sessionPolicyFromEnv } from '../../src/api/auth/sessions.ts';
import { createStaffUser, isValidNpi, StaffUserError } from '../../src/api/auth/staff-users.ts';
import { issueToken } from '../../src/api/auth/tokens.ts';
import { listAudit } from '../../src/repositories/audit.ts';
import { bearer, createWorld, type World } from './fixture.ts';

let world: World;
const PASSWORD = 'correct horse battery';
let adminId: string;

beforeAll(async () => {
  world = await createWorld();
  adminId = (await createStaffUser(world.db, { orgId: world.orgIds.clinicA, name: 'Ada Admin', email: 'Admin@Clinic-A.test', role: 'admin', password: PASSWORD })).id;
});
afterAll(async () => world?.close());

interface Signed {
  cookie: string;
  csrf: string;
  body: Record<string, unknown>;
}

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => world.app.inject({ method: 'POST', url, payload: payload as object, headers });

async function signIn(email: string, password = PASSWORD): Promise<Signed> {
  const res = await post('/v1/session', { email, password });
  expect(res.statusCode, res.body).toBe(201);
  const cookie = res.cookies.find((c) => c.name === 'pillcap_session')!;
  const body = res.json() as Record<string, unknown>;
  return { cookie: `pillcap_session=${cookie.value}`, csrf: body.csrfToken as string, body };
}

const withCookie = (s: Signed, csrf = true) => ({ cookie: s.cookie, ...(csrf ? { 'x-csrf-token': s.csrf } : {}) });
const me = (headers: Record<string, string>) => world.app.inject({ method: 'GET', url: '/v1/me', headers });

async function newUser(email: string, role: 'admin' | 'clinician' | 'coordinator' | 'support' | 'manufacturing' = 'coordinator', org: 'clinicA' | 'clinicB' = 'clinicA') {
  return createStaffUser(world.db, { orgId: world.orgIds[org], name: `User ${email}`, email, role, npi: role === 'clinician' ? '1234567893' : null, password: PASSWORD });
}

const enrolBody = (reference: string) => ({ reference, name: `Patient ${reference}`, timeZone: 'America/Chicago', bodySystem: 'respiratory', monitoringStart: '2026-10-01', billingPractitioner: 'Dr X' });

describe('passwords and accounts', () => {
  it('hashes with argon2id at the OWASP parameters and verifies', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, `${PASSWORD}!`)).toBe(false);
    expect(await verifyPassword('not a phc string', PASSWORD)).toBe(false);
  });

  it('applies the password policy with a typed error', () => {
    expect(() => checkPasswordPolicy('short', null)).toThrow(PasswordPolicyError);
    expect(() => checkPasswordPolicy('x'.repeat(257), null)).toThrow(/at most 256/);
    expect(() => checkPasswordPolicy('Someone@Clinic.test', 'someone@clinic.test')).toThrow(/email/);
    expect(() => checkPasswordPolicy('twelve chars', null)).not.toThrow();
    try {
      checkPasswordPolicy('short', null);
    } catch (error) {
      expect(error).toMatchObject({ statusCode: 422, code: 'weak_password' });
    }
  });

  it('checks NPIs with the Luhn digit over the 80840 prefix', () => {
    expect(isValidNpi('1234567893')).toBe(true);
    expect(isValidNpi('1234567890')).toBe(false);
    expect(isValidNpi('123456789')).toBe(false);
    expect(isValidNpi('12345678a3')).toBe(false);
  });

  it('stores emails lowercase, refuses duplicates (409) and a clinician without a valid NPI', async () => {
    const user = await createStaffUser(world.db, { orgId: world.orgIds.clinicA, name: ' Mixed Case ', email: ' Mixed.Case@Clinic-A.test ', role: 'coordinator' });
    expect(user).toMatchObject({ email: 'mixed.case@clinic-a.test', name: 'Mixed Case', role: 'coordinator', mustChangePassword: false });
    await expect(createStaffUser(world.db, { orgId: world.orgIds.clinicB, name: 'Dup', email: 'MIXED.case@clinic-a.test', role: 'coordinator' })).rejects.toMatchObject({ statusCode: 409, code: 'email_taken' });
    await expect(createStaffUser(world.db, { orgId: world.orgIds.clinicA, name: 'Dr No', email: 'drno@clinic-a.test', role: 'clinician' })).rejects.toMatchObject({ code: 'npi_required' });
    await expect(createStaffUser(world.db, { orgId: world.orgIds.clinicA, name: 'Dr No', email: 'drno@clinic-a.test', role: 'clinician', npi: '1234567890' })).rejects.toBeInstanceOf(StaffUserError);
    await expect(createStaffUser(world.db, { orgId: world.orgIds.clinicA, name: 'Bad', email: 'not-an-email', role: 'support' })).rejects.toMatchObject({ code: 'invalid_email' });
    const stored = await world.db.query<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE id = $1', [user.id]);
    expect(stored.rows[0]!.password_hash).toBeNull();
  });

  it('reads the session lengths from the environment', () => {
    expect(sessionPolicyFromEnv({})).toEqual(DEFAULT_SESSION_POLICY);
    expect(sessionPolicyFromEnv({ SESSION_IDLE_MINUTES: '5', SESSION_MAX_HOURS: '1' })).toMatchObject({ idleMs: 300_000, maxMs: 3_600_000 });
    expect(() => sessionPolicyFromEnv({ SESSION_IDLE_MINUTES: 'soon' })).toThrow();
  });
});

describe('sign-in', () => {
  it('sets a Secure, HttpOnly, SameSite=Strict cookie and stores only hashes', async () => {
    const before = Date.now();
    const res = await post('/v1/session', { email: 'ADMIN@clinic-a.test', password: PASSWORD }, { 'user-agent': 'vitest' });
    expect(res.statusCode).toBe(201);
    const cookie = res.cookies.find((c) => c.name === 'pillcap_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(cookie.value).toMatch(/^pcs_[A-Za-z0-9_-]{43}$/);
    const header = String(res.headers['set-cookie']);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('Secure');
    expect(header).toContain('SameSite=Strict');
    const body = res.json();
    expect(body).toMatchObject({ user: { id: adminId, name: 'Ada Admin', email: 'admin@clinic-a.test', role: 'admin' }, organisation: 'clinic-a', mustChangePassword: false });
    expect(Date.parse(body.expiresAt) - before).toBeGreaterThanOrEqual(12 * 3_600_000 - 1000);
    expect(Date.parse(body.idleExpiresAt) - before).toBeLessThanOrEqual(30 * 60_000 + 5000);
    expect(new Date(cookie.expires!).toISOString()).toBe(new Date(body.expiresAt).toISOString().replace(/\.\d{3}Z$/, '.000Z'));
    const rows = await world.db.query<{ token_hash: Uint8Array; csrf_hash: Uint8Array; user_agent: string }>('SELECT token_hash, csrf_hash, user_agent FROM sessions WHERE user_id = $1', [adminId]);
    const row = rows.rows.at(-1)!;
    expect(row.token_hash.length).toBe(32);
    expect(row.csrf_hash.length).toBe(32);
    expect(Buffer.from(row.token_hash).toString('latin1')).not.toContain(cookie.value);
    expect(row.user_agent).toBe('vitest');
    const who = await me({ cookie: `pillcap_session=${cookie.value}` });
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ organisation: 'clinic-a', role: 'admin', via: 'session', user: { id: adminId, email: 'admin@clinic-a.test' } });
    const users = await world.db.query<{ last_sign_in_at: Date | null }>('SELECT last_sign_in_at FROM users WHERE id = $1', [adminId]);
    expect(users.rows[0]!.last_sign_in_at).not.toBeNull();
  });

  it('answers a wrong password, an unknown email and a disabled account alike', async () => {
    const disabled = await newUser('gone@clinic-a.test');
    await world.db.query('UPDATE users SET disabled_at = now() WHERE id = $1', [disabled.id]);
    const noPassword = await createStaffUser(world.db, { orgId: world.orgIds.clinicA, name: 'No Password', email: 'nopass@clinic-a.test', role: 'coordinator' });
    const answers = [];
    for (const [email, password] of [
      ['admin@clinic-a.test', 'wrong password!!'],
      ['nobody@clinic-a.test', PASSWORD],
      ['gone@clinic-a.test', PASSWORD],
      ['nopass@clinic-a.test', PASSWORD],
      ["' OR 1=1 --", PASSWORD],
    ]) {
      const res = await post('/v1/session', { email, password });
      expect(res.statusCode, email).toBe(401);
      expect(res.cookies).toHaveLength(0);
      answers.push({ ...res.json(), requestId: undefined });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ error: 'invalid_credentials' });
    expect(noPassword.id).toBeTruthy();
    await world.db.query('UPDATE users SET failed_sign_ins = 0 WHERE id = $1', [adminId]);
  });

  it('locks the account after 5 failures for 15 minutes, with the same answer, and unlocks after', async () => {
    const user = await newUser('locky@clinic-a.test');
    for (let i = 0; i < 4; i += 1) expect((await post('/v1/session', { email: 'locky@clinic-a.test', password: `wrong password ${i}` })).statusCode).toBe(401);
    let row = (await world.db.query<{ failed_sign_ins: number; locked_until: Date | null }>('SELECT failed_sign_ins, locked_until FROM users WHERE id = $1', [user.id])).rows[0]!;
    expect(row).toMatchObject({ failed_sign_ins: 4, locked_until: null });
    const fifth = await post('/v1/session', { email: 'locky@clinic-a.test', password: 'wrong password 5' });
    row = (await world.db.query<{ failed_sign_ins: number; locked_until: Date | null }>('SELECT failed_sign_ins, locked_until FROM users WHERE id = $1', [user.id])).rows[0]!;
    expect(row.locked_until!.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(row.locked_until!.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    // the right password while locked: the same answer as any failure
    const locked = await post('/v1/session', { email: 'locky@clinic-a.test', password: PASSWORD });
    expect(locked.statusCode).toBe(401);
    expect({ ...locked.json(), requestId: 0 }).toEqual({ ...fifth.json(), requestId: 0 });
    const audit = await listAudit(world.db, { userId: user.id });
    expect(audit.map((a) => a.action)).toContain('session.sign_in_refused');
    expect(audit.find((a) => a.detail.locked === true)).toBeDefined();
    // fifteen minutes later (moved in the database)
    await world.db.query("UPDATE users SET locked_until = now() - interval '1 second' WHERE id = $1", [user.id]);
    await signIn('locky@clinic-a.test');
    row = (await world.db.query<{ failed_sign_ins: number; locked_until: Date | null }>('SELECT failed_sign_ins, locked_until FROM users WHERE id = $1', [user.id])).rows[0]!;
    expect(row).toMatchObject({ failed_sign_ins: 0, locked_until: null });
  });

  it('throttles failed sign-ins per address', async () => {
    const limited = await createWorld({ rateLimit: { max: 100, timeWindowMs: 60_000, authFailures: 3 } });
    try {
      const codes = [];
      for (let i = 0; i < 5; i += 1) codes.push((await limited.app.inject({ method: 'POST', url: '/v1/session', payload: { email: `guess${i}@x.test`, password: 'guess guess guess' } })).statusCode);
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('sessions', () => {
  it('ends after 30 idle minutes and at the absolute expiry, and touches last_seen_at at most once a minute', async () => {
    const user = await newUser('idle@clinic-a.test');
    const idle = await signIn('idle@clinic-a.test');
    const lastSeen = async () => (await world.db.query<{ last_seen_at: Date }>('SELECT last_seen_at FROM sessions WHERE user_id = $1', [user.id])).rows[0]!.last_seen_at;
    await world.db.query("UPDATE sessions SET last_seen_at = now() - interval '30 seconds' WHERE user_id = $1", [user.id]);
    const recent = await lastSeen();
    expect((await me(withCookie(idle))).statusCode).toBe(200);
    expect((await lastSeen()).getTime()).toBe(recent.getTime());
    await world.db.query("UPDATE sessions SET last_seen_at = now() - interval '29 minutes' WHERE user_id = $1", [user.id]);
    expect((await me(withCookie(idle))).statusCode).toBe(200);
    expect(Date.now() - (await lastSeen()).getTime()).toBeLessThan(60_000);
    await world.db.query("UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE user_id = $1", [user.id]);
    const ended = await me(withCookie(idle));
    expect(ended.statusCode).toBe(401);
    expect(ended.json().message).toContain('sign in again');
    expect(ended.cookies.find((c) => c.name === 'pillcap_session')?.value).toBe('');
    const revoked = await world.db.query<{ revoked_reason: string }>('SELECT revoked_reason FROM sessions WHERE user_id = $1', [user.id]);
    expect(revoked.rows[0]!.revoked_reason).toBe('idle');

    const absolute = await signIn('idle@clinic-a.test');
    await world.db.query("UPDATE sessions SET expires_at = now() - interval '1 second', last_seen_at = now() WHERE user_id = $1 AND revoked_at IS NULL", [user.id]);
    expect((await me(withCookie(absolute))).statusCode).toBe(401);
    const reasons = await world.db.query<{ revoked_reason: string }>('SELECT revoked_reason FROM sessions WHERE user_id = $1 ORDER BY created_at', [user.id]);
    expect(reasons.rows.map((r) => r.revoked_reason)).toEqual(['idle', 'expired']);
  });

  it('requires the CSRF token for state-changing cookie requests, not for bearer ones', async () => {
    const user = await newUser('csrf@clinic-a.test', 'clinician');
    const s = await signIn('csrf@clinic-a.test');
    const noHeader = await post('/v1/patients', enrolBody('CSRF-1'), withCookie(s, false));
    expect(noHeader.statusCode).toBe(403);
    expect(noHeader.json().error).toBe('csrf_failed');
    const wrong = await post('/v1/patients', enrolBody('CSRF-1'), { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) });
    expect(wrong.json().error).toBe('csrf_failed');
    const other = await signIn('csrf@clinic-a.test');
    expect((await post('/v1/patients', enrolBody('CSRF-1'), { cookie: s.cookie, 'x-csrf-token': other.csrf })).json().error).toBe('csrf_failed');
    expect((await world.db.query("SELECT 1 FROM patients WHERE reference = 'CSRF-1'")).rowCount).toBe(0);
    // reads need no CSRF token
    expect((await world.app.inject({ method: 'GET', url: '/v1/patients', headers: withCookie(s, false) })).statusCode).toBe(200);
    const ok = await post('/v1/patients', enrolBody('CSRF-1'), withCookie(s));
    expect(ok.statusCode).toBe(201);
    // a clinician's record is attributed to the user in the audit log
    const audit = await listAudit(world.db, { target: ok.json().id });
    expect(audit[0]).toMatchObject({ action: 'patient.enrol', userId: user.id, actor: `user:${user.id}` });
    // a bearer token needs none, and a bearer header is judged alone even with a valid cookie beside it
    expect((await post('/v1/patients', enrolBody('CSRF-2'), bearer(world.tokens.clinicA.clinician))).statusCode).toBe(201);
    expect((await me({ ...withCookie(s), authorization: 'Bearer pct_nope' })).statusCode).toBe(401);
  });

  it('gives a reloaded page a new CSRF token on GET /v1/session; the old one stops working', async () => {
    await newUser('reload@clinic-a.test', 'clinician');
    const s = await signIn('reload@clinic-a.test');
    const res = await world.app.inject({ method: 'GET', url: '/v1/session', headers: withCookie(s, false) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ user: { email: 'reload@clinic-a.test', role: 'clinician' }, organisation: 'clinic-a', mustChangePassword: false, expiresAt: s.body.expiresAt });
    expect(body.csrfToken).not.toBe(s.csrf);
    expect((await post('/v1/patients', enrolBody('RELOAD-1'), withCookie(s))).json().error).toBe('csrf_failed');
    expect((await post('/v1/patients', enrolBody('RELOAD-1'), { cookie: s.cookie, 'x-csrf-token': body.csrfToken })).statusCode).toBe(201);
    // a personal token has no session to show
    expect((await world.app.inject({ method: 'GET', url: '/v1/session', headers: bearer(world.tokens.clinicA.clinician) })).statusCode).toBe(404);
  });

  it('signs out: revokes the session and clears the cookie', async () => {
    await newUser('bye@clinic-a.test');
    const s = await signIn('bye@clinic-a.test');
    const other = await signIn('bye@clinic-a.test');
    expect((await world.app.inject({ method: 'DELETE', url: '/v1/session', headers: withCookie(s, false) })).json().error).toBe('csrf_failed');
    const out = await world.app.inject({ method: 'DELETE', url: '/v1/session', headers: withCookie(s) });
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((c) => c.name === 'pillcap_session')!;
    expect(cleared.value).toBe('');
    expect(new Date(cleared.expires!).getTime()).toBeLessThan(Date.now());
    expect((await me(withCookie(s))).statusCode).toBe(401);
    // only that session: the same user's other one goes on
    expect((await me(withCookie(other))).statusCode).toBe(200);
  });
});

describe('admin actions on accounts', () => {
  it('disabling a user ends their sessions and personal tokens at once', async () => {
    const user = await newUser('disable@clinic-a.test', 'clinician');
    const s = await signIn('disable@clinic-a.test');
    const token = await issueToken(world.db, { orgSlug: 'clinic-a', userId: user.id });
    expect((await me(bearer(token.token))).statusCode).toBe(200);
    const admin = await signIn('admin@clinic-a.test');
    const res = await world.app.inject({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: withCookie(admin), payload: { disabled: true } });
    expect(res.statusCode).toBe(200);
    expect(res.json().disabledAt).not.toBeNull();
    expect((await me(withCookie(s))).statusCode).toBe(401);
    expect((await me(bearer(token.token))).statusCode).toBe(401);
    expect((await post('/v1/session', { email: 'disable@clinic-a.test', password: PASSWORD })).statusCode).toBe(401);
    const audit = await listAudit(world.db, { target: user.id });
    expect(audit.find((a) => a.action === 'user.update')).toMatchObject({ userId: adminId, actor: `user:${adminId}`, detail: { disabled: true } });
    // enabled again, the user signs in again (old sessions stay dead)
    await world.app.inject({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: withCookie(admin), payload: { disabled: false } });
    expect((await me(withCookie(s))).statusCode).toBe(401);
    await signIn('disable@clinic-a.test');
  });

  it('an admin reset revokes the sessions, clears the lockout and forces a new password', async () => {
    const user = await newUser('reset@clinic-a.test', 'clinician');
    const s = await signIn('reset@clinic-a.test');
    await world.db.query("UPDATE users SET failed_sign_ins = 3, locked_until = now() + interval '10 minutes' WHERE id = $1", [user.id]);
    const admin = await signIn('admin@clinic-a.test');
    const res = await post(`/v1/users/${user.id}/password-reset`, {}, withCookie(admin));
    expect(res.statusCode, res.body).toBe(200);
    const temporary = res.json().temporaryPassword as string;
    expect(temporary.length).toBeGreaterThanOrEqual(12);
    expect(res.json().user).toMatchObject({ mustChangePassword: true, lockedUntil: null });
    expect((await me(withCookie(s))).statusCode).toBe(401);
    expect((await post('/v1/session', { email: 'reset@clinic-a.test', password: PASSWORD })).statusCode).toBe(401);

    const fresh = await signIn('reset@clinic-a.test', temporary);
    expect(fresh.body.mustChangePassword).toBe(true);
    const blocked = await world.app.inject({ method: 'GET', url: '/v1/patients', headers: withCookie(fresh) });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toBe('password_change_required');
    const wrong = await post('/v1/session/password', { currentPassword: 'not the temporary', newPassword: 'a brand new passphrase' }, withCookie(fresh));
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toBe('wrong_password');
    const weak = await post('/v1/session/password', { currentPassword: temporary, newPassword: 'short' }, withCookie(fresh));
    expect(weak.statusCode).toBe(422);
    expect(weak.json().error).toBe('weak_password');
    const same = await post('/v1/session/password', { currentPassword: temporary, newPassword: temporary }, withCookie(fresh));
    expect(same.json().error).toBe('weak_password');
    const changed = await post('/v1/session/password', { currentPassword: temporary, newPassword: 'a brand new passphrase' }, withCookie(fresh));
    expect(changed.statusCode).toBe(204);
    // the session that changed it goes on, now unrestricted
    expect((await world.app.inject({ method: 'GET', url: '/v1/patients', headers: withCookie(fresh) })).statusCode).toBe(200);
    expect((await signIn('reset@clinic-a.test', 'a brand new passphrase')).body.mustChangePassword).toBe(false);

    const audit = await listAudit(world.db, { target: user.id });
    expect(audit.find((a) => a.action === 'user.password_reset')).toMatchObject({ userId: adminId, detail: { generatedPassword: true } });
    expect(audit.find((a) => a.action === 'user.password_change')).toMatchObject({ userId: user.id, actor: `user:${user.id}` });
    const reasons = await world.db.query<{ revoked_reason: string | null }>('SELECT revoked_reason FROM sessions WHERE user_id = $1 ORDER BY created_at', [user.id]);
    expect(reasons.rows[0]!.revoked_reason).toBe('password_reset');
  });

  it("changing one's password ends the user's other sessions", async () => {
    await newUser('change@clinic-a.test');
    const here = await signIn('change@clinic-a.test');
    const elsewhere = await signIn('change@clinic-a.test');
    expect((await post('/v1/session/password', { currentPassword: PASSWORD, newPassword: 'another long secret' }, withCookie(here))).statusCode).toBe(204);
    expect((await me(withCookie(here))).statusCode).toBe(200);
    expect((await me(withCookie(elsewhere))).statusCode).toBe(401);
  });
});
