/**
 * End to end through the simulator: the real firmware on an emulated BG95, the real broker and a real
 * Ingestor whose clock follows virtual time. The cap boots with the scenario's reminder (12:00 at a fixed
 * UTC-5); the cloud's Config replaces them with its patient's regimen (09:00 and 21:00 in
 * America/New_York) and the zone's next DST change, so after the Config arrives every ReminderDue happens at
 * 09:00 or 21:00 New York time, on both sides of the 8 March 2026 change (14:00Z before, 13:00Z after).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downlinkTopic, EventKind } from '../../../protocol/src/messages.ts';
import { simulateFleet } from '../../../simulator/src/simulate.ts';
import { parseScenario } from '../../../simulator/src/scenario.ts';
import { Ingestor } from '../../src/ingest/ingestor.ts';
import { assignDevice } from '../../src/repositories/assignments.ts';
import { registerDevice } from '../../src/repositories/devices.ts';
import { ensureOrganisation } from '../../src/repositories/organisations.ts';
import { enrolPatient } from '../../src/repositories/patients.ts';
import { clearMqttSession } from '../helpers/mqtt-session.ts';
import { createTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import mqtt from 'mqtt';

const run = randomBytes(3).toString('hex').toUpperCase();
const serial = `KF${run}-1`;
const clientId = `pillcap-config-fleet-${run}`;
const ZONE = 'America/New_York';
const REGIMEN = [540, 1260];

let db: TestDatabase;
let broker: TestBroker;
let ingestor: Ingestor;
let clock: () => Date = () => new Date();

const localMinute = (d: Date): { date: string; minute: number; second: number } => {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, minute: Number(get('hour')) * 60 + Number(get('minute')), second: Number(get('second')) };
};

beforeAll(async () => {
  db = await createTestDatabase();
  broker = await createTestBroker();
  const org = (await ensureOrganisation(db, `fleet-${run.toLowerCase()}`)).organisation;
  const { device } = await registerDevice(db, { serial, orgId: org.id });
  const patient = await enrolPatient(db, {
    orgId: org.id,
    reference: `${run}-P`,
    name: 'Fleet patient',
    timeZone: ZONE,
    bodySystem: 'musculoskeletal',
    monitoringStart: '2026-03-05',
    billingPractitioner: 'Dr Test',
    regimen: { dosesPerDay: 2, reminderMinutes: REGIMEN },
  });
  await assignDevice(db, { deviceId: device.id, patientId: patient.id, at: new Date('2026-03-05T00:00:00Z') });
  ingestor = new Ingestor({
    db,
    mqttUrl: broker.url,
    clientId,
    sharedGroup: broker.sharedSubscriptions ? `pillcap-config-fleet-${run}` : null,
    now: () => clock(),
    log: () => {},
  });
  await ingestor.start();
});

afterAll(async () => {
  if (broker) {
    const c = await mqtt.connectAsync(broker.url, { clientId: `clean-${run}` });
    await c.publishAsync(downlinkTopic(serial), Buffer.alloc(0), { qos: 1, retain: true });
    await c.endAsync();
  }
  await ingestor?.stop(5000);
  if (broker) await clearMqttSession(broker.url, clientId);
  await broker?.close();
  await db?.close();
});

describe('device config reaches a simulated cap', () => {
  it('makes the cap remind at the patient\'s local times across a DST change', async () => {
    const scenario = parseScenario({
      name: 'config-e2e',
      start: '2026-03-06T05:00:00Z', // midnight in New York, two days before spring-forward
      days: 4,
      utcOffsetMin: -300,
      // Doses at noon: openings upload daily, and never pre-empt (EARLY_TAKE_S) the 09:00 and 21:00 reminders.
      patient: { doseTimes: ['12:00'], adherence: 1, jitterMinutes: 10, curiosityPerDay: 0, symptomsPerDay: 0 },
    });
    const result = await simulateFleet({
      scenario,
      seed: 5,
      serials: [serial],
      broker: broker.url,
      ackPeer: false,
      onCap: (cap) => {
        clock = () => new Date(cap.startUnixMs + cap.vt.now());
      },
    });
    expect(result.caps[0]!.crashes).toBe(0);
    expect(await ingestor.drain()).toBe(true);

    const configs = await db.query<{ version: number; config: { reminderMinutes: number[]; utcOffsetMin: number; nextOffsetChangeUnixS?: number }; created_at: Date; reason: string }>(
      'SELECT c.version, c.config, c.created_at, c.reason FROM device_configs c JOIN devices d ON d.id = c.device_id WHERE d.serial = $1 ORDER BY c.version',
      [serial],
    );
    expect(configs.rows.length).toBeGreaterThanOrEqual(1);
    const first = configs.rows[0]!;
    expect(first.config).toMatchObject({ reminderMinutes: REGIMEN, utcOffsetMin: -300, nextOffsetChangeUnixS: Date.parse('2026-03-08T07:00:00Z') / 1000 });
    // Every Ack carries devices.config_version: the latest stored version.
    const { rows: dev } = await db.query<{ config_version: number }>('SELECT config_version FROM devices WHERE serial = $1', [serial]);
    expect(dev[0]!.config_version).toBe(configs.rows.at(-1)!.version);

    const { rows } = await db.query<{ occurred_at: Date; args: number[] }>(
      `SELECT e.occurred_at, e.args FROM events e JOIN devices d ON d.id = e.device_id
        WHERE d.serial = $1 AND e.kind = $2 AND e.occurred_at IS NOT NULL ORDER BY e.occurred_at`,
      [serial, EventKind.ReminderDue],
    );
    // The cap takes the retained Config at the latest when it next connects after the push; a slot whose
    // window is open when a config arrives becomes due at once, so count from one window (120 min) later.
    const { rows: next } = await db.query<{ at: Date }>(
      `SELECT min(received_at) AS at FROM uplinks WHERE topic_serial = $1 AND received_at > $2`,
      [serial, new Date(first.created_at.getTime() + 10 * 60_000)],
    );
    expect(next[0]!.at).not.toBeNull();
    const settled = next[0]!.at.getTime() + 120 * 60_000;
    const after = rows.filter((r) => r.occurred_at.getTime() > settled);
    expect(after.length).toBeGreaterThanOrEqual(5);
    for (const r of after) {
      const local = localMinute(r.occurred_at);
      const slot = r.args[0]!;
      // The cap's RTC drifts (20 ppm in the scenario) and it reminds by its own clock: allow 30 s.
      const secondsOfDay = local.minute * 60 + local.second;
      const offBy = Math.abs(secondsOfDay - REGIMEN[slot]! * 60);
      expect({ at: r.occurred_at.toISOString(), local, slot, close: offBy <= 30 }).toMatchObject({ slot, close: true });
    }
    // Hand-checked due instants: 09:00 EST = 14:00Z and 21:00 EST = 02:00Z before the change (08 March
    // 07:00Z), 09:00 EDT = 13:00Z and 21:00 EDT = 01:00Z after it. Each one after `settled` up to the last
    // uploaded reminder has its ReminderDue, and no reminder happened at any other time.
    const due = ['2026-03-06T14:00:00Z', '2026-03-07T02:00:00Z', '2026-03-07T14:00:00Z', '2026-03-08T02:00:00Z', '2026-03-08T13:00:00Z', '2026-03-09T01:00:00Z', '2026-03-09T13:00:00Z', '2026-03-10T01:00:00Z']
      .map((iso) => Date.parse(iso))
      .filter((t) => t > settled && t <= after.at(-1)!.occurred_at.getTime() + 30_000);
    expect(due.length).toBe(after.length);
    due.forEach((t, i) => expect(Math.abs(after[i]!.occurred_at.getTime() - t)).toBeLessThanOrEqual(30_000));
    expect(after.some((r) => r.occurred_at < new Date('2026-03-08T07:00:00Z'))).toBe(true);
    expect(after.some((r) => r.occurred_at > new Date('2026-03-08T07:00:00Z'))).toBe(true);
  }, 240_000);
});
