/**
 * `npm run bench` / `pillcap bench [area...]`: runs each benchmark in bench/<area>/main.ts in turn and
 * prints its figures. Benchmarks measure; they never fail on a figure, only on a crash.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));

export function benchAreas(): string[] {
  return readdirSync(benchDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(benchDir, entry.name, 'main.ts')))
    .map((entry) => entry.name)
    .sort();
}

export async function run(args: string[]): Promise<number> {
  const known = benchAreas();
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: pillcap bench [area...]   (npm run bench -- [area...])\nareas: ${known.join(', ')}\n`);
    return 0;
  }
  const unknown = args.filter((area) => !known.includes(area));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench area(s): ${unknown.join(', ')}; known: ${known.join(', ')}\n`);
    return 2;
  }
  const areas = args.length > 0 ? args : known;
  let failures = 0;
  for (const area of areas) {
    process.stdout.write(`\n### bench/${area}\n`);
    const started = performance.now();
    try {
      const module = (await import(pathToFileURL(join(benchDir, area, 'main.ts')).href)) as { runBench(): Promise<void> };
      await module.runBench();
    } catch (error) {
      failures += 1;
      process.stderr.write(`bench/${area} crashed: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.stdout.write(`(bench/${area} took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  return failures === 0 ? 0 : 1;
}
