/**
 * A full day rebuild and the ingestor's incremental refresh of the same patient are serialised by the
 * patient day locks (cloud/src/billing/patient-day-lock.ts).
 *
 * The race, on real PostgreSQL (READ COMMITTED): an ingest transaction inserts event E2 and rewrites the day
 * with it, but has not committed; a rebuild starts its statement (snapshot: E2 invisible) and waits on the
 * day row; the ingest commits; the rebuild then overwrites the day with its stale version, without E2.
 * With the lock the rebuild waits BEFORE it reads, so its snapshot includes E2. The test holds the ingest
 * transaction open (a refresher hook) until the rebuild is seen waiting for a lock, then lets it commit.
 * On PGlite (one connection, transactions run one after another) it checks the sequential outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeUplink } from '../../../protocol/src/device-codec.ts';
import { uplinkTopic } from '../../../protocol/src/messages.ts';
import { lockPatientDays, patientDayBucket, PATIENT_DAY_LOCK_CLASS, PATIENT_DAY_BUCKETS } from '../../src/billing/patient-day-lock.ts';
import { recomputePatient } from '../../src/billing/recompute-patient.ts';
import { rebuildDaysForPatients } from '../../src/billing/refresh-days.ts';
import { decodeUplinkMessage } from '../../src/ingest/decode-uplink.ts';
import { billingDayRefresher, processUplinks, type DayRefresher } from '../../src/ingest/process-uplinks.ts';
import { assignDevice } from '../../src/repositories/assignments.ts';
import { registerDevice } from '../../src/repositories/devices.ts';
import { ensureOrganisation } from '../../src/repositories/organisations.ts';
import { enrolPatient } from '../../src/repositories/patients.ts';
import { storeUplinks } from '../../src/repositories/uplinks.ts';
import { makeBatch, makeEvents } from '../helpers/test-cap.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

let db: TestDatabase;
let orgId: string;
let serialNo = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  orgId = (await ensureOrganisation(db, 'day-lock')).organisation.id;
}, 60_000);

afterAll(async () => {
  await db?.close();
});

// 2025-03-10 12:00:00 UTC; every event of these tests falls on that UTC day
const DAY_S = Date.UTC(2025, 2, 10, 12) / 1000;

async function patientWithCap(ref: string): Promise<{ patientId: string; deviceId: string; serial: string }> {
  const patient = await enrolPatient(db, {
    orgId,
    reference: ref,
    name: ref,
    timeZone: 'UTC',
    bodySystem: 'respiratory',
    monitoringStart: '2025-01-01',
    billingPractitioner: 'Dr Test',
  });
  const serial = `LOCK-${String(++serialNo).padStart(4, '0')}`;
  const { device } = await registerDevice(db, { serial, orgId });
  await assignDevice(db, { deviceId: device.id, patientId: patient.id, at: new Date('2025-01-01T00:00:00Z') });
  return { patientId: patient.id, deviceId: device.id, serial };
}

/** Event `seq` (a lid opening) at DAY_S + seq minutes, stored as a raw uplink the way the ingestor gets it. */
async function storedEvent(serial: string, seq: number) {
  const events = makeEvents(seq, seq, { uptimeStartS: 1000 + seq * 60 });
  const unixS = DAY_S + seq * 60;
  const batch = makeBatch(serial, events, { logTailSeq: 1, anchors: [{ boot: 1, uptimeS: 1000 + seq * 60, unixS, source: 1 }] });
  const receivedAt = new Date((unixS + 30) * 1000);
  const payload = encodeUplink(batch);
  const [uplinkId] = await storeUplinks(db, [{ receivedAt, topic: uplinkTopic(serial), topicSerial: serial, payload }]);
  return { uplinkId: uplinkId!, topic: uplinkTopic(serial), payload, receivedAt };
}

/** The day's count and qualifying events (lid openings qualify under the default policy). */
async function dayOf(patientId: string): Promise<{ eventIds: number[]; eventCount: number } | undefined> {
  const { rows } = await db.query<{ qualifying_event_ids: number[]; event_count: number }>(
    `SELECT qualifying_event_ids, event_count FROM monitored_days WHERE patient_id = $1 AND local_date = '2025-03-10'`,
    [patientId],
  );
  return rows[0] ? { eventIds: rows[0].qualifying_event_ids.map(Number), eventCount: Number(rows[0].event_count) } : undefined;
}

async function eventIdsOf(deviceId: string): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM events WHERE device_id = $1 ORDER BY id', [deviceId]);
  return rows.map((r) => Number(r.id));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Ingests event 2 of the cap with the ingest transaction held open after its day refresh, runs `rebuild`
 * meanwhile (on PostgreSQL: lets the ingest commit only once the rebuild waits for a lock), awaits both.
 */
async function ingestDuringRebuild(serial: string, rebuild: () => Promise<unknown>): Promise<void> {
  const refreshed = deferred();
  const gate = deferred();
  const refresher: DayRefresher = {
    lock: billingDayRefresher.lock,
    events: async (tx, events) => {
      await billingDayRefresher.events(tx, events);
      refreshed.resolve();
      await gate.promise;
    },
    heartbeats: billingDayRefresher.heartbeats,
  };
  const uplink = await storedEvent(serial, 2);
  if (db.kind === 'pglite') gate.resolve(); // one connection: the transactions cannot overlap
  const ingest = processUplinks(db, [uplink], { decode: decodeUplinkMessage, refresher });
  await refreshed.promise;
  const rebuilt = rebuild();
  if (db.kind === 'pg') {
    // the rebuild is blocked: with the day locks before it reads, without them on the day row it rewrites
    await waitFor(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::integer AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0]!.n > 0;
      },
      { timeoutMs: 20_000, what: 'the rebuild waiting for a lock' },
    );
    gate.resolve();
  }
  await Promise.all([ingest, rebuilt]);
}

describe('patient day locks', () => {
  it('a recompute job running while an event is ingested keeps that event in the day', async () => {
    const { patientId, deviceId, serial } = await patientWithCap('job');
    await processUplinks(db, [await storedEvent(serial, 1)], { decode: decodeUplinkMessage });
    expect((await dayOf(patientId))?.eventCount).toBe(1);

    await ingestDuringRebuild(serial, () => recomputePatient(db, patientId, { asOf: new Date('2025-04-01T00:00:00Z') }));

    const ids = await eventIdsOf(deviceId);
    expect(ids).toHaveLength(2);
    expect(await dayOf(patientId)).toEqual({ eventIds: ids, eventCount: 2 });
  });

  it('the API rebuild path (day locks, then the device row) keeps the ingested event too', async () => {
    const { patientId, deviceId, serial } = await patientWithCap('api');
    await processUplinks(db, [await storedEvent(serial, 1)], { decode: decodeUplinkMessage });

    // what POST /patients/:id/assignments does in its transaction, on a second cap of the same patient
    const { device: spare } = await registerDevice(db, { serial: `LOCK-${String(++serialNo).padStart(4, '0')}`, orgId });
    await ingestDuringRebuild(serial, () =>
      db.transaction(async (tx) => {
        await lockPatientDays(tx, [patientId]);
        await assignDevice(tx, { deviceId: spare.id, patientId, at: new Date('2025-03-01T00:00:00Z') });
        await rebuildDaysForPatients(tx, [patientId]);
      }),
    );

    const ids = await eventIdsOf(deviceId);
    expect(ids).toHaveLength(2);
    expect(await dayOf(patientId)).toEqual({ eventIds: ids, eventCount: 2 });
  });

  it('locks one bucket per patient, in ascending order, held until the transaction ends (and harmless when taken again)', async () => {
    const ids = ['0b7f2c1e-1111-4a5b-8c9d-000000000001', '0b7f2c1e-1111-4a5b-8c9d-000000000002', '0b7f2c1e-1111-4a5b-8c9d-000000000003'];
    const expected = [...new Set(ids.map(patientDayBucket))].sort((a, b) => a - b);
    for (const b of expected) expect(b).toBeGreaterThanOrEqual(0), expect(b).toBeLessThan(PATIENT_DAY_BUCKETS);
    const held = await db.transaction(async (tx) => {
      expect(await lockPatientDays(tx, [...ids, ids[0]!, null])).toEqual(expected);
      expect(await lockPatientDays(tx, [ids[1]!])).toEqual([patientDayBucket(ids[1]!)]);
      const { rows } = await tx.query<{ objid: number }>(
        `SELECT objid::text::integer AS objid FROM pg_locks
          WHERE locktype = 'advisory' AND classid = $1::integer::oid AND pid = pg_backend_pid() AND granted ORDER BY 1`,
        [PATIENT_DAY_LOCK_CLASS],
      );
      return rows.map((r) => Number(r.objid));
    });
    expect(held).toEqual(expected);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::integer::oid`, [
      PATIENT_DAY_LOCK_CLASS,
    ]);
    expect(rows[0]!.n).toBe(0);
  });
});
