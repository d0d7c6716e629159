/**
 * Opens the one Database interface over real PostgreSQL (`pg` Pool, when a url is given) or PGlite (in
 * memory, or persisted under dataDir). Both back ends return the same JS types (see database.ts):
 * int8 -> number, timestamptz -> Date, date -> 'YYYY-MM-DD', jsonb parsed, bytea -> Uint8Array.
 *
 * PGlite is a single connection: every top-level query and every transaction goes through one mutex, so a
 * transaction is never interleaved with other work. Calling `db.query` from inside `db.transaction` (instead
 * of the `tx` handed to the callback) would wait on itself; that mistake is detected and throws.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.ts';
import type { Database, QueryResult, Queryable } from './database.ts';

export interface OpenDatabaseOptions {
  /** postgres://... ; when absent PGlite is used. */
  url?: string;
  /** PGlite data directory; when absent (and no url) the database lives in memory. */
  dataDir?: string;
  /** pg pool size (default 10). */
  maxConnections?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

/** A transaction handle; `exec` runs a multi-statement script (migrations). */
export interface Transaction extends Queryable {
  exec(sql: string): Promise<void>;
}

export interface OpenedDatabase extends Database {
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs a multi-statement SQL script outside a transaction. */
  exec(sql: string): Promise<void>;
}

const OID = {
  int8: 20,
  int8Array: 1016,
  date: 1082,
  dateArray: 1182,
  bytea: 17,
  numeric: 1700,
} as const;

const parseInt8 = (value: string): number => Number(value);
const parseDate = (value: string): string => value;

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  return options.url ? openPg(options.url, options) : openPglite(options.dataDir);
}

// ---------------------------------------------------------------------------------------------------------
// pg

function pgTypes(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
      switch (oid) {
        case OID.int8:
          return parseInt8;
        case OID.date:
          return parseDate;
        case OID.int8Array: {
          const parseArray = pg.types.getTypeParser(OID.int8Array as number as Parameters<typeof pg.types.getTypeParser>[0], 'text') as (v: string) => (string | null)[];
          return (v: string) => parseArray(v).map((x) => (x === null ? null : Number(x)));
        }
        case OID.dateArray: {
          // text[] parser keeps the elements as strings
          const parseArray = pg.types.getTypeParser(1009 as number as Parameters<typeof pg.types.getTypeParser>[0], 'text') as (v: string) => (string | null)[];
          return (v: string) => parseArray(v);
        }
        case OID.bytea: {
          const parseBytea = pg.types.getTypeParser(OID.bytea, 'text') as (v: string) => Buffer;
          return (v: string) => {
            const buf = parseBytea(v);
            return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
          };
        }
        default:
          return pg.types.getTypeParser(oid, 'text');
      }
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/** pg sends Uint8Array params as text unless they are Buffers. */
function pgParams(params: unknown[] | undefined): unknown[] | undefined {
  if (!params) return params;
  return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
}

function toResult<R>(result: pg.QueryResult): QueryResult<R> {
  return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
}

async function openPg(url: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types: pgTypes(),
    application_name: options.applicationName ?? 'pillcap',
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (error) => {
    process.emitWarning(`pillcap db: idle connection error: ${error.message}`);
  });
  // Fail fast on a bad URL or an unreachable server.
  const probe = await pool.connect();
  probe.release();

  const query = async <R>(client: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]): Promise<QueryResult<R>> =>
    toResult<R>(await client.query(sql, pgParams(params)));

  return {
    kind: 'pg',
    query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => query<R>(pool, sql, params),
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const tx: Transaction = {
          query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => query<R>(client, sql, params),
          async exec(sql: string) {
            await client.query(sql);
          },
        };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable (e.g. server gone): destroy it instead of returning it to the pool.
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// PGlite

/** A FIFO async mutex. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

async function openPglite(dataDir: string | undefined): Promise<OpenedDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const release = dataDir ? lockDataDir(dataDir) : () => {};
  let lite: InstanceType<typeof PGlite>;
  try {
    lite = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      parsers: { [OID.date]: parseDate, [OID.int8]: parseInt8 },
    });
  } catch (error) {
    release();
    throw error;
  }
  const mutex = new Mutex();
  const inTransaction = new AsyncLocalStorage<boolean>();
  let closed = false;

  const rawQuery = async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    const result = await lite.query<R>(sql, params as unknown[] | undefined);
    const rowCount = (result as { rowCount?: number }).rowCount ?? result.affectedRows ?? result.rows.length;
    return { rows: result.rows, rowCount };
  };
  const guard = (what: string): void => {
    if (closed) throw new Error(`pillcap db: ${what} on a closed database`);
    if (inTransaction.getStore()) {
      throw new Error(`pillcap db: ${what} called on the database inside its own transaction; use the tx handle`);
    }
  };

  return {
    kind: 'pglite',
    query<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
      guard('query');
      return mutex.run(() => rawQuery<R>(sql, params));
    },
    exec(sql: string) {
      guard('exec');
      return mutex.run(async () => {
        await lite.exec(sql);
      });
    },
    transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      guard('transaction');
      return mutex.run(() =>
        inTransaction.run(true, async () => {
          let open = true;
          const tx: Transaction = {
            query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => {
              if (!open) throw new Error('pillcap db: transaction handle used after the transaction ended');
              return rawQuery<R>(sql, params);
            },
            async exec(sql: string) {
              if (!open) throw new Error('pillcap db: transaction handle used after the transaction ended');
              await lite.exec(sql);
            },
          };
          await lite.exec('BEGIN');
          try {
            const result = await work(tx);
            await lite.exec('COMMIT');
            return result;
          } catch (error) {
            await lite.exec('ROLLBACK');
            throw error;
          } finally {
            open = false;
          }
        }),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await mutex.run(() => lite.close());
      } finally {
        release();
      }
    },
  };
}
