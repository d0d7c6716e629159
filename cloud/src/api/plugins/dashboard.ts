/** The dashboard: static files from cloud/dashboard/public at /, uPlot from node_modules at /vendor/uplot/. */
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../dashboard/public');

export async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  const uplotDist = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
  await app.register(fastifyStatic, { root: DASHBOARD_ROOT, prefix: '/', index: ['index.html'] });
  await app.register(fastifyStatic, {
    root: uplotDist,
    prefix: '/vendor/uplot/',
    decorateReply: false,
    allowedPath: (path) => path === '/uPlot.iife.min.js' || path === '/uPlot.min.css',
  });
}
