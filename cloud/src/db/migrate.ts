/**
 * Migrations: numbered SQL files (`NNN_name.sql`) in cloud/migrations, applied in order, each in its own
 * transaction, recorded in schema_migrations. Safe to run from several processes at once on PostgreSQL: each
 * migration transaction first takes a transaction-scoped advisory lock, then re-reads what is applied, so a
 * second process waits and then finds nothing left to do.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { OpenedDatabase, Transaction } from './open-database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Arbitrary constant shared by every pillcap process ("pillcap" in ASCII, truncated to int8). */
const MIGRATION_LOCK_KEY = 0x70696c6c636170;

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!match) throw new MigrationError(`migration file name must look like 001_name.sql: ${file}`);
    const sql = await readFile(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  const seen = new Set<number>();
  for (const m of migrations) {
    if (seen.has(m.version)) throw new MigrationError(`two migrations share version ${m.version}`);
    seen.add(m.version);
  }
  return migrations.sort((a, b) => a.version - b.version);
}

async function prepare(tx: Transaction): Promise<Map<number, string>> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
  await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await tx.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
  return new Map(rows.map((r) => [r.version, r.checksum]));
}

export async function migrate(
  db: OpenedDatabase,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    await db.transaction(async (tx) => {
      const applied = await prepare(tx);
      const checksum = applied.get(m.version);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) {
          options.log?.(`warning: ${m.file} changed after it was applied (checksum differs); not re-applied`);
        }
        result.alreadyApplied.push(m.file);
        return;
      }
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      result.applied.push(m.file);
      options.log?.(`applied ${m.file}`);
    });
  }
  return result;
}
