/**
 * pillcap migrate: applies the numbered SQL migrations in cloud/migrations to DATABASE_URL (else the
 * embedded PGlite under PILLCAP_DATA_DIR). Safe to run from several processes at once.
 */
import { describeDatabase, openDatabaseFromEnv } from '../db/open-from-env.ts';
import { migrate } from '../db/migrate.ts';
import { processIo, runCommand, UsageError, type CliIo } from './cli-io.ts';

const USAGE = `usage: pillcap migrate
  applies cloud/migrations/*.sql in order (DATABASE_URL, else embedded PGlite in PILLCAP_DATA_DIR, default data/pglite)
`;

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export async function runWith(args: string[], io: CliIo): Promise<number> {
  return runCommand(io, USAGE, async () => {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout(USAGE);
      return 0;
    }
    if (args.length > 0) throw new UsageError(`unexpected argument: ${args[0]}`);
    const db = await openDatabaseFromEnv(process.env, { applicationName: 'pillcap-migrate' });
    try {
      const result = await migrate(db, { log: (line) => io.stderr(`${line}\n`) });
      io.stdout(
        `${describeDatabase()}: ${result.applied.length} migration(s) applied${result.applied.length ? ` (${result.applied.join(', ')})` : ''}, ${result.alreadyApplied.length} already applied\n`,
      );
      return 0;
    } finally {
      await db.close();
    }
  });
}
