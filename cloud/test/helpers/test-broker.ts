/**
 * An MQTT broker for integration tests: the one at MQTT_URL when set (Mosquitto in CI), else an embedded
 * aedes on an ephemeral port. `sharedSubscriptions` says whether `$share/<group>/...` works (aedes 1.x has no
 * shared subscriptions; Mosquitto 2 has them for MQTT 3.1.1 and 5 clients).
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

export interface TestBroker {
  readonly url: string;
  readonly embedded: boolean;
  readonly sharedSubscriptions: boolean;
  close(): Promise<void>;
}

export async function createTestBroker(): Promise<TestBroker> {
  const external = process.env.MQTT_URL;
  if (external) {
    return { url: external, embedded: false, sharedSubscriptions: true, close: async () => {} };
  }
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    embedded: true,
    sharedSubscriptions: false,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
