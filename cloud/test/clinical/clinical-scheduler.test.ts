/**
 * On ingest: the ingestor queues the patient inside its transaction, the scheduler drains the queue and
 * evaluates; a redelivered uplink raises nothing new. Two schedulers draining at once never take the same
 * queued patient (SKIP LOCKED), and the afterEvaluate hook sees the patients evaluated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeUplink } from '../../../protocol/src/device-codec.ts';
import { EventKind, SymptomPattern, uplinkTopic, type DeviceEvent } from '../../../protocol/src/messages.ts';
import { startClinicalScheduler } from '../../src/clinical/clinical-scheduler.ts';
import { decodeUplinkMessage } from '../../src/ingest/decode-uplink.ts';
import { processUplinks } from '../../src/ingest/process-uplinks.ts';
import { storeUplinks } from '../../src/repositories/uplinks.ts';
import { makeBatch } from '../helpers/test-cap.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { alertsOf, createClinic, monitoredPatient, type Clinic } from './clinical-world.ts';

let db: TestDatabase;
let clinic: Clinic;

beforeAll(async () => {
  db = await createTestDatabase();
  clinic = await createClinic(db);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

const T = Date.UTC(2026, 9, 10, 14) / 1000; // 2026-10-10 14:00 UTC

/** One stored uplink: a needs-help press at T + offsetS. */
async function pressUplink(serial: string, seq: number, offsetS: number) {
  const events: DeviceEvent[] = [{ seq, boot: 1, uptimeS: 1000 + offsetS, kind: EventKind.Symptom, args: [SymptomPattern.Long] }];
  const batch = makeBatch(serial, events, { logTailSeq: 1, anchors: [{ boot: 1, uptimeS: 1005 + offsetS, unixS: T + offsetS + 5, source: 1 }] });
  const receivedAt = new Date((T + offsetS + 30) * 1000);
  const payload = encodeUplink(batch);
  const [uplinkId] = await storeUplinks(db, [{ receivedAt, topic: uplinkTopic(serial), topicSerial: serial, payload }]);
  return { uplinkId: uplinkId!, topic: uplinkTopic(serial), payload, receivedAt };
}

const queued = async () => (await db.query<{ patient_id: string }>('SELECT patient_id FROM alert_evaluation_queue ORDER BY 1')).rows.map((r) => r.patient_id);

describe('on ingest', () => {
  it('queues in the ingest transaction, drains into one alert, and a redelivery raises nothing', async () => {
    const p = await monitoredPatient(clinic);
    await db.query('DELETE FROM alert_evaluation_queue');
    const evaluated: string[][] = [];
    const now = new Date((T + 120) * 1000);
    const scheduler = startClinicalScheduler({ db, now: () => now, queueIntervalMs: 3_600_000, sweepIntervalMs: 3_600_000, afterEvaluate: async (_db, ids) => void evaluated.push(ids) });
    try {
      const uplink = await pressUplink(p.serial, 1, 0);
      await processUplinks(db, [uplink], { decode: decodeUplinkMessage, now: () => now });
      expect(await queued()).toEqual([p.patientId]);
      const r = await scheduler.drainOnce();
      expect(r.evaluated).toBe(1);
      expect(await queued()).toEqual([]);
      expect(evaluated).toEqual([[p.patientId]]);
      const first = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'needs_help');
      expect(first).toHaveLength(1);

      // the cap did not see the ack and sends the same batch again
      const again = await pressUplink(p.serial, 1, 0);
      const result = await processUplinks(db, [again], { decode: decodeUplinkMessage, now: () => now });
      expect(result.outcomes[0]!.status).toBe('duplicate');
      await scheduler.drainOnce();
      expect((await alertsOf(db, p.patientId)).filter((a) => a.rule === 'needs_help').map((a) => a.id)).toEqual(first.map((a) => a.id));
    } finally {
      await scheduler.stop();
    }
  });

  it('two schedulers draining at once evaluate each queued patient once', async () => {
    const patients = [];
    for (let i = 0; i < 6; i++) patients.push(await monitoredPatient(clinic));
    await db.query('DELETE FROM alert_evaluation_queue');
    await db.query('INSERT INTO alert_evaluation_queue (patient_id) SELECT unnest($1::uuid[])', [patients.map((p) => p.patientId)]);
    const seen: string[] = [];
    const now = new Date((T + 600) * 1000);
    const make = () => startClinicalScheduler({ db, now: () => now, queueIntervalMs: 3_600_000, sweepIntervalMs: 3_600_000, drainBatch: 2, afterEvaluate: async (_db, ids) => void seen.push(...ids) });
    const a = make();
    const b = make();
    try {
      const [ra, rb] = await Promise.all([a.drainOnce(), b.drainOnce()]);
      expect(ra.evaluated + rb.evaluated).toBe(6);
      expect([...seen].sort()).toEqual(patients.map((p) => p.patientId).sort());
      expect(await queued()).toEqual([]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('sweeps every monitored patient on its schedule', async () => {
    const p = await monitoredPatient(clinic);
    const now = new Date((T + 5 * 86_400) * 1000);
    const scheduler = startClinicalScheduler({ db, now: () => now, queueIntervalMs: 3_600_000, sweepIntervalMs: 3_600_000 });
    try {
      const r = await scheduler.sweepOnce();
      expect(r.evaluated).toBeGreaterThanOrEqual(1);
      // the cap never reported since it was given out on 10-01: silence is noticed without any uplink
      expect((await alertsOf(db, p.patientId)).map((a) => a.rule)).toContain('cap_silent');
    } finally {
      await scheduler.stop();
    }
  });
});
