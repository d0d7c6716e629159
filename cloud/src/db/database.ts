/**
 * One database interface over real PostgreSQL (`pg`, when DATABASE_URL is set) and the embedded default
 * (PGlite). Repositories take a `Queryable` so the same code runs inside or outside a transaction.
 * Conventions both back ends follow: bigint/bigserial columns come back as JS numbers (ids and seqs stay
 * below 2^53), timestamptz as Date, date as 'YYYY-MM-DD' strings, jsonb parsed, bytea as Uint8Array.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  readonly kind: 'pg' | 'pglite';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
