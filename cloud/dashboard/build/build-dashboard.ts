/**
 * Bundles the clinic workspace (cloud/dashboard/src, Preact + TypeScript) with esbuild into
 * cloud/dashboard/dist: app.js (minified, with a source map) and app.css (uPlot's stylesheet followed by ours).
 * `ensureDashboardBuilt` rebuilds only when a source is newer than the bundle, so `npm start` and every test
 * server build it on first use and a fresh clone needs no separate step. The bundle is written to a temporary
 * name and renamed, so two processes building at once (vitest workers) never serve a half-written file.
 */
import { build, type Metafile } from 'esbuild';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DASHBOARD_SOURCE = join(ROOT, 'src');
export const DASHBOARD_PUBLIC = join(ROOT, 'public');
export const DASHBOARD_DIST = join(ROOT, 'dist');
const ENTRY = join(DASHBOARD_SOURCE, 'main.tsx');
const STYLES = join(DASHBOARD_PUBLIC, 'style.css');

export interface DashboardBuild {
  jsBytes: number;
  cssBytes: number;
  /** the bundle's inputs by size (bytes of output each contributes) */
  inputs: { path: string; bytes: number }[];
  rebuilt: boolean;
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}

async function mtimeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** True when dist/app.js is missing or older than any source, the stylesheet or this script. */
export async function dashboardIsStale(): Promise<boolean> {
  const built = Math.min((await mtimeOf(join(DASHBOARD_DIST, 'app.js'))) ?? 0, (await mtimeOf(join(DASHBOARD_DIST, 'app.css'))) ?? 0);
  if (built === 0) return true;
  const sources = Math.max(await newestMtime(DASHBOARD_SOURCE), (await mtimeOf(STYLES)) ?? 0, (await mtimeOf(fileURLToPath(import.meta.url))) ?? 0);
  return sources > built;
}

async function writeAtomically(path: string, contents: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

export async function buildDashboard(): Promise<DashboardBuild> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'external',
    metafile: true,
    write: false,
    outfile: join(DASHBOARD_DIST, 'app.js'),
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  await mkdir(DASHBOARD_DIST, { recursive: true });
  let jsBytes = 0;
  for (const file of result.outputFiles) {
    await writeAtomically(file.path, file.contents);
    if (file.path.endsWith('.js')) jsBytes = file.contents.byteLength;
  }
  const uplotCss = await readFile(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const css = `${uplotCss}\n${await readFile(STYLES, 'utf8')}`;
  await writeAtomically(join(DASHBOARD_DIST, 'app.css'), css);
  return { jsBytes, cssBytes: Buffer.byteLength(css), inputs: inputsOf(result.metafile), rebuilt: true };
}

function inputsOf(metafile: Metafile): { path: string; bytes: number }[] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  return Object.entries(output?.inputs ?? {})
    .map(([path, info]) => ({ path, bytes: info.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
}

let pending: Promise<void> | undefined;

/** Builds the workspace when stale; concurrent callers in one process share one build. */
export function ensureDashboardBuilt(): Promise<void> {
  pending ??= (async () => {
    if (await dashboardIsStale()) await buildDashboard();
  })().finally(() => {
    pending = undefined;
  });
  return pending;
}
