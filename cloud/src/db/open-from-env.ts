/** Opens the database the environment names: PostgreSQL at DATABASE_URL, else PGlite under PILLCAP_DATA_DIR. */
import { mkdir } from 'node:fs/promises';
import { loadDatabaseEnv, pgliteDir } from '../config/env.ts';
import { openDatabase, type OpenedDatabase } from './open-database.ts';

export async function openDatabaseFromEnv(env: NodeJS.ProcessEnv = process.env, options: { applicationName?: string } = {}): Promise<OpenedDatabase> {
  const config = loadDatabaseEnv(env);
  if (config.DATABASE_URL) return openDatabase({ url: config.DATABASE_URL, applicationName: options.applicationName });
  const dir = pgliteDir(config);
  await mkdir(dir, { recursive: true });
  return openDatabase({ dataDir: dir });
}

/** Describes where the data is without printing credentials. */
export function describeDatabase(env: NodeJS.ProcessEnv = process.env): string {
  const config = loadDatabaseEnv(env);
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
  }
  return `embedded PGlite in ${pgliteDir(config)}`;
}
