/**
 * Starts the API (and the dashboard it serves) on a port: for `pillcap start` and other runners.
 * PORT / HOST from the environment when not given (default 127.0.0.1:8080; 0 = any free port).
 */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApp, type BuildAppOptions } from './app.ts';

export interface RunningApi {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8080 (the dashboard is at `${url}/`, OpenAPI at `${url}/docs`). */
  url: string;
  close(): Promise<void>;
}

export async function listenApi(options: BuildAppOptions & { port?: number; host?: string }): Promise<RunningApi> {
  const app = await buildApp(options);
  const port = options.port ?? Number(process.env.PORT ?? 8080);
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  await app.listen({ port, host });
  const address = app.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { app, url: `http://${shownHost}:${address.port}`, close: () => app.close() };
}
