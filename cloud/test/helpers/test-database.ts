/**
 * A fresh, migrated database per test file. With DATABASE_URL: a new uniquely named database on that server
 * (dropped on close). Otherwise: a fresh in-memory PGlite (about 4 s and 800 MiB, so share one per file).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type OpenedDatabase } from '../../src/db/open-database.ts';
import { migrate } from '../../src/db/migrate.ts';

export interface TestDatabase extends OpenedDatabase {
  /** Connection URL of the test database (real PostgreSQL only): lets child processes share it. */
  readonly url?: string;
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  const shouldMigrate = options.migrate ?? true;
  if (!adminUrl) {
    const db = await openDatabase();
    if (shouldMigrate) await migrate(db);
    return db;
  }
  const name = `pillcap_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString() });
  if (shouldMigrate) await migrate(db);
  let closed = false;
  return {
    ...db,
    kind: db.kind,
    url: url.toString(),
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
