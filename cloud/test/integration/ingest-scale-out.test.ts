/**
 * Scale-out and crash safety: two ingestors on one subscription count nothing twice and lose nothing; an
 * ingestor killed in the middle of a batch (its database connection cut mid-transaction, its MQTT socket
 * dropped without PUBACKs) loses nothing, and a restarted one finishes the work.
 *
 * On Mosquitto (MQTT_URL) the two ingestors share `$share/<group>/...`, so each uplink reaches one of them.
 * aedes 1.x has no shared subscriptions: there both use the plain subscription, every uplink reaches both,
 * and the database's idempotency is what keeps the count exact -- the same assertions hold.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ingestor } from '../../src/ingest/ingestor.ts';
import type { DayRefresher } from '../../src/ingest/process-uplinks.ts';
import { billingDayRefresher } from '../../src/ingest/process-uplinks.ts';
import { registerDevice } from '../../src/repositories/devices.ts';
import { ensureOrganisation } from '../../src/repositories/organisations.ts';
import { FaultyDatabase } from '../helpers/faulty-database.ts';
import { clearMqttSession } from '../helpers/mqtt-session.ts';
import { createTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { makeBatch, makeEvents, TestCap } from '../helpers/test-cap.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = randomBytes(3).toString('hex').toUpperCase();
let db: TestDatabase;
let broker: TestBroker;
const caps: TestCap[] = [];
const ingestors: Ingestor[] = [];
const clientIds: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  broker = await createTestBroker();
});

afterAll(async () => {
  await Promise.all(caps.map((c) => c.close()));
  for (const i of ingestors) await i.kill();
  for (const id of clientIds) await clearMqttSession(broker.url, id);
  await broker?.close();
  await db?.close();
});

function ingestor(name: string, options: Partial<ConstructorParameters<typeof Ingestor>[0]> = {}): Ingestor {
  const clientId = `pillcap-ingest-${name}-${run}`;
  if (!clientIds.includes(clientId)) clientIds.push(clientId);
  const i = new Ingestor({
    db,
    mqttUrl: broker.url,
    clientId,
    deviceConfig: false, // about ingest only: leave no retained Config on a shared broker
    sharedGroup: broker.sharedSubscriptions ? `pillcap-scale-${run}` : null,
    retryInitialMs: 20,
    retryMaxMs: 200,
    log: () => {},
    ...options,
  });
  ingestors.push(i);
  return i;
}

async function setupCaps(prefix: string, count: number): Promise<TestCap[]> {
  const { organisation } = await ensureOrganisation(db, `scale-${run.toLowerCase()}`);
  const list: TestCap[] = [];
  for (let i = 0; i < count; i++) {
    const serial = `S${run}-${prefix}${i}`;
    await registerDevice(db, { serial, orgId: organisation.id });
    const cap = await TestCap.connect(broker.url, serial);
    caps.push(cap);
    list.push(cap);
  }
  return list;
}

async function countEvents(serials: string[]): Promise<{ total: number; distinct: number }> {
  const { rows } = await db.query<{ total: number; distinct_seqs: number }>(
    `SELECT count(*) AS total, count(DISTINCT (e.device_id, e.seq)) AS distinct_seqs
       FROM events e JOIN devices d ON d.id = e.device_id WHERE d.serial = ANY($1::text[])`,
    [serials],
  );
  return { total: rows[0]!.total, distinct: rows[0]!.distinct_seqs };
}

/**
 * Each cap sends `batches` batches of `perBatch` events without waiting for acks (like a cap catching up).
 * Resolves with the last seq once everything is published.
 */
async function sendBatches(fleet: readonly TestCap[], batches: number, perBatch: number): Promise<number> {
  await Promise.all(
    fleet.map(async (cap) => {
      for (let k = 0; k < batches; k++) {
        const from = k * perBatch + 1;
        await cap.send(makeBatch(cap.serial, makeEvents(from, from + perBatch - 1, { uptimeStartS: 1000 + from * 60 }), { logTailSeq: 1 }));
      }
    }),
  );
  return batches * perBatch;
}

/** `sendBatches`, then waits until every cap is acked through its last seq, which it returns. */
async function catchUp(fleet: readonly TestCap[], batches: number, perBatch: number): Promise<number> {
  const last = await sendBatches(fleet, batches, perBatch);
  await Promise.all(fleet.map((cap) => cap.waitForAck(last, 30_000)));
  return last;
}

describe('scale out', () => {
  it('two ingestors on one subscription: no double count, nothing lost', async () => {
    const a = ingestor('a');
    const b = ingestor('b');
    await Promise.all([a.start(), b.start()]);
    const fleet = await setupCaps('P', 5);
    const batches = 10;
    const last = await catchUp(fleet, batches, 5);
    const counts = await countEvents(fleet.map((c) => c.serial));
    expect(counts).toEqual({ total: fleet.length * last, distinct: fleet.length * last });
    const uplinkCount = fleet.length * batches;
    const handled = (i: Ingestor) => i.stats.processed + i.stats.duplicates;
    await waitFor(() => handled(a) + handled(b) >= (broker.sharedSubscriptions ? uplinkCount : 2 * uplinkCount), {
      what: 'every delivery handled',
    });
    expect(a.stats.eventsInserted + b.stats.eventsInserted).toBe(fleet.length * last);
    if (broker.sharedSubscriptions) {
      // Each uplink was delivered to exactly one of them, and the broker spread the work.
      expect(handled(a) + handled(b)).toBe(uplinkCount);
      expect(handled(a)).toBeGreaterThan(0);
      expect(handled(b)).toBeGreaterThan(0);
    } else {
      // Both saw every uplink; the second sight of each was recognised as a duplicate or inserted nothing new.
      expect(handled(a)).toBe(uplinkCount);
      expect(handled(b)).toBe(uplinkCount);
    }
    // Every stored uplink reached a final state.
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM uplinks WHERE topic_serial = ANY($1::text[]) AND status = 'received'`,
      [fleet.map((c) => c.serial)],
    );
    expect(rows[0]!.n).toBe(0);
    await Promise.all([a.stop(5000), b.stop(5000)]);
  });

  it('one ingestor with parallel processing transactions: no double count, nothing lost, every cap acked to its last seq', async () => {
    // Groups of 3 uplinks on 4 workers, so one cap's batches commit in parallel and in any order (PGlite runs
    // one worker: the same assertions hold). Its own share group: Mosquitto keeps queueing a share for the
    // stopped ingestors of the test above, whose persistent sessions are still members of theirs.
    const c = ingestor('parallel', { processConcurrency: 4, batchMaxMessages: 3, batchMaxWaitMs: 0, sharedGroup: broker.sharedSubscriptions ? `pillcap-parallel-${run}` : null });
    await c.start();
    const fleet = await setupCaps('Q', 4);
    const batches = 12;
    const last = await catchUp(fleet, batches, 4);
    expect(await countEvents(fleet.map((cap) => cap.serial))).toEqual({ total: fleet.length * last, distinct: fleet.length * last });
    expect(c.stats.commits).toBeGreaterThanOrEqual((fleet.length * batches) / 3);
    const { rows } = await db.query<{ serial: string; ack_seq: number }>('SELECT serial, ack_seq FROM devices WHERE serial = ANY($1::text[]) ORDER BY serial', [
      fleet.map((cap) => cap.serial),
    ]);
    expect(rows.map((r) => Number(r.ack_seq))).toEqual(fleet.map(() => last));
    // an ack is the contiguous seq its commit saw: never past what was stored
    for (const cap of fleet) expect(Math.max(...cap.acks.map((a) => a.ackSeq))).toBe(last);
    await c.stop(5000);
  });

  it('an ingestor killed mid-batch loses nothing and a restarted one finishes the work', async () => {
    const fleet = await setupCaps('K', 3);
    const faulty = new FaultyDatabase(db);
    // Hold the first processing transaction open (after its events are inserted, before commit).
    let entered!: () => void;
    const inTransaction = new Promise<void>((resolve) => (entered = resolve));
    let releaseGate!: () => void;
    const gate = new Promise<void>((resolve) => (releaseGate = resolve));
    const stalling: DayRefresher = {
      async events(tx, events) {
        entered();
        await gate;
        await billingDayRefresher.events(tx, events);
      },
      heartbeats: billingDayRefresher.heartbeats,
    };
    const first = ingestor('k', { db: faulty, refresher: stalling, sharedGroup: null, batchMaxWaitMs: 20 });
    await first.start();

    const batches = 8;
    const sendAll = sendBatches(fleet, batches, 4);
    await inTransaction;
    // Kill: the socket drops without further PUBACKs, the connection dies inside the open transaction.
    await first.kill();
    faulty.kill();
    releaseGate();
    const last = await sendAll;
    expect(fleet.every((cap) => cap.acks.length === 0)).toBe(true);
    expect(first.stats.commits).toBe(0);

    // Same client id (its persistent session holds what was not PUBACKed); stored-but-unprocessed uplinks
    // are swept.
    const second = ingestor('k', { sharedGroup: null, staleAfterMs: 200, sweepIntervalMs: 100 });
    await second.start();
    await Promise.all(fleet.map((cap) => cap.waitForAck(last, 30_000)));
    const counts = await countEvents(fleet.map((c) => c.serial));
    expect(counts).toEqual({ total: fleet.length * last, distinct: fleet.length * last });
    await waitFor(async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM uplinks WHERE topic_serial = ANY($1::text[]) AND status = 'received'`,
        [fleet.map((c) => c.serial)],
      );
      return rows[0]!.n === 0;
    }, { what: 'no uplink left unprocessed' });
    // What the dead one had stored (and PUBACKed) was swept up; the rest came back from the broker session.
    expect(first.stats.stored).toBeGreaterThan(0);
    expect(second.stats.swept).toBeGreaterThanOrEqual(first.stats.stored);
    expect(second.stats.received + first.stats.stored).toBeGreaterThanOrEqual(fleet.length * batches);
    await second.stop(5000);
  });

  it('PUBACKs only what is stored: uplinks received while the database is down come back after a crash', async () => {
    const fleet = await setupCaps('U', 2);
    const faulty = new FaultyDatabase(db);
    faulty.failing = true;
    const first = ingestor('u', { db: faulty, sharedGroup: null });
    await first.start();
    const perCap = 5;
    await Promise.all(
      fleet.map(async (cap) => {
        for (let k = 0; k < perCap; k++) await cap.send(makeBatch(cap.serial, makeEvents(k * 2 + 1, k * 2 + 2), { logTailSeq: 1 }));
      }),
    );
    await waitFor(() => first.stats.received >= fleet.length * perCap && first.stats.retries > 0, { what: () => `deliveries to the failing ingestor (${JSON.stringify(first.stats)})` });
    expect(first.stats.stored).toBe(0);
    await first.kill();
    faulty.failing = false;
    // Nothing was PUBACKed, so the broker hands every message to the restarted session.
    const second = ingestor('u', { sharedGroup: null });
    await second.start();
    await Promise.all(fleet.map((cap) => cap.waitForAck(perCap * 2, 30_000)));
    expect(await countEvents(fleet.map((c) => c.serial))).toEqual({ total: fleet.length * perCap * 2, distinct: fleet.length * perCap * 2 });
    expect(second.stats.received).toBeGreaterThanOrEqual(fleet.length * perCap);
    expect(second.stats.swept).toBe(0);
    await second.stop(5000);
  });

  it('isolates an uplink whose processing fails for good: it is quarantined, the rest of its group commits', async () => {
    const fleet = await setupCaps('X', 3);
    const poison = fleet[1]!;
    const poisonId = (await db.query<{ id: string }>('SELECT id FROM devices WHERE serial = $1', [poison.serial])).rows[0]!.id;
    const failing: DayRefresher = {
      async events(tx, events) {
        const ids = await tx.query<{ device_id: string }>('SELECT device_id FROM events WHERE id = ANY($1::int8[])', [events.map((e) => e.eventId)]);
        if (ids.rows.some((r) => r.device_id === poisonId)) throw Object.assign(new Error('constraint violated'), { code: '23514' });
        await billingDayRefresher.events(tx, events);
      },
      heartbeats: billingDayRefresher.heartbeats,
    };
    const i = ingestor('x', { refresher: failing, sharedGroup: null, batchMaxWaitMs: 50 });
    await i.start();
    await Promise.all(fleet.map((cap) => cap.send(makeBatch(cap.serial, makeEvents(1, 3)))));
    await Promise.all([fleet[0]!, fleet[2]!].map((cap) => cap.waitForAck(3)));
    await waitFor(async () => {
      const { rows } = await db.query<{ status: string }>('SELECT status FROM uplinks WHERE topic_serial = $1', [poison.serial]);
      return rows[0]?.status === 'quarantined';
    }, { what: 'poison uplink quarantined' });
    const { rows } = await db.query<{ error_code: string; error: string }>('SELECT error_code, error FROM uplinks WHERE topic_serial = $1', [poison.serial]);
    expect(rows[0]).toMatchObject({ error_code: 'processing_error' });
    expect(rows[0]!.error).toContain('constraint violated');
    expect(poison.acks).toEqual([]);
    expect(await countEvents([poison.serial])).toEqual({ total: 0, distinct: 0 });
    expect(await countEvents([fleet[0]!.serial, fleet[2]!.serial])).toEqual({ total: 6, distinct: 6 });
    await i.stop(5000);
  });
});
