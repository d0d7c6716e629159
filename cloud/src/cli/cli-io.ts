/**
 * Shared plumbing for the cloud commands (token, support, billing, devices, patients, migrate): the database
 * the environment names (DATABASE_URL, else the embedded PGlite under PILLCAP_DATA_DIR, default data/pglite;
 * see cloud/src/db/open-from-env.ts), migrated before use so a fresh checkout works, and injectable output
 * streams so tests can run the commands in-process.
 */
import { userInfo } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Database } from '../db/database.ts';
import { openDatabaseFromEnv } from '../db/open-from-env.ts';
import { migrate } from '../db/migrate.ts';

export interface CliIo {
  /** An open database to use (tests); when absent the command opens and closes its own. */
  db?: Database;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo = (): CliIo => ({ stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });

export async function withDatabase<T>(io: CliIo, work: (db: Database) => Promise<T>): Promise<T> {
  if (io.db) return work(io.db);
  const db = await openDatabaseFromEnv(process.env, { applicationName: 'pillcap-cli' });
  try {
    await migrate(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Turns thrown errors into an exit code with a one-line message (usage errors: 2, anything else: 1). */
export async function runCommand(io: CliIo, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${usage}`);
      return 2;
    }
    const code = (error as { code?: unknown }).code;
    io.stderr(`error${typeof code === 'string' ? ` (${code})` : ''}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** `parseArgs`, whose complaints (unknown option, missing value) are usage errors (exit 2). */
export function parseUsage<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Runs `<action> ...rest` through its handler under `runCommand`: `--help`/`-h` print the usage (exit 0); a
 * missing or unknown action is a usage error (exit 2).
 */
export async function runActions(
  io: CliIo,
  usage: string,
  args: readonly string[],
  actions: Readonly<Record<string, (rest: string[]) => Promise<number>>>,
): Promise<number> {
  return runCommand(io, usage, async () => {
    const [action, ...rest] = args;
    if (action === '--help' || action === '-h') {
      io.stdout(usage);
      return 0;
    }
    const handler = action !== undefined && Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!handler) throw new UsageError(action ? `unknown action "${action}"` : 'missing action');
    return handler(rest);
  });
}

/** Audit actor for CLI actions: 'cli:<os user>'. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}
