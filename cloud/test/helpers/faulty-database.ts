/**
 * Wraps a Database to inject faults: `failing` makes every call fail with a transient error (a database
 * outage), `kill()` makes every later call, including those inside an open transaction, fail for good
 * (a process whose connection was cut mid-transaction: the transaction rolls back).
 */
import type { OpenedDatabase, Transaction } from '../../src/db/open-database.ts';

export class FaultyDatabase implements OpenedDatabase {
  failing = false;
  private dead = false;
  constructor(private readonly inner: OpenedDatabase) {}

  get kind() {
    return this.inner.kind;
  }

  private check(): void {
    if (this.dead) throw Object.assign(new Error('injected: connection cut'), { code: 'XX000' });
    if (this.failing) throw Object.assign(new Error('injected: database unavailable'), { code: '57P03', transient: true });
  }

  kill(): void {
    this.dead = true;
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
    this.check();
    return this.inner.query<R>(sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.check();
    return this.inner.exec(sql);
  }

  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    this.check();
    return this.inner.transaction((tx) =>
      work({
        query: async <R = Record<string, unknown>>(sql: string, params?: unknown[]) => {
          this.check();
          return tx.query<R>(sql, params);
        },
        exec: async (sql: string) => {
          this.check();
          return tx.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    this.dead = true;
  }
}
