/**
 * The ingestor survives a broker restart: it reconnects, renews its subscription and keeps acking. Uses its
 * own embedded aedes (even when MQTT_URL is set) because the shared Mosquitto cannot be restarted by a test.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ingestor } from '../../src/ingest/ingestor.ts';
import { registerDevice } from '../../src/repositories/devices.ts';
import { makeBatch, makeEvents, TestCap } from '../helpers/test-cap.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

async function startBroker(port = 0): Promise<{ port: number; stop: () => Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe('broker restart', () => {
  it('reconnects, resubscribes and acks uplinks sent after the restart', async () => {
    let broker = await startBroker();
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const serial = `M${randomBytes(3).toString('hex').toUpperCase()}-1`;
    await registerDevice(db, { serial });
    const ingestor = new Ingestor({ db, mqttUrl: url, clientId: `restart-${serial}`, sharedGroup: null, deviceConfig: false, log: () => {}, mqttOptions: { reconnectPeriod: 100 } });
    await ingestor.start();
    const cap = await TestCap.connect(url, serial);
    try {
      await cap.send(makeBatch(serial, makeEvents(1, 2)));
      await cap.waitForAck(2);

      await broker.stop();
      await waitFor(() => !cap.client.connected, { what: 'the cap noticing the broker is gone' });
      broker = await startBroker(broker.port);
      await waitFor(() => cap.client.connected, { what: 'the cap reconnecting' });
      // The ingestor's subscription must be renewed on the new broker: keep sending until it is acked.
      await waitFor(
        async () => {
          if (cap.maxAck >= 4) return true;
          await cap.send(makeBatch(serial, makeEvents(3, 4, { uptimeStartS: 5000 }), { logTailSeq: 3 }));
          await new Promise((resolve) => setTimeout(resolve, 200));
          return cap.maxAck >= 4;
        },
        { what: 'an ack after the restart' },
      );
      const { rows } = await db.query<{ seq: number }>(
        'SELECT e.seq FROM events e JOIN devices d ON d.id = e.device_id WHERE d.serial = $1 ORDER BY e.seq',
        [serial],
      );
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    } finally {
      await cap.close();
      await ingestor.kill();
      await broker.stop();
    }
  });
});
