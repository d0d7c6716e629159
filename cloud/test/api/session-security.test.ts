/**
 * The role-by-route matrix again, signed in with a session cookie (and the CSRF header) as a user of each
 * role: exactly the declared roles get through every route; cookie requests that change state without the
 * CSRF token are refused everywhere; an ended session opens nothing; support users see no patient identity.
 * Then the users routes: organisation isolation (404) and admin-only writes (403 for everyone else).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ROLES, type UserRole } from '../../src/api/auth/roles.ts';
import { createStaffUser } from '../../src/api/auth/staff-users.ts';
import { listAudit } from '../../src/repositories/audit.ts';
import { bearer, createWorld, seedAssignment, seedDevice, seedHeartbeat, seedPatient, type OrgKey, type World } from './fixture.ts';
import { concreteUrl as concreteUrlFor } from './route-urls.ts';

let world: World;
let patientA: string;
const SERIAL_A = 'SES-A-0001';
const PASSWORD = 'matrix password 1';

/** The organisation of each role's user, as the bearer matrix (security.test.ts) has it: the fleet operator for device roles. */
const MATRIX_ORG: Record<UserRole, OrgKey> = { admin: 'ops', clinician: 'clinicA', coordinator: 'clinicA', support: 'ops', manufacturing: 'ops' };

interface Session {
  cookie: string;
  csrf: string;
}
const sessions = {} as Record<UserRole, Session>;
const userIds = {} as Record<UserRole, string>;
let clinicAdmin: Session;
let clinicAdminId: string;
let clinicBAdmin: Session;

const emailOf = (role: UserRole, org: OrgKey) => `${role}.session@${org.toLowerCase()}.test`;

async function signIn(email: string): Promise<Session> {
  const res = await world.app.inject({ method: 'POST', url: '/v1/session', payload: { email, password: PASSWORD } });
  expect(res.statusCode, res.body).toBe(201);
  return { cookie: `pillcap_session=${res.cookies.find((c) => c.name === 'pillcap_session')!.value}`, csrf: res.json().csrfToken };
}

const headersOf = (s: Session, csrf = true): Record<string, string> => ({ cookie: s.cookie, ...(csrf ? { 'x-csrf-token': s.csrf } : {}) });

const inject = (method: string, url: string, headers: Record<string, string> = {}, payload?: unknown) =>
  world.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

const concreteUrl = (url: string): string => concreteUrlFor(url, { patientId: patientA, serial: SERIAL_A });
const payloadFor = (method: string): unknown => (method === 'GET' || method === 'DELETE' ? undefined : {});

beforeAll(async () => {
  world = await createWorld();
  const { db, orgIds } = world;
  patientA = await seedPatient(db, orgIds.clinicA, 'SES-001', { name: 'Alice Secret', zone: 'Europe/Paris' });
  const deviceA = await seedDevice(db, SERIAL_A, orgIds.clinicA);
  await seedAssignment(db, deviceA, patientA, orgIds.clinicA, new Date('2026-10-01T00:00:00Z'));
  await seedHeartbeat(db, SERIAL_A, deviceA, new Date(Date.now() - 3_600_000), { rsrpDbm: -100, batteryPct: 80 }, 10);
  for (const role of USER_ROLES) {
    const org = MATRIX_ORG[role];
    const user = await createStaffUser(db, { orgId: orgIds[org], name: `${role} of ${org}`, email: emailOf(role, org), role, npi: role === 'clinician' ? '1234567893' : null, password: PASSWORD });
    userIds[role] = user.id;
    sessions[role] = await signIn(emailOf(role, org));
  }
  clinicAdminId = (await createStaffUser(db, { orgId: orgIds.clinicA, name: 'Clinic A Admin', email: 'admin.session@clinica.test', role: 'admin', password: PASSWORD })).id;
  clinicAdmin = await signIn('admin.session@clinica.test');
  await createStaffUser(db, { orgId: orgIds.clinicB, name: 'Clinic B Admin', email: 'admin.session@clinicb.test', role: 'admin', password: PASSWORD });
  clinicBAdmin = await signIn('admin.session@clinicb.test');
});
afterAll(async () => world?.close());

describe('role-by-route matrix with session cookies', () => {
  it('lets exactly the declared roles through every route', async () => {
    const seen: string[] = [];
    for (const route of world.app.routeTable) {
      for (const role of USER_ROLES) {
        const res = await inject(route.method, concreteUrl(route.url), headersOf(sessions[role]), payloadFor(route.method));
        const label = `${role} session ${route.method} ${route.url} -> ${res.statusCode} ${res.body.slice(0, 120)}`;
        if (route.public) {
          // sign-in takes no credentials: an empty body is a validation error for everyone
          expect(res.statusCode, label).toBe(400);
        } else if (route.roles.includes(role)) {
          expect([401, 403], label).not.toContain(res.statusCode);
          expect(res.statusCode, label).toBeLessThan(500);
        } else {
          expect(res.statusCode, label).toBe(403);
          expect(res.json().error, label).toBe('forbidden');
        }
        // the matrix itself signs out (DELETE /v1/session) and rotates the CSRF token (GET /v1/session)
        if (route.url === '/v1/session' && route.method === 'DELETE' && res.statusCode === 204) sessions[role] = await signIn(emailOf(role, MATRIX_ORG[role]));
        if (route.url === '/v1/session' && route.method === 'GET' && res.statusCode === 200) sessions[role].csrf = res.json().csrfToken;
        seen.push(label);
      }
    }
    expect(seen.length).toBe(world.app.routeTable.length * USER_ROLES.length);
    expect(world.app.routeTable.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['POST /v1/session', 'GET /v1/session', 'DELETE /v1/session', 'POST /v1/session/password', 'GET /v1/users', 'POST /v1/users', 'PATCH /v1/users/:userId', 'POST /v1/users/:userId/password-reset', 'POST /v1/users/:userId/tokens']));
  });

  it('refuses every state-changing cookie request without the CSRF token, whatever the role', async () => {
    const changing = world.app.routeTable.filter((r) => !r.public && r.method !== 'GET');
    expect(changing.length).toBeGreaterThan(10);
    for (const route of changing) {
      for (const role of USER_ROLES) {
        const res = await inject(route.method, concreteUrl(route.url), headersOf(sessions[role], false), payloadFor(route.method));
        expect(res.statusCode, `${role} ${route.method} ${route.url}`).toBe(403);
        expect(res.json().error).toBe('csrf_failed');
      }
    }
  });

  it('opens nothing with an ended session', async () => {
    const ended = await signIn(emailOf('coordinator', 'clinicA'));
    expect((await inject('DELETE', '/v1/session', headersOf(ended))).statusCode).toBe(204);
    for (const route of world.app.routeTable.filter((r) => !r.public)) {
      const res = await inject(route.method, concreteUrl(route.url), headersOf(ended), payloadFor(route.method));
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
    }
  });

  it('shows a support user no patient identity on any route support may read', async () => {
    const support = sessions.support;
    const reads = world.app.routeTable.filter((r) => r.method === 'GET' && r.roles.includes('support'));
    expect(reads.map((r) => r.url)).toContain('/v1/devices/:serial/diagnostics');
    for (const route of reads) {
      const res = await inject('GET', concreteUrl(route.url), headersOf(support));
      expect(res.statusCode, route.url).toBeLessThan(500);
      for (const secret of ['Alice', 'SES-001', 'Europe/Paris', patientA]) expect(res.body, `${route.url} shows ${secret}`).not.toContain(secret);
    }
    const diag = await inject('GET', `/v1/devices/${SERIAL_A}/diagnostics`, headersOf(support));
    expect(diag.statusCode).toBe(200);
    expect(diag.json().serial).toBe(SERIAL_A);
  });

  it('attributes changes made in a session to the user', async () => {
    const res = await inject('POST', '/v1/patients', headersOf(sessions.clinician), {
      reference: 'SES-002', name: 'Bea', timeZone: 'UTC', bodySystem: 'respiratory', monitoringStart: '2026-10-01', billingPractitioner: 'Dr X',
    });
    expect(res.statusCode).toBe(201);
    const [entry] = await listAudit(world.db, { target: res.json().id });
    expect(entry).toMatchObject({ action: 'patient.enrol', userId: userIds.clinician, actor: `user:${userIds.clinician}`, orgId: world.orgIds.clinicA });
  });
});

describe('users routes', () => {
  const admin = () => headersOf(clinicAdmin);

  it("lists the organisation's users to clinical staff and admins, without hashes", async () => {
    const res = await inject('GET', '/v1/users', headersOf(sessions.coordinator));
    expect(res.statusCode).toBe(200);
    const users = res.json().users as { email: string; role: string; npi: string | null }[];
    expect(users.map((u) => u.email)).toEqual(expect.arrayContaining(['clinician.session@clinica.test', 'admin.session@clinica.test', 'clinician@clinica.test']));
    expect(users.every((u) => u.email.endsWith('@clinica.test'))).toBe(true);
    expect(users.find((u) => u.email === 'clinician.session@clinica.test')).toMatchObject({ role: 'clinician', npi: '1234567893', disabledAt: null });
    expect(res.body).not.toContain('argon2');
    expect(res.body).not.toContain('password_hash');
    expect((await inject('GET', '/v1/users', bearer(world.tokens.clinicA.clinic))).statusCode).toBe(200);
    expect((await inject('GET', '/v1/users', headersOf(sessions.support))).statusCode).toBe(403);
  });

  it('lets only admins write', async () => {
    const target = userIds.coordinator;
    for (const role of ['clinician', 'coordinator'] as const) {
      const h = headersOf(sessions[role]);
      for (const [method, url, payload] of [
        ['POST', '/v1/users', { name: 'X', email: 'x@clinica.test', role: 'coordinator' }],
        ['PATCH', `/v1/users/${target}`, { name: 'Renamed' }],
        ['POST', `/v1/users/${target}/password-reset`, {}],
        ['POST', `/v1/users/${target}/tokens`, {}],
      ] as const) {
        const res = await inject(method, url, h, payload);
        expect(res.statusCode, `${role} ${method} ${url}`).toBe(403);
        expect(res.json().error).toBe('forbidden');
      }
    }
    expect((await inject('POST', '/v1/users', bearer(world.tokens.clinicA.clinic), { name: 'X', email: 'x@clinica.test', role: 'coordinator' })).statusCode).toBe(403);
  });

  it("answers another organisation's user exactly like one that does not exist", async () => {
    const foreign = userIds.coordinator; // clinic A
    const absent = '22222222-2222-4222-8222-222222222222';
    for (const [method, suffix, payload] of [
      ['PATCH', '', { name: 'Taken Over', disabled: true }],
      ['POST', '/password-reset', { password: 'taken over password' }],
      ['POST', '/tokens', { label: 'stolen' }],
    ] as const) {
      const a = await inject(method, `/v1/users/${foreign}${suffix}`, headersOf(clinicBAdmin), payload);
      const b = await inject(method, `/v1/users/${absent}${suffix}`, headersOf(clinicBAdmin), payload);
      expect(a.statusCode, `${method} ${suffix}`).toBe(404);
      expect({ ...a.json(), requestId: 0 }).toEqual({ ...b.json(), requestId: 0 });
    }
    const list = await inject('GET', '/v1/users', headersOf(clinicBAdmin));
    expect(list.body).not.toContain('@clinica.test');
    // nothing changed for the clinic A coordinator
    expect((await inject('GET', '/v1/me', headersOf(sessions.coordinator))).statusCode).toBe(200);
  });

  it('creates users with a temporary password answered once, or the one given', async () => {
    const created = await inject('POST', '/v1/users', admin(), { name: 'New Nurse', email: 'New.Nurse@ClinicA.test', role: 'coordinator' });
    expect(created.statusCode, created.body).toBe(201);
    const { user, temporaryPassword } = created.json() as { user: { id: string; email: string; mustChangePassword: boolean }; temporaryPassword: string };
    expect(user).toMatchObject({ email: 'new.nurse@clinica.test', mustChangePassword: true });
    const signedIn = await world.app.inject({ method: 'POST', url: '/v1/session', payload: { email: 'new.nurse@clinica.test', password: temporaryPassword } });
    expect(signedIn.json().mustChangePassword).toBe(true);
    const audit = await listAudit(world.db, { target: user.id });
    expect(audit.find((a) => a.action === 'user.create')).toMatchObject({ userId: clinicAdminId, detail: { role: 'coordinator', generatedPassword: true } });
    expect(JSON.stringify(audit)).not.toContain(temporaryPassword);

    const given = await inject('POST', '/v1/users', admin(), { name: 'Dr Given', email: 'given@clinica.test', role: 'clinician', npi: '1234567893', password: 'given password 12', mustChangePassword: false });
    expect(given.statusCode).toBe(201);
    expect(given.json().temporaryPassword).toBeNull();
    expect((await world.app.inject({ method: 'POST', url: '/v1/session', payload: { email: 'given@clinica.test', password: 'given password 12' } })).json().mustChangePassword).toBe(false);

    const dup = await inject('POST', '/v1/users', admin(), { name: 'Dup', email: 'GIVEN@ClinicA.test', role: 'coordinator' });
    expect(dup.statusCode).toBe(409);
    const noNpi = await inject('POST', '/v1/users', admin(), { name: 'Dr None', email: 'none@clinica.test', role: 'clinician' });
    expect(noNpi.statusCode).toBe(422);
    expect(noNpi.json().error).toBe('npi_required');
    const weak = await inject('POST', '/v1/users', admin(), { name: 'Weak', email: 'weak@clinica.test', role: 'coordinator', password: 'weak' });
    expect(weak.json().error).toBe('weak_password');
  });

  it('changes role and NPI, and keeps an admin from locking themselves out', async () => {
    const res = await inject('PATCH', `/v1/users/${userIds.coordinator}`, admin(), { role: 'clinician' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toBe('npi_required');
    const promoted = await inject('PATCH', `/v1/users/${userIds.coordinator}`, admin(), { role: 'clinician', npi: '1234567893' });
    expect(promoted.json()).toMatchObject({ role: 'clinician', npi: '1234567893' });
    // the role takes effect on the next request of the existing session
    expect((await inject('GET', '/v1/me', headersOf(sessions.coordinator))).json().role).toBe('clinician');
    await inject('PATCH', `/v1/users/${userIds.coordinator}`, admin(), { role: 'coordinator', npi: null });
    expect((await inject('PATCH', `/v1/users/${clinicAdminId}`, admin(), { disabled: true })).json().error).toBe('cannot_lock_out_self');
    expect((await inject('PATCH', `/v1/users/${clinicAdminId}`, admin(), { role: 'coordinator' })).json().error).toBe('cannot_lock_out_self');
    expect((await inject('PATCH', `/v1/users/${clinicAdminId}`, admin(), { name: 'Clinic A Admin (renamed)' })).statusCode).toBe(200);
  });

  it("issues a personal token that acts as the user; POST /v1/tokens issues machine tokens only", async () => {
    const res = await inject('POST', `/v1/users/${userIds.clinician}/tokens`, admin(), { label: 'scripts' });
    expect(res.statusCode, res.body).toBe(201);
    const { token, role, id } = res.json();
    expect(role).toBe('clinician');
    const me = await inject('GET', '/v1/me', bearer(token));
    expect(me.json()).toMatchObject({ via: 'token', role: 'clinician', user: { id: userIds.clinician, email: 'clinician.session@clinica.test' } });
    const [entry] = await listAudit(world.db, { target: id });
    expect(entry).toMatchObject({ action: 'token.issue', userId: clinicAdminId, detail: { userId: userIds.clinician } });
    for (const personRole of ['clinician', 'coordinator']) {
      const refused = await inject('POST', '/v1/tokens', admin(), { role: personRole });
      expect(refused.statusCode, personRole).toBe(400);
    }
    expect((await inject('POST', '/v1/tokens', admin(), { role: 'clinic' })).statusCode).toBe(201);
    expect((await inject('GET', '/v1/me', bearer(world.tokens.clinicA.clinic))).json()).toMatchObject({ via: 'token', user: null });
  });
});
