/**
 * Security of the whole API: the role-by-route matrix generated from the route table the app records,
 * tokens (missing, malformed, unknown, expired, revoked), organisation isolation (404, never 403, and the
 * same answer as for something that does not exist), injection-shaped input, validation errors, headers,
 * request ids and rate limiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/api/auth/tokens.ts';
import { ROLES, type Role } from '../../src/api/auth/roles.ts';
import { bearer, createWorld, seedAssignment, seedDevice, seedPatient, type OrgKey, type World } from './fixture.ts';
import { concreteUrl as concreteUrlFor } from './route-urls.ts';
import { MessageKind } from '../../../protocol/src/messages.ts';

let world: World;
let patientA: string;
let patientB: string;
const SERIAL_A = 'SEC-A-0001';
const SERIAL_B = 'SEC-B-0001';

beforeAll(async () => {
  world = await createWorld();
  const { db, orgIds } = world;
  patientA = await seedPatient(db, orgIds.clinicA, 'A-001', { name: 'Alice Secret', zone: 'Europe/Paris' });
  patientB = await seedPatient(db, orgIds.clinicB, 'B-001', { name: 'Bob Hidden' });
  const deviceA = await seedDevice(db, SERIAL_A, orgIds.clinicA);
  await seedDevice(db, SERIAL_B, orgIds.clinicB);
  await seedAssignment(db, deviceA, patientA, orgIds.clinicA, new Date('2026-10-01T00:00:00Z'));
});
afterAll(async () => world?.close());

/** Which organisation's token each role uses in the matrix: the fleet operator for device roles. */
const MATRIX_ORG: Record<Role, OrgKey> = { admin: 'ops', clinic: 'clinicA', clinician: 'clinicA', coordinator: 'clinicA', support: 'ops', manufacturing: 'ops' };

const concreteUrl = (url: string): string => concreteUrlFor(url, { patientId: patientA, serial: SERIAL_A });

const inject = (method: string, url: string, headers: Record<string, string> = {}, payload?: unknown) =>
  world.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('role-by-route matrix', () => {
  it('records every /v1 route with its roles', () => {
    const keys = world.app.routeTable.map((r) => `${r.method} ${r.url}`);
    for (const expected of [
      'POST /v1/devices', 'GET /v1/devices', 'POST /v1/patients', 'GET /v1/patients/:patientId/monitored-days', 'GET /v1/patients/:patientId/billing-periods',
      'GET /v1/devices/:serial/diagnostics', 'POST /v1/devices/:serial/commands', 'GET /v1/billing/reports/:month', 'POST /v1/tokens',
    ]) {
      expect(keys).toContain(expected);
    }
    expect(world.app.routeTable.length).toBeGreaterThanOrEqual(25);
  });

  it('refuses every route without a token (401, WWW-Authenticate), except the public sign-in', async () => {
    expect(world.app.routeTable.filter((r) => r.public).map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/session']);
    for (const route of world.app.routeTable.filter((r) => !r.public)) {
      const res = await inject(route.method, concreteUrl(route.url), {}, route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Bearer');
    }
  });

  it('lets exactly the declared roles through every route', async () => {
    const seen: string[] = [];
    for (const route of world.app.routeTable) {
      for (const role of ROLES) {
        const token = world.tokens[MATRIX_ORG[role]][role];
        const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
        const res = await inject(route.method, concreteUrl(route.url), bearer(token), payload);
        const label = `${role} ${route.method} ${route.url} -> ${res.statusCode} ${res.body.slice(0, 120)}`;
        const machine = role !== 'clinician' && role !== 'coordinator';
        if (route.roles.includes(role) && route.person && machine) {
          expect(res.statusCode, label).toBe(403);
          expect(res.json().error).toBe('user_required');
        } else if (route.roles.includes(role)) {
          expect([401, 403], label).not.toContain(res.statusCode);
          expect(res.statusCode, label).toBeLessThan(500);
        } else {
          expect(res.statusCode, label).toBe(403);
          expect(res.json().error).toBe('forbidden');
        }
        seen.push(label);
      }
    }
    expect(seen.length).toBe(world.app.routeTable.length * ROLES.length);
  });
});

describe('tokens', () => {
  const me = (headers: Record<string, string>) => inject('GET', '/v1/me', headers);

  it('rejects malformed, unknown and wrongly presented tokens alike', async () => {
    const good = world.tokens.clinicA.clinic;
    const cases = [
      { authorization: 'Bearer' },
      { authorization: 'Bearer not-a-token' },
      { authorization: `Basic ${good}` },
      { authorization: `Bearer ${good}x` },
      { authorization: `Bearer pct_${'A'.repeat(43)}` },
      { authorization: `Bearer ${good} ${good}` },
      { authorization: "Bearer pct_' OR '1'='1" },
    ];
    for (const headers of cases) {
      const res = await me(headers);
      expect(res.statusCode, headers.authorization).toBe(401);
      expect(res.json()).toMatchObject({ error: 'unauthorized', message: 'the bearer token is invalid, expired or revoked' });
    }
    expect((await me(bearer(good))).statusCode).toBe(200);
  });

  it('rejects an expired token', async () => {
    const issued = await issueToken(world.db, { orgSlug: 'clinic-a', role: 'clinic', label: 'old', expiresAt: new Date(Date.now() - 1000) });
    expect((await me(bearer(issued.token))).statusCode).toBe(401);
    const later = await issueToken(world.db, { orgSlug: 'clinic-a', role: 'clinic', label: 'fresh', expiresAt: new Date(Date.now() + 3_600_000) });
    expect((await me(bearer(later.token))).statusCode).toBe(200);
  });

  it('stores only the hash and revokes at once', async () => {
    const created = await inject('POST', '/v1/tokens', bearer(world.tokens.clinicA.admin), { role: 'clinic', label: 'temp' });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json() as { id: string; token: string };
    const stored = await world.db.query<{ token_hash: Uint8Array }>('SELECT token_hash FROM api_tokens WHERE id = $1', [id]);
    expect(Buffer.from(stored.rows[0]!.token_hash).toString('utf8')).not.toContain(token);
    expect(stored.rows[0]!.token_hash.length).toBe(32);
    const list = await inject('GET', '/v1/tokens', bearer(world.tokens.clinicA.admin));
    expect(list.body).not.toContain(token);
    expect((await me(bearer(token))).statusCode).toBe(200);
    // another organisation's admin cannot revoke it, and learns nothing
    const foreign = await inject('DELETE', `/v1/tokens/${id}`, bearer(world.tokens.clinicB.admin));
    expect(foreign.statusCode).toBe(404);
    expect((await inject('DELETE', `/v1/tokens/${id}`, bearer(world.tokens.clinicA.admin))).statusCode).toBe(204);
    expect((await me(bearer(token))).statusCode).toBe(401);
  });

  it('issues tokens only for the admin own organisation', async () => {
    const res = await inject('POST', '/v1/tokens', bearer(world.tokens.clinicB.admin), { role: 'admin' });
    const { token } = res.json() as { token: string };
    expect((await me(bearer(token))).json()).toMatchObject({ organisation: 'clinic-b', role: 'admin' });
    const past = await inject('POST', '/v1/tokens', bearer(world.tokens.clinicB.admin), { role: 'clinic', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.statusCode).toBe(400);
  });
});

describe('organisation isolation', () => {
  it("answers another organisation's patient exactly like a patient that does not exist", async () => {
    const token = world.tokens.clinicB.clinic;
    const missing = '11111111-1111-4111-8111-111111111111';
    const patientRoutes = world.app.routeTable.filter((r) => r.url.includes(':patientId') && r.roles.includes('clinic'));
    expect(patientRoutes.length).toBeGreaterThanOrEqual(10);
    for (const route of patientRoutes) {
      const payloadFor = (): unknown => {
        if (route.url.endsWith('/assignments') && route.method === 'POST') return { serial: SERIAL_B };
        if (route.url.endsWith('/time-entries')) return { staff: 'x', minutes: 5, activity: 'review', performedAt: '2026-10-05T10:00:00Z' };
        if (route.url.endsWith('/communications')) return { at: '2026-10-05T10:00:00Z', minutes: 5, modality: 'phone', staff: 'x' };
        if (route.url.includes('/documentation/') && route.method === 'PUT') return { whatReviewed: 'x' };
        return undefined;
      };
      const url = (id: string) => route.url.replace(':patientId', id).replace(':serial', SERIAL_B).replace(':month', '2026-10');
      const foreign = await inject(route.method, url(patientA), bearer(token), payloadFor());
      const absent = await inject(route.method, url(missing), bearer(token), payloadFor());
      expect(foreign.statusCode, `${route.method} ${route.url}`).toBe(404);
      expect(absent.statusCode, `${route.method} ${route.url}`).toBe(404);
      const strip = (body: string) => ({ ...(JSON.parse(body) as Record<string, unknown>), requestId: undefined });
      expect(strip(foreign.body)).toEqual(strip(absent.body));
      expect(foreign.body).not.toContain('Alice');
    }
    // nothing was written to clinic A's patient
    const writes = await world.db.query('SELECT 1 FROM management_time WHERE patient_id = $1 UNION ALL SELECT 1 FROM interactive_communications WHERE patient_id = $1', [patientA]);
    expect(writes.rowCount).toBe(0);
  });

  it("lists only the caller's patients and caps", async () => {
    const b = await inject('GET', '/v1/patients', bearer(world.tokens.clinicB.clinic));
    const refs = (b.json() as { patients: { reference: string }[] }).patients.map((p) => p.reference);
    expect(refs).toContain('B-001');
    expect(refs).not.toContain('A-001');
    const devices = await inject('GET', '/v1/devices', bearer(world.tokens.clinicB.clinic));
    const serials = (devices.json() as { devices: { serial: string }[] }).devices.map((d) => d.serial);
    expect(serials).toEqual([SERIAL_B]);
  });

  it("hides another organisation's cap from support, commands and assignment", async () => {
    const support = world.tokens.clinicB.support;
    const foreign = await inject('GET', `/v1/devices/${SERIAL_A}/diagnostics`, bearer(support));
    const absent = await inject('GET', '/v1/devices/NOPE-0000/diagnostics', bearer(support));
    expect(foreign.statusCode).toBe(404);
    expect({ ...foreign.json(), requestId: 0 }).toEqual({ ...absent.json(), requestId: 0 });
    expect((await inject('POST', `/v1/devices/${SERIAL_A}/commands`, bearer(support), { command: 'reboot' })).statusCode).toBe(404);
    // no command reached the cap (its Config from clinic A's own assignment is not a command)
    expect(world.downlink.sent.filter((s) => s.serial === SERIAL_A && s.message.kind === MessageKind.Command)).toHaveLength(0);
    const assign = await inject('POST', `/v1/patients/${patientB}/assignments`, bearer(world.tokens.clinicB.clinic), { serial: SERIAL_A });
    expect(assign.statusCode).toBe(404);
    // the fleet operator's support sees every cap
    expect((await inject('GET', `/v1/devices/${SERIAL_A}/diagnostics`, bearer(world.tokens.ops.support))).statusCode).toBe(200);
  });

  it('exports only the caller organisation in the billing report', async () => {
    const res = await inject('GET', '/v1/billing/reports/2026-10?format=csv', bearer(world.tokens.clinicB.clinic));
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('A-001');
    expect(res.body).not.toContain('Alice');
  });
});

describe('input handling', () => {
  it('stores injection-shaped strings literally', async () => {
    const nasty = {
      reference: "X'); DROP TABLE patients;--",
      name: "Robert'); DELETE FROM api_tokens WHERE ('1'='1",
      timeZone: 'America/New_York',
      bodySystem: 'respiratory',
      monitoringStart: '2026-10-01',
      billingPractitioner: 'Dr. "Quote" \\ Backslash $1 %s',
      diagnosis: '<script>alert(1)</script>',
    };
    const res = await inject('POST', '/v1/patients', bearer(world.tokens.clinicA.clinic), nasty);
    expect(res.statusCode).toBe(201);
    const created = res.json() as { id: string };
    const read = (await inject('GET', `/v1/patients/${created.id}`, bearer(world.tokens.clinicA.clinic))).json();
    expect(read).toMatchObject({ reference: nasty.reference, name: nasty.name, billingPractitioner: nasty.billingPractitioner, diagnosis: nasty.diagnosis });
    const count = await world.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_tokens');
    expect(count.rows[0]!.n).toBeGreaterThanOrEqual(16);
    const list = await inject('GET', `/v1/patients?after=${encodeURIComponent("' OR 1=1 --")}`, bearer(world.tokens.clinicA.clinic));
    expect(list.statusCode).toBe(200);
    expect((list.json() as { patients: { reference: string }[] }).patients.every((p) => p.reference > "' OR 1=1 --")).toBe(true);
  });

  it('refuses injection-shaped identifiers in the path with 400, never 500', async () => {
    const token = world.tokens.ops.support;
    for (const serial of ["' OR '1'='1", 'A;DROP TABLE devices', '%00', '../../etc/passwd']) {
      const res = await inject('GET', `/v1/devices/${encodeURIComponent(serial)}/diagnostics`, bearer(token));
      expect(res.statusCode, serial).toBe(400);
      expect(res.json().issues[0]).toMatchObject({ in: 'params', path: 'serial' });
    }
    const clinic = world.tokens.clinicA.clinic;
    const res = await inject('GET', `/v1/patients/${encodeURIComponent('1 OR 1=1')}/monitored-days`, bearer(clinic));
    expect(res.statusCode).toBe(400);
    expect(res.json().issues[0]).toMatchObject({ in: 'params', path: 'patientId' });
  });

  it('answers bad bodies with 400 and every validation issue', async () => {
    const res = await inject('POST', '/v1/patients', bearer(world.tokens.clinicA.clinic), {
      reference: '', name: 'X', timeZone: 'Mars/Olympus_Mons', bodySystem: 'cardio', monitoringStart: '2026-02-30', billingPractitioner: 'Dr',
    });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; issues: { path: string; message: string }[] };
    expect(body.error).toBe('validation_failed');
    const paths = body.issues.map((i) => i.path).sort();
    expect(paths).toEqual(['bodySystem', 'monitoringStart', 'reference', 'timeZone']);
    expect(body.issues.find((i) => i.path === 'timeZone')!.message).toContain('IANA');
    const notJson = await world.app.inject({ method: 'POST', url: '/v1/patients', headers: { ...bearer(world.tokens.clinicA.clinic), 'content-type': 'application/json' }, payload: '{"reference":' });
    expect(notJson.statusCode).toBe(400);
    const month = await inject('GET', '/v1/billing/reports/2026-13', bearer(world.tokens.clinicA.clinic));
    expect(month.statusCode).toBe(400);
  });
});

describe('service endpoints and headers', () => {
  it('serves /health and /ready without a token', async () => {
    expect((await inject('GET', '/health')).json()).toEqual({ status: 'ok' });
    expect((await inject('GET', '/ready')).json()).toEqual({ status: 'ready', database: 'ok' });
  });

  it('listens on a real port with listenApi', async () => {
    const { listenApi } = await import('../../src/api/serve.ts');
    const running = await listenApi({ db: world.db, downlink: world.downlink, logger: false, port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`${running.url}/v1/me`, { headers: bearer(world.tokens.clinicA.clinic) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ organisation: 'clinic-a' });
      expect(res.headers.get('x-request-id')).toBeTruthy();
    } finally {
      await running.close();
    }
  });

  it('reports not ready when the database does not answer', async () => {
    const { buildApp } = await import('../../src/api/app.ts');
    const broken = { kind: 'pg' as const, query: async () => Promise.reject(new Error('connection refused')), transaction: async () => Promise.reject(new Error('down')), close: async () => {} };
    const app = await buildApp({ db: broken, downlink: world.downlink, logger: false });
    try {
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'unavailable', database: 'unreachable' });
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      // a database fault behind authentication is a 500 without internals, not a 401
      const me = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(world.tokens.clinicA.clinic) });
      expect(me.statusCode).toBe(500);
      expect(me.body).not.toContain('connection refused');
    } finally {
      await app.close();
    }
  });

  it('sets security headers and request ids', async () => {
    const res = await inject('GET', '/health', { 'x-request-id': 'ticket-4711' });
    expect(res.headers['x-request-id']).toBe('ticket-4711');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['strict-transport-security']).toBeDefined();
    const generated = await inject('GET', '/v1/me', { 'x-request-id': 'bad id with spaces' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.json().requestId).toBe(generated.headers['x-request-id']);
  });

  it('serves the OpenAPI document at /docs with every /v1 route', async () => {
    const doc = (await inject('GET', '/docs/json')).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/v1/patients/{patientId}/monitored-days');
    expect(Object.keys(doc.paths)).toContain('/v1/devices/{serial}/diagnostics');
    expect((await inject('GET', '/docs')).statusCode).toBeLessThan(400);
  });

  it('serves the workspace and only its bundle from /assets', async () => {
    const index = await inject('GET', '/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect((await inject('GET', '/assets/app.js')).statusCode).toBe(200);
    expect((await inject('GET', '/assets/app.css')).statusCode).toBe(200);
    expect((await inject('GET', '/assets/build-dashboard.ts')).statusCode).toBe(404);
    expect((await inject('GET', '/assets/../../package.json')).statusCode).toBe(404);
    expect((await inject('GET', '/vendor/uplot/uPlot.iife.min.js')).statusCode).toBe(404);
  });
});

describe('rate limiting', () => {
  it('answers 429 after the limit, per token', async () => {
    const limited = await createWorld({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    try {
      const call = (token: string) => limited.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
      const codes = [];
      for (let i = 0; i < 4; i += 1) codes.push((await call(limited.tokens.clinicA.clinic)).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      const last = await call(limited.tokens.clinicA.clinic);
      expect(last.json()).toMatchObject({ error: 'rate_limited' });
      expect(last.headers['retry-after']).toBeDefined();
      expect((await call(limited.tokens.clinicB.clinic)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('throttles guessing tokens from one address even with a new token each time', async () => {
    const limited = await createWorld({ rateLimit: { max: 100, timeWindowMs: 60_000, authFailures: 5 } });
    try {
      const codes = [];
      for (let i = 0; i < 7; i += 1) {
        const guess = `pct_${String(i).padStart(43, 'x')}`;
        codes.push((await limited.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(guess) })).statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
      // even a valid token from that address waits for the window to pass
      const valid = await limited.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(limited.tokens.clinicA.clinic) });
      expect(valid.statusCode).toBe(429);
      expect(valid.headers['retry-after']).toBe('60');
    } finally {
      await limited.close();
    }
  });
});
