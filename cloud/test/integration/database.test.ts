import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open-database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe('openDatabase', () => {
  it('returns the same JS types on both back ends', async () => {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT 9007199254740::int8 AS big, now() AS ts, '2024-02-29'::date AS d, '{"x":[1,2]}'::jsonb AS j,
              '\\x0102ff'::bytea AS b, ARRAY[1,2]::int[] AS ia, ARRAY[3,4]::int8[] AS ba, count(*) AS n
       FROM (VALUES (1)) v`,
    );
    const row = rows[0]!;
    expect(row.big).toBe(9007199254740);
    expect(row.ts).toBeInstanceOf(Date);
    expect(row.d).toBe('2024-02-29');
    expect(row.j).toEqual({ x: [1, 2] });
    expect(row.b).toBeInstanceOf(Uint8Array);
    expect(Array.from(row.b as Uint8Array)).toEqual([1, 2, 255]);
    expect(row.ia).toEqual([1, 2]);
    expect(row.ba).toEqual([3, 4]);
    expect(row.n).toBe(1);
  });

  it('round-trips parameters of every convention', async () => {
    const at = new Date('2025-03-30T01:30:00Z');
    const { rows } = await db.query<Record<string, unknown>>(
      'SELECT $1::bytea AS b, $2::jsonb AS j, $3::timestamptz AS t, $4::date AS d, $5::int[] AS a',
      [new Uint8Array([0, 7, 255]), JSON.stringify({ a: 1 }), at, '2025-03-30', [5, 6]],
    );
    expect(Array.from(rows[0]!.b as Uint8Array)).toEqual([0, 7, 255]);
    expect(rows[0]!.j).toEqual({ a: 1 });
    expect((rows[0]!.t as Date).toISOString()).toBe(at.toISOString());
    expect(rows[0]!.d).toBe('2025-03-30');
    expect(rows[0]!.a).toEqual([5, 6]);
  });

  it('commits a transaction and rolls one back on error', async () => {
    await db.query('CREATE TABLE IF NOT EXISTS t_tx (v int)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t_tx VALUES (1)');
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t_tx VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t_tx VALUES (3)');
        await tx.query('INSERT INTO t_tx VALUES (1/0)');
      }),
    ).rejects.toThrow(/division by zero/);
    const { rows } = await db.query<{ v: number }>('SELECT v FROM t_tx ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual([1]);
  });

  it('runs concurrent transactions without interleaving their effects', async () => {
    await db.query('CREATE TABLE IF NOT EXISTS t_counter (id int PRIMARY KEY, n int NOT NULL)');
    await db.query('INSERT INTO t_counter VALUES (1, 0) ON CONFLICT DO NOTHING');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>('SELECT n FROM t_counter WHERE id = 1 FOR UPDATE');
          await tx.query('UPDATE t_counter SET n = $1 WHERE id = 1', [rows[0]!.n + 1]);
        }),
      ),
    );
    const { rows } = await db.query<{ n: number }>('SELECT n FROM t_counter WHERE id = 1');
    expect(rows[0]!.n).toBe(20);
  });

  it('reports rowCount for writes', async () => {
    await db.query('CREATE TABLE IF NOT EXISTS t_rc (v int)');
    const ins = await db.query('INSERT INTO t_rc VALUES (1), (2), (3)');
    expect(ins.rowCount).toBe(3);
    const upd = await db.query('UPDATE t_rc SET v = v + 1 WHERE v > 1');
    expect(upd.rowCount).toBe(2);
  });
});

describe('migrate', () => {
  it('is idempotent and records what it applied', async () => {
    const again = await migrate(db);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toContain('001_core.sql');
    const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows[0]!.version).toBe(1);
  });

  it('is safe when several processes migrate one PostgreSQL database at once', async () => {
    if (!db.url) {
      // PGlite is one connection in one process: concurrent callers are serialised by the database mutex.
      const results = await Promise.all([migrate(db), migrate(db)]);
      expect(results.flatMap((r) => r.applied)).toEqual([]);
      return;
    }
    // A fresh database, migrated by three independent pools at once.
    const fresh = await createTestDatabase({ migrate: false });
    const pools = await Promise.all([0, 1, 2].map(() => openDatabase({ url: fresh.url! })));
    try {
      const results = await Promise.all(pools.map((p) => migrate(p)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied.filter((f) => f === '001_core.sql')).toHaveLength(1);
      const { rows } = await fresh.query<{ n: number }>("SELECT count(*) AS n FROM schema_migrations WHERE version = 1");
      expect(rows[0]!.n).toBe(1);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
      await fresh.close();
    }
  });
});
