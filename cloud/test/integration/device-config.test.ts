/**
 * Config reaches caps: a Hello with configVersion 0 leads to a retained Config on the cap's down topic with
 * its patient's reminder minutes and zone offset; Acks then carry that version; a passed DST change sends the
 * next offset; a cap in stock gets no reminders; a config error never holds up an Ack.
 * Real broker (aedes, or Mosquitto under MQTT_URL) and database (PGlite, or PostgreSQL under DATABASE_URL).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDownlink } from '../../../protocol/src/device-codec.ts';
import { downlinkTopic, MessageKind, type Config, type DeviceConfig, type DownlinkMessage, type Hello } from '../../../protocol/src/messages.ts';
import { pushConfigsForOrganisation, pushConfigsForPatient, pushDeviceConfig, latestDeviceConfig } from '../../src/device-config/config-service.ts';
import { DEVICE_CONFIG_DEFAULTS } from '../../src/device-config/device-config-for.ts';
import { devicesNeedingConfig } from '../../src/device-config/config-sync.ts';
import type { Downlink } from '../../src/downlink/downlink.ts';
import { MqttDownlink } from '../../src/downlink/mqtt-downlink.ts';
import { Ingestor } from '../../src/ingest/ingestor.ts';
import { assignDevice } from '../../src/repositories/assignments.ts';
import { listAudit } from '../../src/repositories/audit.ts';
import { registerDevice } from '../../src/repositories/devices.ts';
import { createOrganisation, ensureOrganisation, updateOrganisationSettings } from '../../src/repositories/organisations.ts';
import { enrolPatient, updatePatient } from '../../src/repositories/patients.ts';
import { clearMqttSession } from '../helpers/mqtt-session.ts';
import { createTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { makeBatch, makeEvents, TestCap } from '../helpers/test-cap.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = randomBytes(3).toString('hex').toUpperCase();
const serialOf = (name: string) => `K${run}-${name}`;
const unix = (iso: string) => Date.parse(iso) / 1000;

let db: TestDatabase;
let broker: TestBroker;
let ingestor: Ingestor;
/** The API's own broker connection (as the HTTP API would have). */
let apiClient: MqttClient;
let apiDownlink: MqttDownlink;
let orgId: string;
/** The ingestor's clock (winter in New York); tests move it past the DST change. */
let now = new Date('2026-02-01T12:00:00Z');
const caps: TestCap[] = [];
const serials: string[] = [];
const clientId = `pillcap-config-test-${run}`;

function hello(serial: string, configVersion: number): Hello {
  return {
    kind: MessageKind.Hello,
    serial,
    anchor: { boot: 1, uptimeS: 30, unixS: Math.floor(now.getTime() / 1000), source: 1 },
    appFirmware: '1.0.0+test',
    imageHash: new Uint8Array(8).fill(7),
    bootCount: 1,
    resetReason: 1,
    configVersion,
  };
}

const batch = (serial: string, from: number, to: number) =>
  makeBatch(serial, makeEvents(from, to, { uptimeStartS: 100, stepS: 10 }), {
    anchors: [{ boot: 1, uptimeS: 100 + (to - from) * 10 + 5, unixS: Math.floor(now.getTime() / 1000), source: 1 }],
  });

async function setUpCap(name: string, patient?: { zone: string; reminderMinutes: number[]; org?: string }): Promise<{ cap: TestCap; deviceId: string; patientId?: string }> {
  const serial = serialOf(name);
  serials.push(serial);
  const org = patient?.org ?? orgId;
  const { device } = await registerDevice(db, { serial, orgId: patient ? org : null });
  let patientId: string | undefined;
  if (patient) {
    const p = await enrolPatient(db, {
      orgId: org,
      reference: `${run}-${name}`,
      name,
      timeZone: patient.zone,
      bodySystem: 'respiratory',
      monitoringStart: '2026-01-01',
      billingPractitioner: 'Dr Test',
      regimen: { dosesPerDay: patient.reminderMinutes.length, reminderMinutes: patient.reminderMinutes },
    });
    patientId = p.id;
    await assignDevice(db, { deviceId: device.id, patientId, at: new Date('2026-01-01T00:00:00Z') });
  }
  const cap = await TestCap.connect(broker.url, serial);
  caps.push(cap);
  return { cap, deviceId: device.id, patientId };
}

const configs = (cap: TestCap): Config[] => cap.downlinks.filter((d): d is Config => d.kind === MessageKind.Config);

/** What a cap subscribing now would get first: the retained message on its down topic. */
async function retainedConfig(serial: string): Promise<{ retain: boolean; message: DownlinkMessage }> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `late-${serial}-${randomBytes(2).toString('hex')}` });
  try {
    const got = new Promise<{ retain: boolean; message: DownlinkMessage }>((resolve) => {
      client.on('message', (_t, payload, packet) => {
        if (payload.length > 0) resolve({ retain: packet.retain, message: decodeDownlink(new Uint8Array(payload)) });
      });
    });
    await client.subscribeAsync(downlinkTopic(serial), { qos: 1 });
    return await Promise.race([got, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no retained config for ${serial}`)), 10_000))]);
  } finally {
    await client.endAsync(true);
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  broker = await createTestBroker();
  orgId = (await ensureOrganisation(db, `config-${run.toLowerCase()}`)).organisation.id;
  ingestor = new Ingestor({
    db,
    mqttUrl: broker.url,
    clientId,
    sharedGroup: broker.sharedSubscriptions ? `pillcap-config-${run}` : null,
    now: () => now,
    log: () => {},
  });
  await ingestor.start();
  apiClient = await mqtt.connectAsync(broker.url, { clientId: `api-${run}` });
  apiDownlink = new MqttDownlink(apiClient);
});

afterAll(async () => {
  // Clear the retained configs so a real broker does not keep them.
  for (const serial of serials) await apiClient?.publishAsync(downlinkTopic(serial), Buffer.alloc(0), { qos: 1, retain: true });
  await apiClient?.endAsync();
  await Promise.all(caps.map((c) => c.close()));
  await ingestor?.stop(5000);
  if (broker) await clearMqttSession(broker.url, clientId);
  await broker?.close();
  await db?.close();
});

describe('device config through the ingestor', () => {
  it('answers a factory-default Hello with a retained Config carrying the regimen and the New York offset', async () => {
    now = new Date('2026-02-01T12:00:00Z');
    const { cap } = await setUpCap('NY', { zone: 'America/New_York', reminderMinutes: [1260, 480] });
    await cap.send(hello(cap.serial, 0));
    await waitFor(() => configs(cap).length > 0, { what: 'a Config on the down topic' });
    const expected: DeviceConfig = {
      configVersion: 1,
      reminderMinutes: [480, 1260],
      utcOffsetMin: -300,
      nextOffsetChangeUnixS: unix('2026-03-08T07:00:00Z'),
      nextOffsetMin: -240,
      ...DEVICE_CONFIG_DEFAULTS,
    };
    expect(configs(cap)[0]).toEqual({ kind: MessageKind.Config, serial: cap.serial, ...expected });
    const retained = await retainedConfig(cap.serial);
    expect(retained.retain).toBe(true);
    expect(retained.message).toEqual({ kind: MessageKind.Config, serial: cap.serial, ...expected });

    // Every Ack now carries the version the cloud wants.
    await cap.send(batch(cap.serial, 1, 3));
    expect((await cap.waitForAck(3)).configVersion).toBe(1);

    // The cap reboots running version 1: nothing new is stored or sent.
    const before = configs(cap).length;
    await cap.send(hello(cap.serial, 1));
    await cap.send(batch(cap.serial, 4, 4));
    await cap.waitForAck(4);
    expect(await ingestor.drain()).toBe(true);
    expect(configs(cap).length).toBe(before);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM device_configs d JOIN devices v ON v.id = d.device_id WHERE v.serial = $1', [cap.serial]);
    expect(rows[0]!.n).toBe(1);
    const audit = await listAudit(db, { target: cap.serial });
    expect(audit.map((a) => [a.action, a.actor, a.detail.version, a.detail.reason])).toEqual([['device.config', 'ingestor', 1, 'first']]);
  });

  it('sends the next offset once the DST change has passed, and the regimen when the clinic changes it', async () => {
    now = new Date('2026-03-01T12:00:00Z');
    const { cap, deviceId, patientId } = await setUpCap('DST', { zone: 'America/New_York', reminderMinutes: [480] });
    await cap.send(hello(cap.serial, 0));
    await waitFor(() => configs(cap).length === 1, { what: 'the first Config' });
    expect(configs(cap)[0]).toMatchObject({ configVersion: 1, utcOffsetMin: -300, nextOffsetChangeUnixS: unix('2026-03-08T07:00:00Z') });

    now = new Date('2026-03-09T12:00:00Z');
    await cap.send(batch(cap.serial, 1, 1));
    await waitFor(() => configs(cap).length === 2, { what: 'the post-DST Config' });
    expect(configs(cap)[1]).toMatchObject({ configVersion: 2, utcOffsetMin: -240, nextOffsetChangeUnixS: unix('2026-11-01T06:00:00Z'), nextOffsetMin: -300 });
    expect((await latestDeviceConfig(db, deviceId))?.reason).toBe('dst');

    // What the API does after a regimen change (cloud/src/api is wired by the lead).
    await updatePatient(db, patientId!, { regimen: { dosesPerDay: 2, reminderMinutes: [540, 1320] } });
    const pushed = await pushConfigsForPatient(db, apiDownlink, patientId!, now, { actor: 'test', reason: 'regimen' });
    expect(pushed).toMatchObject([{ deviceId, version: 3, created: true, published: true }]);
    await waitFor(() => configs(cap).length === 3, { what: 'the regimen Config' });
    expect(configs(cap)[2]).toMatchObject({ configVersion: 3, reminderMinutes: [540, 1320], utcOffsetMin: -240 });
    // Pushing again without a change publishes the same version (a re-sync), storing nothing new.
    expect(await pushDeviceConfig(db, apiDownlink, deviceId, now, { reason: 'regimen' })).toMatchObject({ version: 3, created: false, published: true });
  });

  it('gives a cap in stock the defaults with no reminders, in UTC, and notices an assignment made without a push', async () => {
    now = new Date('2026-07-01T12:00:00Z');
    const { cap, deviceId } = await setUpCap('STOCK');
    await cap.send(hello(cap.serial, 0));
    await waitFor(() => configs(cap).length > 0, { what: 'a stock Config' });
    expect(configs(cap)[0]).toEqual({ kind: MessageKind.Config, serial: cap.serial, configVersion: 1, reminderMinutes: [], utcOffsetMin: 0, ...DEVICE_CONFIG_DEFAULTS });
    expect(await devicesNeedingConfig(db, [deviceId], new Set(), now)).toMatchObject({ needing: [], settled: new Map([[deviceId, null]]) });

    // As `pillcap patients enrol --serial` does: an assignment in the database, no push.
    const p = await enrolPatient(db, {
      orgId,
      reference: `${run}-STOCK`,
      name: 'STOCK',
      timeZone: 'Europe/London',
      bodySystem: 'cbt',
      monitoringStart: '2026-06-01',
      billingPractitioner: 'Dr Test',
      regimen: { dosesPerDay: 1, reminderMinutes: [450] },
    });
    await assignDevice(db, { deviceId, patientId: p.id, at: new Date('2026-07-01T10:00:00Z') });
    const found = await devicesNeedingConfig(db, [deviceId], new Set(), now);
    expect(found.needing).toEqual([{ deviceId, reason: 'assignment', deviceVersion: 0 }]);
    const pushed = await pushDeviceConfig(db, apiDownlink, deviceId, now, { reason: 'assignment' });
    expect(pushed.config).toMatchObject({ configVersion: 2, reminderMinutes: [450], utcOffsetMin: 60, nextOffsetChangeUnixS: unix('2026-10-25T01:00:00Z'), nextOffsetMin: 0 });
    expect((await devicesNeedingConfig(db, [deviceId], new Set(), now)).needing).toEqual([]);
  });

  it('never holds up an Ack when the config cannot be built', async () => {
    now = new Date('2026-07-01T12:00:00Z');
    const bad = await createOrganisation(db, { slug: `bad-${run.toLowerCase()}`, name: 'Bad', settings: { device: { heartbeatIntervalS: 5 } } });
    const { cap, deviceId } = await setUpCap('BAD', { zone: 'Europe/London', reminderMinutes: [480], org: bad.id });
    const failuresBefore = ingestor.stats.configFailures;
    await cap.send(hello(cap.serial, 0));
    await cap.send(batch(cap.serial, 1, 2));
    const ack = await cap.waitForAck(2);
    expect(ack.configVersion).toBe(0);
    expect(await ingestor.drain()).toBe(true);
    expect(ingestor.stats.configFailures).toBeGreaterThan(failuresBefore);
    expect(configs(cap)).toEqual([]);
    expect(await latestDeviceConfig(db, deviceId)).toBeUndefined();

    // The clinic fixes its settings; the API then pushes every cap the organisation holds.
    await updateOrganisationSettings(db, bad.id, { device: { heartbeatIntervalS: 43_200 } });
    const pushed = await pushConfigsForOrganisation(db, apiDownlink, bad.id, now, { actor: 'test' });
    expect(pushed).toMatchObject([{ deviceId, version: 1, created: true, published: true }]);
    await waitFor(() => configs(cap).length === 1, { what: 'the Config after the settings fix' });
    expect(configs(cap)[0]).toMatchObject({ configVersion: 1, heartbeatIntervalS: 43_200, reminderMinutes: [480], utcOffsetMin: 60 });
  });

  it('publishes a plain Config when the downlink has no desired-config store, and survives a failing one', async () => {
    now = new Date('2026-07-01T12:00:00Z');
    const { deviceId } = await setUpCap('PLAIN', { zone: 'Australia/Lord_Howe', reminderMinutes: [600] });
    const sent: DownlinkMessage[] = [];
    const plain: Downlink = { publish: async (_serial, message) => void sent.push(message) };
    const result = await pushDeviceConfig(db, plain, deviceId, now, { reason: 'assign' });
    expect(result).toMatchObject({ created: true, published: true });
    expect(sent).toEqual([{ kind: MessageKind.Config, serial: serialOf('PLAIN'), ...result.config }]);
    expect(result.config).toMatchObject({ reminderMinutes: [600], utcOffsetMin: 630, nextOffsetChangeUnixS: unix('2026-10-03T15:30:00Z'), nextOffsetMin: 660 });
    const failing: Downlink = {
      publish: async () => {
        throw new Error('broker down');
      },
    };
    expect(await pushDeviceConfig(db, failing, deviceId, now)).toMatchObject({ version: result.version, created: false, published: false, publishError: 'broker down' });
  });
});
