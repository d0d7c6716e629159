/** The ingestor's config hook without a database: it never rejects, and coalesces devices while it works. */
import { describe, expect, it } from 'vitest';
import { MessageKind } from '../../../protocol/src/messages.ts';
import type { Database, QueryResult } from '../../src/db/database.ts';
import { ConfigSync } from '../../src/device-config/config-sync.ts';

function fakeDb(answer: (sql: string, params: unknown[]) => Promise<QueryResult<never>>): Database & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    kind: 'pglite',
    calls,
    query: async (sql: string, params: unknown[] = []) => {
      calls.push(params);
      return answer(sql, params) as never;
    },
    transaction: async () => {
      throw new Error('no transactions here');
    },
    close: async () => {},
  };
}

const processed = (deviceId: string, kind: number = MessageKind.EventBatch) => ({ id: 1, status: 'processed' as const, deviceId, kind });

describe('ConfigSync', () => {
  it('logs and counts a failing database instead of rejecting', async () => {
    const logs: string[] = [];
    let failures = 0;
    const db = fakeDb(async () => {
      throw new Error('connection refused');
    });
    const sync = new ConfigSync({ db, downlink: { publish: async () => {} }, now: () => new Date(), log: (_l, m) => logs.push(m), onFailed: () => failures++ });
    await expect(sync.afterCommit([processed('d1', MessageKind.Hello)])).resolves.toBeUndefined();
    expect(failures).toBe(1);
    expect(logs[0]).toContain('connection refused');
  });

  it('skips quarantined uplinks and coalesces devices that arrive while a round runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const db = fakeDb(async () => {
      await gate;
      return { rows: [], rowCount: 0 } as QueryResult<never>;
    });
    const sync = new ConfigSync({ db, downlink: { publish: async () => {} }, now: () => new Date(), log: () => {} });
    const first = sync.afterCommit([processed('d1'), { id: 2, status: 'quarantined', deviceId: 'dq', kind: 1 }]);
    const second = sync.afterCommit([processed('d2')]);
    const third = sync.afterCommit([processed('d3', MessageKind.Hello)]);
    release();
    await Promise.all([first, second, third]);
    // Round 1: d1 only; round 2: d2 and d3 together (one query for both).
    expect(db.calls.map((p) => p[0])).toEqual([['d1'], ['d2', 'd3']]);
  });

  it('queries a cap with a current stored config once, until its Hello or its DST change', async () => {
    let nowS = 1_780_000_000;
    const db = fakeDb(async (_sql, params) => {
      const ids = params[0] as string[];
      return { rows: ids.map((id) => ({ id, config_version: 1, device_config_version: 1, stored_version: 1, next_change: String(1_780_000_100) })), rowCount: ids.length } as never;
    });
    const attempts: string[] = [];
    const sync = new ConfigSync({ db, downlink: { publish: async () => {} }, now: () => new Date(nowS * 1000), log: () => {}, onFailed: () => attempts.push('attempt') });
    await sync.afterCommit([processed('d1')]);
    await sync.afterCommit([processed('d1')]);
    expect(db.calls).toHaveLength(1);
    // A Hello always asks, and re-derives the config (the push fails here: no transactions).
    await sync.afterCommit([processed('d1', MessageKind.Hello)]);
    expect(db.calls).toHaveLength(2);
    expect(attempts).toEqual(['attempt']);
    // Past the stored change: a push is attempted without asking first.
    nowS = 1_780_000_200;
    await sync.afterCommit([processed('d1')]);
    expect(db.calls).toHaveLength(2);
    expect(attempts).toEqual(['attempt', 'attempt']);
  });
});
