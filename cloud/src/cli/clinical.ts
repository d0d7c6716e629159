/**
 * pillcap clinical: the clinical engine outside `pillcap start`.
 *   pillcap clinical run        keeps the engine running (queue drain every CLINICAL_QUEUE_INTERVAL_MS,
 *                               default 2000; full sweep every CLINICAL_SWEEP_INTERVAL_MS, default 300000),
 *                               after one sweep at start; stops on SIGINT/SIGTERM
 *   pillcap clinical evaluate   one full sweep now (alerts, escalation, work queue) and prints the figures
 * DATABASE_URL, else the embedded PGlite under PILLCAP_DATA_DIR.
 */
import { startClinicalEngine } from '../clinical/clinical-engine.ts';
import { processIo, runCommand, UsageError, withDatabase, type CliIo } from './cli-io.ts';

const USAGE = `usage: pillcap clinical run | evaluate
  run        keep the clinical engine running (alerts on ingest and on schedule, escalation, work queue)
  evaluate   run one full sweep now and print what it did
  environment: DATABASE_URL, CLINICAL_QUEUE_INTERVAL_MS (default 2000), CLINICAL_SWEEP_INTERVAL_MS (default 300000)
`;

function intervalFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 100) throw new UsageError(`${name} must be a whole number of milliseconds, at least 100 (got "${raw}")`);
  return value;
}

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export async function runWith(args: string[], io: CliIo, stopSignal?: Promise<void>): Promise<number> {
  return runCommand(io, USAGE, async () => {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout(USAGE);
      return 0;
    }
    const [verb, ...rest] = args;
    if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
    if (verb !== 'run' && verb !== 'evaluate') throw new UsageError(verb ? `unknown subcommand: ${verb}` : 'a subcommand is required');
    const queueIntervalMs = intervalFromEnv('CLINICAL_QUEUE_INTERVAL_MS', 2000);
    const sweepIntervalMs = intervalFromEnv('CLINICAL_SWEEP_INTERVAL_MS', 300_000);
    return withDatabase(io, async (db) => {
      const engine = startClinicalEngine({
        db,
        queueIntervalMs,
        sweepIntervalMs,
        onError: (error, tick) => io.stderr(`${new Date().toISOString()} clinical ${tick} failed: ${(error as Error).message}\n`),
      });
      try {
        const swept = await engine.sweepOnce();
        io.stdout(`${new Date().toISOString()} sweep: ${JSON.stringify(swept)}\n`);
        if (verb === 'evaluate') return 0;
        io.stderr(`clinical engine running (queue every ${queueIntervalMs} ms, sweep every ${sweepIntervalMs} ms); Ctrl-C stops\n`);
        await (stopSignal ??
          new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
          }));
        return 0;
      } finally {
        await engine.stop();
      }
    });
  });
}
