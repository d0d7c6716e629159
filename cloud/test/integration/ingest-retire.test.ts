/**
 * `pillcap ingest --retire`: the broker forgets the ingestor's persistent session (and stops queueing its share
 * of the shared subscription for it). Runs against the test broker (aedes, or Mosquitto under MQTT_URL).
 */
import mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWith } from '../../src/cli/ingest.ts';
import { createTestBroker, type TestBroker } from '../helpers/test-broker.ts';

let broker: TestBroker;
const clientId = `pillcap-ingest-retire-${randomBytes(3).toString('hex')}`;
const saved = { MQTT_URL: process.env.MQTT_URL, INGEST_CLIENT_ID: process.env.INGEST_CLIENT_ID };

/** Connects with a persistent session and reports whether the broker still held one for this client id. */
async function sessionPresent(): Promise<boolean> {
  const client = mqtt.connect(broker.url, { clientId, clean: false, reconnectPeriod: 0, protocolVersion: 4 });
  const present = await new Promise<boolean>((resolve, reject) => {
    client.once('connect', (connack) => resolve(connack.sessionPresent));
    client.once('error', reject);
  });
  await client.subscribeAsync('pillcap/v1/+/up', { qos: 1 });
  await client.endAsync();
  return present;
}

beforeAll(async () => {
  broker = await createTestBroker();
});

afterAll(async () => {
  process.env.MQTT_URL = saved.MQTT_URL;
  process.env.INGEST_CLIENT_ID = saved.INGEST_CLIENT_ID;
  if (saved.MQTT_URL === undefined) delete process.env.MQTT_URL;
  if (saved.INGEST_CLIENT_ID === undefined) delete process.env.INGEST_CLIENT_ID;
  await broker?.close();
});

describe('pillcap ingest --retire', () => {
  it('removes the persistent session of INGEST_CLIENT_ID from the broker', async () => {
    await sessionPresent(); // creates the session
    expect(await sessionPresent()).toBe(true);
    process.env.MQTT_URL = broker.url;
    process.env.INGEST_CLIENT_ID = clientId;
    const out: string[] = [];
    const err: string[] = [];
    expect(await runWith(['--retire'], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) })).toBe(0);
    expect(out.join('')).toContain(`pillcap ingest ${clientId}: persistent session removed`);
    expect(await sessionPresent()).toBe(false);
    // the last check made a session again: leave none behind on a shared broker
    expect(await runWith(['--retire'], { stdout: () => {}, stderr: () => {} })).toBe(0);
  });

  it('takes no other argument', async () => {
    const err: string[] = [];
    expect(await runWith(['--retire', 'now'], { stdout: () => {}, stderr: (t) => err.push(t) })).toBe(2);
    expect(err.join('')).toContain('unexpected argument: now');
  });
});
