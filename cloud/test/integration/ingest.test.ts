/**
 * Ingest end to end through a real broker (embedded aedes, or Mosquitto under MQTT_URL) into a real database
 * (PGlite, or PostgreSQL under DATABASE_URL): exactly-once storage, acks only after commit, quarantine of
 * every bad-input class with its raw bytes kept, time resolution and corrections, reassigned caps.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../../protocol/src/cbor.ts';
import { encodeUplink } from '../../../protocol/src/device-codec.ts';
import { EventKind, MessageKind, uplinkTopic } from '../../../protocol/src/messages.ts';
import { Ingestor } from '../../src/ingest/ingestor.ts';
import { ensureOrganisation } from '../../src/repositories/organisations.ts';
import { registerDevice } from '../../src/repositories/devices.ts';
import { enrolPatient } from '../../src/repositories/patients.ts';
import { assignDevice, unassignDevice } from '../../src/repositories/assignments.ts';
import { FaultyDatabase } from '../helpers/faulty-database.ts';
import { clearMqttSession } from '../helpers/mqtt-session.ts';
import { createTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { makeBatch, makeEvents, TestCap } from '../helpers/test-cap.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = randomBytes(3).toString('hex').toUpperCase();
const serialOf = (name: string) => `T${run}-${name}`;

let db: TestDatabase;
let faulty: FaultyDatabase;
let broker: TestBroker;
let ingestor: Ingestor;
let orgId: string;
const caps: TestCap[] = [];
const clientId = `pillcap-ingest-test-${run}`;

async function cap(name: string, register = true): Promise<TestCap> {
  const serial = serialOf(name);
  if (register) await registerDevice(db, { serial, orgId });
  const c = await TestCap.connect(broker.url, serial);
  caps.push(c);
  return c;
}

async function patient(ref: string, zone = 'America/Chicago'): Promise<string> {
  const p = await enrolPatient(db, {
    orgId,
    reference: `${run}-${ref}`,
    name: ref,
    timeZone: zone,
    bodySystem: 'respiratory',
    monitoringStart: '2025-01-01',
    billingPractitioner: 'Dr Test',
  });
  return p.id;
}

async function deviceId(serial: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM devices WHERE serial = $1', [serial]);
  return rows[0]!.id;
}

async function uplinksFor(topicSerial: string) {
  const { rows } = await db.query<{ status: string; error_code: string | null; error: string | null; payload: Uint8Array; topic: string }>(
    'SELECT status, error_code, error, payload, topic FROM uplinks WHERE topic_serial = $1 ORDER BY id',
    [topicSerial],
  );
  return rows;
}

async function eventsFor(serial: string) {
  const { rows } = await db.query<{
    id: number;
    seq: number;
    boot: number;
    kind: number;
    source: string;
    occurred_at: Date | null;
    time_quality: string;
    patient_id: string | null;
  }>(
    `SELECT e.id, e.seq, e.boot, e.kind, e.source, e.occurred_at, e.time_quality, e.patient_id
       FROM events e JOIN devices d ON d.id = e.device_id WHERE d.serial = $1 ORDER BY e.seq`,
    [serial],
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase();
  faulty = new FaultyDatabase(db);
  broker = await createTestBroker();
  orgId = (await ensureOrganisation(db, `ingest-${run.toLowerCase()}`)).organisation.id;
  ingestor = new Ingestor({
    db: faulty,
    mqttUrl: broker.url,
    clientId,
    deviceConfig: false, // about ingest only: leave no retained Config on a shared broker
    sharedGroup: broker.sharedSubscriptions ? `pillcap-test-${run}` : null,
    retryInitialMs: 20,
    retryMaxMs: 100,
    log: () => {},
  });
  await ingestor.start();
});

afterAll(async () => {
  await Promise.all(caps.map((c) => c.close()));
  await ingestor?.stop(5000);
  if (broker) await clearMqttSession(broker.url, clientId);
  await broker?.close();
  await db?.close();
});

describe('ingest end to end', () => {
  it('stores a batch once, attributes it, and acks the committed seq', async () => {
    const c = await cap('A1');
    const pid = await patient('A1');
    await assignDevice(db, { deviceId: await deviceId(c.serial), patientId: pid, at: new Date('2024-06-01T00:00:00Z') });
    const nowS = Math.floor(Date.now() / 1000);
    const events = [
      ...makeEvents(1, 3, { uptimeStartS: 1000, stepS: 60 }),
      { seq: 4, boot: 1, uptimeS: 1200, kind: EventKind.Symptom, args: [2] },
      { seq: 5, boot: 1, uptimeS: 1300, kind: EventKind.LowBattery, args: [3300] },
    ];
    await c.send(makeBatch(c.serial, events, { anchors: [{ boot: 1, uptimeS: 2000, unixS: nowS, source: 1 }] }));
    const ack = await c.waitForAck(5);
    expect(ack.ackSeq).toBe(5);
    expect(ack.serverUnixS).toBeGreaterThanOrEqual(nowS - 5);
    expect(ack.configVersion).toBe(0);
    const stored = await eventsFor(c.serial);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(stored.map((e) => e.source)).toEqual(['device', 'device', 'device', 'self_report', 'diagnostic']);
    expect(stored.every((e) => e.time_quality === 'device_clock' && e.patient_id === pid)).toBe(true);
    // unix = anchor.unixS + (uptime - anchor.uptimeS)
    expect(stored[0]!.occurred_at!.getTime()).toBe((nowS + (1000 - 2000)) * 1000);
    expect(stored[3]!.occurred_at!.getTime()).toBe((nowS + (1200 - 2000)) * 1000);
    const { rows } = await db.query<{ ack_seq: number; log_tail_seq: number }>('SELECT ack_seq, log_tail_seq FROM devices WHERE serial = $1', [c.serial]);
    expect(rows[0]).toEqual({ ack_seq: 5, log_tail_seq: 1 });
    expect((await uplinksFor(c.serial)).map((u) => u.status)).toEqual(['processed']);
    // Inside the same transaction the billing engine rebuilt the patient's day (C2's refreshDaysForEvents).
    const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format(stored[0]!.occurred_at!);
    const days = await db.query<{ local_date: string; qualifying: boolean; qualifying_event_ids: number[] }>(
      'SELECT local_date, qualifying, qualifying_event_ids FROM monitored_days WHERE patient_id = $1',
      [pid],
    );
    const day = days.rows.find((d) => d.local_date === localDate);
    expect(day?.qualifying).toBe(true);
    expect(day?.qualifying_event_ids.map(Number)).toEqual(expect.arrayContaining([Number(stored[0]!.id)]));
  });

  it('changes nothing twice for duplicates and out-of-order batches, and acks only contiguous seqs', async () => {
    const c = await cap('B1');
    await c.send(makeBatch(c.serial, makeEvents(1, 5)));
    await c.waitForAck(5);
    // 8..10 arrive before 6..7: the cloud holds 1..5 and 8..10, so the ack stays at 5.
    await c.send(makeBatch(c.serial, makeEvents(8, 10, { uptimeStartS: 5000 }), { logTailSeq: 6 }));
    await waitFor(async () => (await eventsFor(c.serial)).length === 8, { what: 'events 8..10' });
    await waitFor(() => c.acks.length >= 2, { what: 'second ack' });
    expect(c.acks[1]!.ackSeq).toBe(5);
    await c.send(makeBatch(c.serial, makeEvents(6, 7, { uptimeStartS: 4000 }), { logTailSeq: 6 }));
    await c.waitForAck(10);
    // The same batches again, in another order: no new rows, the ack does not go back.
    await c.send(makeBatch(c.serial, makeEvents(6, 10, { uptimeStartS: 4000 }), { logTailSeq: 6 }));
    await c.send(makeBatch(c.serial, makeEvents(1, 5)));
    await waitFor(async () => {
      const rows = await uplinksFor(c.serial);
      return rows.length === 5 && rows.every((u) => u.status !== 'received') && c.acks.length >= 4;
    }, { what: 'duplicates processed and acked' });
    const stored = await eventsFor(c.serial);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // One ack per device per committed group: the two re-sends may share a group.
    expect(c.acks.slice(0, 3).map((a) => a.ackSeq)).toEqual([5, 5, 10]);
    expect(c.acks.slice(3).every((a) => a.ackSeq === 10)).toBe(true);
    expect((await uplinksFor(c.serial)).map((u) => u.status)).toEqual(['processed', 'processed', 'processed', 'duplicate', 'duplicate']);
  });

  it('acks past seqs the cap reported lost inside a batch, but not past a gap before the batch', async () => {
    const c = await cap('G1');
    const dev = await deviceId(c.serial);
    // The cap's full log dropped 3..4: its batch goes 1, 2, 5, 6.
    await c.send(makeBatch(c.serial, [...makeEvents(1, 2), ...makeEvents(5, 6, { uptimeStartS: 2000 })]));
    const ack = await c.waitForAck(6);
    expect(ack.ackSeq).toBe(6);
    const lost = await db.query<{ from_seq: number; to_seq: number }>('SELECT from_seq, to_seq FROM lost_seq_ranges WHERE device_id = $1', [dev]);
    expect(lost.rows).toEqual([{ from_seq: 3, to_seq: 4 }]);
    // 9..10 while 7..8 may still be in flight: not lost, so the ack waits at 6.
    await c.send(makeBatch(c.serial, makeEvents(9, 10, { uptimeStartS: 3000 }), { logTailSeq: 7 }));
    await waitFor(() => c.acks.length >= 2, { what: 'second ack' });
    expect(c.acks[1]!.ackSeq).toBe(6);
    await c.send(makeBatch(c.serial, makeEvents(7, 8, { uptimeStartS: 2500 }), { logTailSeq: 7 }));
    await c.waitForAck(10);
  });

  it('never acks what is not committed: a database outage delays the ack, loses nothing', async () => {
    const c = await cap('C1');
    const retriesBefore = ingestor.stats.retries;
    faulty.failing = true;
    try {
      await c.send(makeBatch(c.serial, makeEvents(1, 4)));
      await waitFor(() => ingestor.stats.retries >= retriesBefore + 3, { what: 'the ingestor retrying against the failed database' });
      expect(c.acks).toEqual([]);
    } finally {
      faulty.failing = false;
    }
    await c.waitForAck(4);
    expect((await eventsFor(c.serial)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(c.acks.every((a) => a.ackSeq === 4)).toBe(true);
  });

  it('quarantines every class of bad input with its reason and keeps the raw bytes', async () => {
    const good = await cap('Q1');
    const unknown = await cap('Q2', false);
    const version = encodeCbor(new Map<number, unknown>([[0, 9], [1, 1], [2, good.serial]]));
    const kind = encodeCbor(new Map<number, unknown>([[0, 1], [1, 99], [2, good.serial]]));
    const missingField = encodeCbor(new Map<number, unknown>([[0, 1], [1, 1], [2, good.serial], [4, 0]]));
    const malformed = new Uint8Array([0xbf, 0x01, 0xff, 0xff, 0x00]);
    const otherSerial = encodeUplink(makeBatch(serialOf('Q9'), makeEvents(1, 1)));
    const cases: [string, Uint8Array][] = [
      ['malformed_cbor', malformed],
      ['unknown_version', version],
      ['unknown_kind', kind],
      ['invalid_field', missingField],
      ['serial_mismatch', otherSerial],
    ];
    for (const [, bytes] of cases) await good.sendRaw(bytes);
    const fromUnknown = await unknown.send(makeBatch(unknown.serial, makeEvents(1, 2)));
    const badTopic = `pillcap/v1/bad_serial-${run}/up`;
    await good.sendRaw(new Uint8Array([1, 2, 3]), badTopic);

    await waitFor(async () => (await uplinksFor(good.serial)).filter((u) => u.status === 'quarantined').length === cases.length, {
      what: 'quarantined uplinks',
    });
    const rows = await uplinksFor(good.serial);
    expect(rows.map((r) => r.error_code)).toEqual(cases.map(([code]) => code));
    rows.forEach((row, i) => {
      expect(Array.from(row.payload)).toEqual(Array.from(cases[i]![1]));
      expect(row.error).toBeTruthy();
    });
    expect(rows[4]!.error).toContain(serialOf('Q9'));

    await waitFor(async () => (await uplinksFor(unknown.serial))[0]?.status === 'quarantined', { what: 'unknown device quarantined' });
    const [unknownRow] = await uplinksFor(unknown.serial);
    expect(unknownRow).toMatchObject({ error_code: 'unknown_device' });
    expect(Array.from(unknownRow!.payload)).toEqual(Array.from(fromUnknown));

    await waitFor(async () => {
      const { rows: r } = await db.query<{ status: string }>('SELECT status FROM uplinks WHERE topic = $1', [badTopic]);
      return r[0]?.status === 'quarantined';
    }, { what: 'wrong topic quarantined' });
    const { rows: topicRows } = await db.query<{ error_code: string; payload: Uint8Array }>('SELECT error_code, payload FROM uplinks WHERE topic = $1', [badTopic]);
    expect(topicRows[0]!.error_code).toBe('wrong_topic');
    expect(Array.from(topicRows[0]!.payload)).toEqual([1, 2, 3]);

    // Nothing was acked or stored for any of them, and the ingestor is still serving.
    expect(good.acks).toEqual([]);
    expect(unknown.acks).toEqual([]);
    expect(await eventsFor(good.serial)).toEqual([]);
    await good.send(makeBatch(good.serial, makeEvents(1, 1)));
    await good.waitForAck(1);
  });

  it('resolves times from anchors and records every correction', async () => {
    const c = await cap('T1');
    const dev = await deviceId(c.serial);
    const before = Date.now();
    // Current boot 3 without wall time => receive anchored; boot 2 with an anchor => device clock;
    // boot 1 without an anchor and nothing known => unresolved.
    await c.send(
      makeBatch(c.serial, [...makeEvents(1, 1, { boot: 1, uptimeStartS: 50 }), ...makeEvents(2, 2, { boot: 2, uptimeStartS: 100 }), ...makeEvents(3, 3, { boot: 3, uptimeStartS: 400 })], {
        anchors: [
          { boot: 3, uptimeS: 500, unixS: null, source: 0 },
          { boot: 2, uptimeS: 200, unixS: 1_735_689_600, source: 1 }, // 2025-01-01T00:00:00Z
        ],
      }),
    );
    await c.waitForAck(3);
    const after = Date.now();
    const [e1, e2, e3] = await eventsFor(c.serial);
    expect(e1).toMatchObject({ time_quality: 'unresolved', occurred_at: null });
    expect(e2).toMatchObject({ time_quality: 'device_clock' });
    expect(e2!.occurred_at!.toISOString()).toBe(new Date((1_735_689_600 - 100) * 1000).toISOString());
    expect(e3!.time_quality).toBe('receive_anchored');
    // receive time - (500 - 400) s
    expect(e3!.occurred_at!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 100_000);
    expect(e3!.occurred_at!.getTime()).toBeLessThanOrEqual(after - 100_000 + 1000);

    // Device clock in the future, then before the floor: both corrected onto the receive time.
    const nowS = Math.floor(Date.now() / 1000);
    await c.send(makeBatch(c.serial, makeEvents(4, 4, { boot: 3, uptimeStartS: 600 }), { logTailSeq: 4, anchors: [{ boot: 3, uptimeS: 700, unixS: nowS + 86400, source: 1 }] }));
    await c.waitForAck(4);
    await c.send(makeBatch(c.serial, makeEvents(5, 5, { boot: 3, uptimeStartS: 800 }), { logTailSeq: 5, anchors: [{ boot: 3, uptimeS: 900, unixS: 1000, source: 1 }] }));
    await c.waitForAck(5);
    const [, , , e4, e5] = await eventsFor(c.serial);
    expect(e4!.time_quality).toBe('receive_anchored');
    expect(Math.abs(e4!.occurred_at!.getTime() / 1000 - (nowS - 100))).toBeLessThan(60);
    expect(e5!.time_quality).toBe('receive_anchored');
    expect(e5!.occurred_at!.getTime()).toBeGreaterThan(Date.UTC(2024, 0, 1));

    // Boot 1 is now known from... nothing; but boot 3 is known from stored events, so a later batch that
    // carries boot-3 events without a boot-3 anchor (the cap rebooted into boot 4) is estimated.
    await c.send(
      makeBatch(c.serial, [...makeEvents(6, 6, { boot: 3, uptimeStartS: 1000 }), ...makeEvents(7, 7, { boot: 4, uptimeStartS: 10 })], {
        logTailSeq: 6,
        anchors: [{ boot: 4, uptimeS: 20, unixS: nowS, source: 1 }],
      }),
    );
    await c.waitForAck(7);
    const [, , , , , e6, e7] = await eventsFor(c.serial);
    expect(e6!.time_quality).toBe('estimated');
    expect(e7!.time_quality).toBe('device_clock');

    const { rows } = await db.query<{ action: string; boot: number; correction_s: number | null }>(
      'SELECT action, boot, correction_s FROM time_corrections WHERE device_id = $1 ORDER BY id',
      [dev],
    );
    expect(rows.map((r) => [r.action, r.boot])).toEqual([
      ['receive_anchored', 3],
      ['unresolved', 1],
      ['corrected_future', 3],
      ['corrected_before_floor', 3],
      ['estimated', 3],
    ]);
    expect(rows[2]!.correction_s).toBeLessThan(-86000);
    expect(rows[3]!.correction_s).toBeGreaterThan(1_700_000_000);
    // Each correction is dated by its uplink's receive time (the ingestor's clock), not the commit's wall time.
    const dated = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM time_corrections t JOIN uplinks u ON u.id = t.uplink_id
        WHERE t.device_id = $1 AND t.created_at = u.received_at`,
      [dev],
    );
    expect(dated.rows[0]!.n).toBe(rows.length);
  });

  it('gives each event to the patient who had the cap at that moment', async () => {
    const c = await cap('R1');
    const dev = await deviceId(c.serial);
    const alice = await patient('R1-alice');
    const bob = await patient('R1-bob', 'Europe/London');
    const nowS = Math.floor(Date.now() / 1000);
    const handoverS = Math.floor(nowS / 3600) * 3600 - 2 * 3600;
    await assignDevice(db, { deviceId: dev, patientId: alice, at: new Date((handoverS - 86400) * 1000) });
    await unassignDevice(db, { deviceId: dev, at: new Date(handoverS * 1000) });
    await assignDevice(db, { deviceId: dev, patientId: bob, at: new Date(handoverS * 1000) });
    // Events one hour before the handover, at it, and one hour after; anchor = now at uptime 20000.
    const at = [handoverS - 3600, handoverS - 1, handoverS, handoverS + 3600];
    const events = at.map((t, i) => ({ seq: i + 1, boot: 1, uptimeS: 20000 - (nowS - t), kind: EventKind.LidOpened, args: [20] }));
    await c.send(makeBatch(c.serial, events, { anchors: [{ boot: 1, uptimeS: 20000, unixS: nowS, source: 1 }] }));
    await c.waitForAck(4);
    const stored = await eventsFor(c.serial);
    expect(stored.map((e) => e.occurred_at!.getTime() / 1000)).toEqual(at);
    expect(stored.map((e) => e.patient_id)).toEqual([alice, alice, bob, bob]);
  });

  it('stores heartbeats once, Hello info, command results and factory reports', async () => {
    const c = await cap('H1');
    const dev = await deviceId(c.serial);
    const nowS = Math.floor(Date.now() / 1000);
    const heartbeat = {
      kind: MessageKind.Heartbeat,
      serial: c.serial,
      anchor: { boot: 2, uptimeS: 3600, unixS: nowS, source: 1 },
      metrics: { batteryMv: 3950, rsrpDbm: -101, operator: '310410', appFirmware: '1.4.0' },
    } as const;
    await c.send(heartbeat);
    await c.send(heartbeat);
    await c.send({ ...heartbeat, anchor: { boot: 2, uptimeS: 7200, unixS: null, source: 0 }, metrics: { batteryMv: 3940 } });
    await c.send({
      kind: MessageKind.Hello,
      serial: c.serial,
      anchor: { boot: 2, uptimeS: 10, unixS: nowS, source: 1 },
      appFirmware: '1.4.0+77',
      imageHash: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
      imei: '490154203237518',
      bootCount: 2,
      resetReason: 3,
      configVersion: 4,
    });
    await c.send({ kind: MessageKind.CommandResult, serial: c.serial, commandId: 7, status: 0, anchor: { boot: 2, uptimeS: 20, unixS: null, source: 0 }, detail: 'pong' });
    await c.send({
      kind: MessageKind.FactoryReport,
      serial: c.serial,
      passed: true,
      steps: [{ name: 'lid', ok: true, value: null, message: 'ok' }],
      anchor: { boot: 2, uptimeS: 30, unixS: nowS, source: 5 },
      appFirmware: '1.4.0+77',
      imageHash: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
      stationId: 'EOL-1',
    });
    await waitFor(async () => (await uplinksFor(c.serial)).length === 6 && (await uplinksFor(c.serial)).every((u) => u.status !== 'received'), {
      what: 'diagnostic uplinks processed',
    });
    expect((await uplinksFor(c.serial)).map((u) => u.status)).toEqual(['processed', 'duplicate', 'processed', 'processed', 'processed', 'processed']);
    const hb = await db.query<{ metrics: Record<string, unknown>; sampled_at: Date | null }>(
      'SELECT metrics, sampled_at FROM heartbeats WHERE device_id = $1 ORDER BY uptime_s',
      [dev],
    );
    expect(hb.rows).toHaveLength(2);
    expect(hb.rows[0]!.metrics).toMatchObject({ batteryMv: 3950, rsrpDbm: -101, operator: '310410' });
    expect(hb.rows[0]!.sampled_at!.getTime()).toBe(nowS * 1000);
    // The cap did not know the time: no guessed sampling time.
    expect(hb.rows[1]!.sampled_at).toBeNull();
    const d = await db.query<Record<string, unknown>>(
      'SELECT app_firmware, image_hash, imei, boot_count, last_reset_reason, device_config_version, factory_passed, factory_report FROM devices WHERE id = $1',
      [dev],
    );
    expect(d.rows[0]).toMatchObject({
      app_firmware: '1.4.0+77',
      image_hash: '0102030405060708',
      imei: '490154203237518',
      boot_count: 2,
      last_reset_reason: 3,
      device_config_version: 4,
      factory_passed: true,
      factory_report: { stationId: 'EOL-1', passed: true },
    });
    const cmd = await db.query<{ status: string; detail: string }>('SELECT status, detail FROM device_commands WHERE device_id = $1 AND command_id = 7', [dev]);
    expect(cmd.rows[0]).toEqual({ status: 'ok', detail: 'pong' });
    // No event batch, no ack.
    expect(c.acks).toEqual([]);
  });
});
