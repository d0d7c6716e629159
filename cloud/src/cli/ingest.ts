/**
 * pillcap ingest: runs one ingestor process (the unit that scales out) from the environment:
 *   MQTT_URL (required; MQTT_USERNAME/MQTT_PASSWORD, TLS PEM files MQTT_CA_FILE, MQTT_CERT_FILE + MQTT_KEY_FILE), DATABASE_URL (else embedded PGlite in PILLCAP_DATA_DIR; one process only),
 *   INGEST_CLIENT_ID (stable per process; default pillcap-ingest-<hostname>), INGEST_SHARED (default true:
 *   subscribe through $share/INGEST_SHARED_GROUP/...; set false for brokers without shared subscriptions,
 *   e.g. aedes), INGEST_PUBACK (stored|queued), INGEST_BATCH_MAX, INGEST_BATCH_WAIT_MS, INGEST_MAX_IN_FLIGHT, INGEST_CONCURRENCY,
 *   DOWNLINK (mqtt|aws-iot; aws-iot needs AWS_REGION and usually AWS_IOT_ENDPOINT).
 * Applies migrations at start. Stops gracefully on SIGINT/SIGTERM.
 *
 * `pillcap ingest --retire` removes this ingestor's persistent session (INGEST_CLIENT_ID) from the broker, for
 * an ingestor taken out of service for good: while the session exists, Mosquitto keeps queueing its share of
 * the shared subscription for it. What was queued there is dropped with it; the caps re-send those uplinks,
 * which were never acked.
 */
import mqtt from 'mqtt';
import { ConfigError, ingestMqttOptions, loadIngestEnv } from '../config/env.ts';
import { migrate } from '../db/migrate.ts';
import { describeDatabase, openDatabaseFromEnv } from '../db/open-from-env.ts';
import { AwsIotDownlink } from '../downlink/aws-iot-downlink.ts';
import { Ingestor } from '../ingest/ingestor.ts';
import { processIo, runCommand, UsageError, type CliIo } from './cli-io.ts';

const USAGE = `usage: pillcap ingest [--retire]
  --retire     remove this ingestor's persistent broker session (an ingestor taken out of service for good)
  environment: MQTT_URL (required), MQTT_USERNAME, MQTT_PASSWORD, MQTT_CA_FILE, MQTT_CERT_FILE, MQTT_KEY_FILE,
               DATABASE_URL, INGEST_CLIENT_ID, INGEST_SHARED, INGEST_SHARED_GROUP, INGEST_PUBACK,
               INGEST_BATCH_MAX, INGEST_BATCH_WAIT_MS, INGEST_MAX_IN_FLIGHT, INGEST_CONCURRENCY, DOWNLINK, AWS_REGION, AWS_IOT_ENDPOINT
`;

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export async function runWith(args: string[], io: CliIo, stopSignal?: Promise<void>): Promise<number> {
  return runCommand(io, USAGE, async () => {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout(USAGE);
      return 0;
    }
    const retire = args[0] === '--retire';
    const extra = args.slice(retire ? 1 : 0);
    if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
    let env;
    let mqttOptions;
    try {
      env = loadIngestEnv();
      mqttOptions = ingestMqttOptions(env);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    if (retire) {
      // clean: true discards the stored session, its subscriptions and its queue
      const client = await mqtt.connectAsync(env.MQTT_URL, { ...mqttOptions, clientId: env.INGEST_CLIENT_ID, clean: true, reconnectPeriod: 0, connectTimeout: 10_000 });
      await client.endAsync();
      io.stdout(`pillcap ingest ${env.INGEST_CLIENT_ID}: persistent session removed from ${new URL(env.MQTT_URL).host}\n`);
      return 0;
    }
    const db = await openDatabaseFromEnv(process.env, { applicationName: `pillcap-ingest:${env.INGEST_CLIENT_ID}` });
    try {
      await migrate(db, { log: (line) => io.stderr(`${line}\n`) });
      const downlink =
        env.DOWNLINK === 'aws-iot'
          ? new AwsIotDownlink({ endpoint: env.AWS_IOT_ENDPOINT, region: env.AWS_REGION, thingNamePrefix: env.AWS_IOT_THING_PREFIX })
          : undefined;
      const ingestor = new Ingestor({
        db,
        mqttUrl: env.MQTT_URL,
        clientId: env.INGEST_CLIENT_ID,
        sharedGroup: env.INGEST_SHARED ? env.INGEST_SHARED_GROUP : null,
        downlink,
        pubackAfter: env.INGEST_PUBACK,
        batchMaxMessages: env.INGEST_BATCH_MAX,
        batchMaxWaitMs: env.INGEST_BATCH_WAIT_MS,
        maxInFlight: env.INGEST_MAX_IN_FLIGHT,
        processConcurrency: env.INGEST_CONCURRENCY,
        staleAfterMs: env.INGEST_STALE_AFTER_MS,
        mqttOptions,
        log: (level, message) => io.stderr(`${new Date().toISOString()} ${level} ${message}\n`),
      });
      const stopped =
        stopSignal ??
        new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
      await ingestor.start();
      const broker = new URL(env.MQTT_URL);
      io.stdout(
        `pillcap ingest ${env.INGEST_CLIENT_ID}: ${broker.protocol}//${broker.host} ${ingestor.subscription} -> ${describeDatabase()}, downlink ${env.DOWNLINK}\n`,
      );
      await stopped;
      io.stderr('stopping: finishing work in flight\n');
      await ingestor.stop();
      await downlink?.close();
      const s = ingestor.stats;
      io.stdout(`stopped: ${s.received} received, ${s.processed} processed, ${s.duplicates} duplicates, ${s.quarantined} quarantined, ${s.eventsInserted} events, ${s.acksSent} acks\n`);
      return 0;
    } finally {
      await db.close();
    }
  });
}
