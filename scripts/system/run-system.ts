/**
 * The whole cloud in one process, as `pillcap start` runs it: an MQTT broker (embedded Aedes unless
 * MQTT_URL is set), the database (PGlite under ./data unless DATABASE_URL is set) with its migrations,
 * one ingestor, the clinical engine (alerts, escalation, work queue), and the API with the dashboard. In production the same parts run from the same code
 * (`pillcap ingest` processes scale out on one shared subscription; see docs/deploy.md).
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../cloud/src/api/app.ts';
import { startClinicalEngine } from '../../cloud/src/clinical/clinical-engine.ts';
import type { ClinicalScheduler } from '../../cloud/src/clinical/clinical-scheduler.ts';
import { migrate } from '../../cloud/src/db/migrate.ts';
import { openDatabase, type OpenedDatabase } from '../../cloud/src/db/open-database.ts';
import { AwsIotDownlink } from '../../cloud/src/downlink/aws-iot-downlink.ts';
import type { Downlink } from '../../cloud/src/downlink/downlink.ts';
import { MqttDownlink } from '../../cloud/src/downlink/mqtt-downlink.ts';
import { Ingestor } from '../../cloud/src/ingest/ingestor.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../simulator/src/broker.ts';
import type { SystemEnv } from './system-config.ts';

/**
 * The system's notion of "now". Normally real time; while the demo fleet replays past days in virtual
 * time, the ingestor follows the simulation's clock so that device times are checked against the moment
 * the (virtual) uplink was sent, not against the wall clock of the machine replaying it.
 */
export class SystemClock {
  private source: (() => number) | undefined;

  now(): Date {
    return new Date(this.source ? this.source() : Date.now());
  }

  follow(source: (() => number) | undefined): void {
    this.source = source;
  }
}

export interface SystemHandle {
  apiUrl: string;
  mqttUrl: string;
  embeddedBroker: boolean;
  databaseDescription: string;
  db: OpenedDatabase;
  app: FastifyInstance;
  ingestor: Ingestor;
  /** Alerts on ingest and on schedule, escalation and the work queue, on the system clock. */
  clinical: ClinicalScheduler;
  clock: SystemClock;
  stop(): Promise<void>;
}

export interface StartSystemOptions {
  env: SystemEnv;
  /** Overrides PORT (0 = ephemeral). */
  port?: number;
  log?: (line: string) => void;
}

async function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const probe = net.createServer();
    probe.once('error', () => resolvePromise(false));
    probe.listen(port, host, () => probe.close(() => resolvePromise(true)));
  });
}

function mqttOptions(env: SystemEnv): Partial<IClientOptions> {
  return {
    ...(env.MQTT_USERNAME ? { username: env.MQTT_USERNAME } : {}),
    ...(env.MQTT_PASSWORD ? { password: env.MQTT_PASSWORD } : {}),
    ...(env.MQTT_CA_FILE ? { ca: readFileSync(env.MQTT_CA_FILE) } : {}),
    ...(env.MQTT_CERT_FILE ? { cert: readFileSync(env.MQTT_CERT_FILE) } : {}),
    ...(env.MQTT_KEY_FILE ? { key: readFileSync(env.MQTT_KEY_FILE) } : {}),
  };
}

export async function startSystem(options: StartSystemOptions): Promise<SystemHandle> {
  const { env } = options;
  const log = options.log ?? (() => {});
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stack.reverse()) {
      try {
        await stop();
      } catch (error) {
        log(`stop: ${(error as Error).message}`);
      }
    }
  };
  try {
    let mqttUrl = env.MQTT_URL;
    let broker: EmbeddedBroker | undefined;
    if (!mqttUrl) {
      const wanted = (await portIsFree(env.EMBEDDED_MQTT_PORT, '127.0.0.1')) ? env.EMBEDDED_MQTT_PORT : 0;
      broker = await startEmbeddedBroker({ port: wanted });
      mqttUrl = broker.url;
      stack.push(() => broker!.close());
    }

    const dataDir = resolve(env.PILLCAP_DATA_DIR);
    let db: OpenedDatabase;
    let databaseDescription: string;
    if (env.DATABASE_URL) {
      db = await openDatabase({ url: env.DATABASE_URL, applicationName: 'pillcap-start' });
      const url = new URL(env.DATABASE_URL);
      databaseDescription = `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
    } else {
      await mkdir(dataDir, { recursive: true });
      db = await openDatabase({ dataDir });
      databaseDescription = `embedded PGlite in ${dataDir}`;
    }
    stack.push(() => db.close());
    await migrate(db, { log });

    const clock = new SystemClock();
    const ingestor = new Ingestor({
      db,
      mqttUrl,
      // Stable across restarts: the ingestor's persistent session (clean: false) is resumed, not leaked.
      clientId: env.INGEST_CLIENT_ID ?? `pillcap-start-${hostname().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 40)}`,
      // Aedes has no shared subscriptions: one in-process ingestor subscribes plainly.
      sharedGroup: broker ? null : env.INGEST_SHARED_GROUP,
      // On a laptop the uplinks come one round trip at a time (the demo fleet waits for each Ack in real time):
      // waiting to fill a group only adds latency. Each stage still groups what arrived during the previous commit.
      ...(broker ? { batchMaxWaitMs: 0 } : {}),
      now: () => clock.now(),
      mqttOptions: mqttOptions(env),
      log: (level, message) => {
        if (level !== 'info') log(`ingest ${level}: ${message}`);
      },
    });
    await ingestor.start();
    stack.push(() => ingestor.stop());

    // On the system clock, so alerts raised while the demo replays past days carry that day's time.
    const clinical = startClinicalEngine({ db, now: () => clock.now(), onError: (error, tick) => log(`clinical ${tick} failed: ${(error as Error).message}`) });
    stack.push(() => clinical.stop());

    let apiDownlink: Downlink;
    if (env.DOWNLINK === 'aws-iot') {
      apiDownlink = new AwsIotDownlink({ endpoint: env.AWS_IOT_ENDPOINT, region: env.AWS_REGION, thingNamePrefix: env.AWS_IOT_THING_PREFIX });
    } else {
      const client: MqttClient = await mqtt.connectAsync(mqttUrl, { clientId: `pillcap-api-${process.pid}`, protocolVersion: 4, ...mqttOptions(env) });
      stack.push(() => client.endAsync());
      apiDownlink = new MqttDownlink(client);
    }

    const app = await buildApp({ db, downlink: apiDownlink, logger: { level: env.LOG_LEVEL, redact: ['req.headers.authorization'] } });
    stack.push(() => app.close());
    const port = options.port ?? env.PORT;
    const address = await app.listen({ port, host: env.HOST });
    const apiUrl = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');

    return {
      apiUrl,
      mqttUrl,
      embeddedBroker: broker !== undefined,
      databaseDescription,
      db,
      app,
      ingestor,
      clinical,
      clock,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
