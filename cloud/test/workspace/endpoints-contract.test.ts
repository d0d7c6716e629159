/**
 * The workspace's API client against the API itself: every endpoint the page calls is a route the app
 * registers, with that method and path (the response types already come from the route schemas, so a changed
 * schema breaks the typecheck; this catches a renamed or removed route), and the client builds its URLs and
 * errors the way the routes expect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../dashboard/src/api/endpoints.ts';
import { pathOf } from '../../dashboard/src/api/client.ts';
import { CLIENT_ROUTE_ROOTS } from '../../src/api/plugins/dashboard.ts';
import { paths, patterns } from '../../dashboard/src/paths.ts';
import { createWorld, type World } from '../api/fixture.ts';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('workspace API client', () => {
  it('calls only routes the API registers, with their methods', () => {
    const missing = Object.entries(endpoints)
      .filter(([, e]) => !world.app.hasRoute({ method: e.method, url: e.path }))
      .map(([name, e]) => `${name}: ${e.method} ${e.path}`);
    expect(missing).toEqual([]);
    expect(Object.keys(endpoints).length).toBeGreaterThan(40);
  });

  it('fills path parameters (escaped) and drops empty query values', () => {
    expect(pathOf(endpoints.alert.path, { alertId: 12 })).toBe('/v1/alerts/12');
    expect(pathOf(endpoints.documentation.path, { patientId: 'a/b', month: '2026-12' }, { x: undefined, y: '', z: 0 })).toBe('/v1/patients/a%2Fb/documentation/2026-12?z=0');
    expect(() => pathOf(endpoints.alert.path, {})).toThrow('missing path parameter alertId');
  });

  it('serves the page at every client route, so a bookmarked URL reloads', async () => {
    const roots = new Set(Object.values(patterns).map((p) => p.split('/')[1]).filter(Boolean));
    expect([...roots].filter((r) => !(CLIENT_ROUTE_ROOTS as readonly string[]).includes(r!))).toEqual([]);
    for (const url of ['/', paths.patient('5b0d3c36-2f7e-4c39-8d77-1f6f3c1d9a10'), paths.billingMonth('2026-12'), paths.supportCap('PC-0001'), paths.enrol, paths.program]) {
      const res = await world.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('/assets/app.js');
    }
    const js = await world.app.inject({ method: 'GET', url: '/assets/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    // the bundle holds no secrets or server code
    expect(js.body).not.toMatch(/DATABASE_URL|argon2|pg_hba|SELECT .* FROM/);
    expect((await world.app.inject({ method: 'GET', url: '/assets/../package.json' })).statusCode).toBe(404);
    expect((await world.app.inject({ method: 'GET', url: '/v1/nope' })).json()).toMatchObject({ error: 'not_found' });
  });
});
