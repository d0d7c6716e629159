/**
 * The clinic workspace: the bundle of cloud/dashboard/src (built on first use when stale, see
 * cloud/dashboard/build) at /assets/, and index.html at every client-side route (/, /patients/…, /billing/…),
 * so a bookmarked or reloaded page URL loads the app, which then routes in the browser. The page holds no
 * secrets: it signs in with the session cookie of POST /v1/session, and every /v1 call is authorised as usual.
 */
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DASHBOARD_DIST, DASHBOARD_PUBLIC, ensureDashboardBuilt } from '../../../dashboard/build/build-dashboard.ts';

/** First path segments the workspace routes in the browser (cloud/dashboard/src/routes.ts). */
export const CLIENT_ROUTE_ROOTS = ['patients', 'enrol', 'billing', 'program', 'support', 'units', 'sign-in', 'account'] as const;

export async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  await ensureDashboardBuilt();
  const indexHtml = await readFile(join(DASHBOARD_PUBLIC, 'index.html'), 'utf8');
  await app.register(fastifyStatic, {
    root: DASHBOARD_DIST,
    prefix: '/assets/',
    allowedPath: (path) => /^\/app\.(js|css|js\.map)$/.test(path),
    // the file names are fixed, so the browser must revalidate (an ETag round-trip) rather than cache blindly
    cacheControl: true,
    maxAge: 0,
  });
  const sendIndex = async (_request: unknown, reply: import('fastify').FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
  app.get('/', sendIndex);
  for (const root of CLIENT_ROUTE_ROOTS) {
    app.get(`/${root}`, sendIndex);
    app.get(`/${root}/*`, sendIndex);
  }
}
