/**
 * `pillcap build-dashboard` (`npm run build:dashboard`): bundles the clinic workspace into cloud/dashboard/dist
 * and prints its size. The server also builds it on start when a source is newer, so this is for CI, deploys
 * that ship a prebuilt bundle, and for seeing the size.
 */
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DASHBOARD_DIST, buildDashboard } from './build-dashboard.ts';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('usage: pillcap build-dashboard\n  bundles cloud/dashboard/src into cloud/dashboard/dist (app.js, app.css)\n');
    return 0;
  }
  if (args.length > 0) {
    process.stderr.write(`pillcap build-dashboard: unknown option ${args[0]}\n`);
    return 2;
  }
  try {
    const built = await buildDashboard();
    const js = await readFile(join(DASHBOARD_DIST, 'app.js'));
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    process.stdout.write(`${relative(process.cwd(), join(DASHBOARD_DIST, 'app.js'))}  ${kib(built.jsBytes)} (${kib(gzipSync(js, { level: 9 }).byteLength)} gzip), app.css ${kib(built.cssBytes)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`pillcap build-dashboard: ${(error as Error).message}\n`);
    return 1;
  }
}
