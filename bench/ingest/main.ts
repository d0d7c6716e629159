/**
 * bench/ingest: the ingestor end to end (MQTT publish -> committed rows -> Ack received), on Mosquitto and
 * PostgreSQL when MQTT_URL / DATABASE_URL are set (a scratch database is created and dropped), else on the
 * embedded aedes and PGlite. Prints:
 *   1. raw insert rate: the same event rows written with multi-row INSERT, no MQTT, no ingestor
 *   2. sustained ingest rate: events/s from first publish to the last Ack, and its ratio to (1)
 *      (1) and (2) alternate over BENCH_INGEST_ROUNDS rounds (default 3), each on fresh seqs; the ratio held to
 *      the target is the median of the rounds' ratios, so a burst of load from another tenant of the host
 *      during one phase does not decide the figure
 *   3. publish-to-ack latency p50/p99 at a fixed offered load (default 1,000 uplinks/s for 5 s)
 * Sizes can be tuned with BENCH_INGEST_UPLINKS, BENCH_INGEST_EVENTS_PER_UPLINK, BENCH_INGEST_RATE,
 * BENCH_INGEST_SECONDS, BENCH_INGEST_ROUNDS, BENCH_INGEST_CONCURRENCY (default 2, as the ingestor),
 * BENCH_INGEST_PUBACK (stored|queued). Bounded: every phase has a deadline.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { decodeDownlink, encodeUplink } from '../../protocol/src/device-codec.ts';
import { MessageKind, uplinkTopic, type DeviceEvent, type EventBatch } from '../../protocol/src/messages.ts';
import type { Database } from '../../cloud/src/db/database.ts';
import { Ingestor } from '../../cloud/src/ingest/ingestor.ts';
import { registerDevice } from '../../cloud/src/repositories/devices.ts';
import { storeUplinks } from '../../cloud/src/repositories/uplinks.ts';
import { createTestBroker } from '../../cloud/test/helpers/test-broker.ts';
import { createTestDatabase } from '../../cloud/test/helpers/test-database.ts';

const env = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

const DEVICES = 200;
const PUBLISHERS = 4;
const WINDOW = 400;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function events(from: number, count: number): DeviceEvent[] {
  return Array.from({ length: count }, (_, i) => ({ seq: from + i, boot: 1, uptimeS: 100 + (from + i) * 30, kind: 1, args: [20] }) as DeviceEvent);
}

function batch(serial: string, from: number, count: number): EventBatch {
  const ev = events(from, count);
  return {
    kind: MessageKind.EventBatch,
    serial,
    logTailSeq: 1,
    droppedTotal: 0,
    anchors: [{ boot: 1, uptimeS: ev[ev.length - 1]!.uptimeS + 5, unixS: Math.floor(Date.now() / 1000), source: 1 }],
    events: ev,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Multi-row INSERT of the same event rows the ingestor writes, chunked to stay under the parameter limit. */
async function rawInsertRate(db: Database, deviceIds: string[], perDevice: number, firstSeq: number): Promise<{ rows: number; seconds: number }> {
  const [uplinkId] = await storeUplinks(db, [{ receivedAt: new Date(), topic: 'bench', topicSerial: null, payload: new Uint8Array() }]);
  const rows: unknown[][] = [];
  const now = new Date();
  for (const id of deviceIds) {
    for (let seq = firstSeq; seq < firstSeq + perDevice; seq++) {
      rows.push([id, seq, 1, 100 + seq * 30, 1, [20], 'device', new Date(now.getTime() - seq * 1000), 'device_clock', null, uplinkId, now]);
    }
  }
  const chunk = 1000;
  const started = performance.now();
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const values = part.map((_, r) => `(${Array.from({ length: 12 }, (_, c) => `$${r * 12 + c + 1}`).join(', ')})`);
    await db.query(
      `INSERT INTO events (device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at)
       VALUES ${values.join(', ')}`,
      part.flat(),
    );
  }
  return { rows: rows.length, seconds: (performance.now() - started) / 1000 };
}

class Fleet {
  readonly ackWaiters = new Map<string, { lastSeq: number; sentAt: number; resolve: (latencyMs: number) => void }[]>();
  readonly maxAck = new Map<string, number>();
  private constructor(
    readonly publishers: MqttClient[],
    readonly listener: MqttClient,
  ) {}

  static async connect(url: string): Promise<Fleet> {
    const tag = randomBytes(3).toString('hex');
    const publishers = await Promise.all(
      Array.from({ length: PUBLISHERS }, (_, i) => mqtt.connectAsync(url, { clientId: `bench-pub-${tag}-${i}`, clean: true })),
    );
    const listener = await mqtt.connectAsync(url, { clientId: `bench-acks-${tag}`, clean: true });
    const fleet = new Fleet(publishers, listener);
    listener.on('message', (topic, payload) => {
      const serial = topic.split('/')[2]!;
      let ackSeq: number;
      try {
        const m = decodeDownlink(new Uint8Array(payload));
        if (m.kind !== MessageKind.Ack) return;
        ackSeq = m.ackSeq;
      } catch {
        return;
      }
      fleet.maxAck.set(serial, Math.max(fleet.maxAck.get(serial) ?? 0, ackSeq));
      const waiting = fleet.ackWaiters.get(serial);
      if (!waiting) return;
      const now = performance.now();
      while (waiting.length > 0 && waiting[0]!.lastSeq <= ackSeq) {
        const w = waiting.shift()!;
        w.resolve(now - w.sentAt);
      }
    });
    await listener.subscribeAsync('pillcap/v1/+/down', { qos: 1 });
    return fleet;
  }

  /** Publishes and resolves with the publish-to-ack latency once the cloud acks the batch's last seq. */
  send(serial: string, message: EventBatch, publisherIndex: number): Promise<number> {
    const lastSeq = message.events[message.events.length - 1]!.seq;
    const bytes = Buffer.from(encodeUplink(message));
    return new Promise<number>((resolve) => {
      let list = this.ackWaiters.get(serial);
      if (!list) this.ackWaiters.set(serial, (list = []));
      list.push({ lastSeq, sentAt: performance.now(), resolve });
      this.publishers[publisherIndex % this.publishers.length]!.publish(uplinkTopic(serial), bytes, { qos: 1 });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.publishers, this.listener].map((c) => c.endAsync(true)));
  }
}

async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      process.stdout.write(`  ${what}: deadline of ${ms / 1000} s reached, reporting what completed\n`);
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runBench(): Promise<void> {
  const uplinks = env('BENCH_INGEST_UPLINKS', 4000);
  const perUplink = env('BENCH_INGEST_EVENTS_PER_UPLINK', 10);
  const rate = env('BENCH_INGEST_RATE', 1000);
  const seconds = env('BENCH_INGEST_SECONDS', 5);
  const puback = process.env.BENCH_INGEST_PUBACK === 'queued' ? 'queued' : 'stored';
  const started = performance.now();

  const db = await createTestDatabase();
  const broker = await createTestBroker();
  const run = randomBytes(2).toString('hex').toUpperCase();
  const clientId = `pillcap-bench-ingest-${run}`;
  process.stdout.write(
    `bench/ingest: ${db.kind === 'pg' ? 'PostgreSQL' : 'PGlite (embedded)'} + ${broker.embedded ? 'aedes (embedded)' : 'MQTT broker at MQTT_URL'}, ` +
      `${DEVICES} caps, puback after ${puback}\n`,
  );
  const ingestor = new Ingestor({
    db,
    mqttUrl: broker.url,
    clientId,
    deviceConfig: false, // about ingest only: leave no retained Config on a shared broker
    sharedGroup: broker.sharedSubscriptions ? `pillcap-bench-${run}` : null,
    pubackAfter: puback,
    processConcurrency: env('BENCH_INGEST_CONCURRENCY', 2),
    log: () => {},
    // The bench measures the ingestor, not monitored-day bookkeeping of caps nobody is assigned to.
  });
  const fleet = await Fleet.connect(broker.url);
  try {
    const serials: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const serial = `B${run}-${String(i).padStart(4, '0')}`;
      serials.push(serial);
      ids.push((await registerDevice(db, { serial })).device.id);
    }
    const rawIds: string[] = [];
    for (let i = 0; i < DEVICES; i++) rawIds.push((await registerDevice(db, { serial: `R${run}-${String(i).padStart(4, '0')}` })).device.id);

    await ingestor.start();
    const perDevice = Math.ceil(uplinks / DEVICES);
    const rounds = env('BENCH_INGEST_ROUNDS', 3);
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // 1. raw insert rate
      const raw = await rawInsertRate(db, rawIds, Math.ceil((uplinks * perUplink) / DEVICES), round * perDevice * perUplink + 1);
      const rawRate = raw.rows / raw.seconds;

      // 2. sustained rate: caps publish as fast as acks come back, at most WINDOW uplinks outstanding (a real
      //    fleet retries what the broker drops; Mosquitto drops QoS 1 beyond max_queued_messages, default 1000)
      const stats0 = { ...ingestor.stats };
      const t0 = performance.now();
      const sends: Promise<number>[] = [];
      const work: (() => Promise<number>)[] = [];
      for (let k = round * perDevice; k < (round + 1) * perDevice; k++) {
        serials.forEach((serial, i) => work.push(() => fleet.send(serial, batch(serial, k * perUplink + 1, perUplink), i)));
      }
      const all = (async () => {
        let next = 0;
        const lane = async () => {
          while (next < work.length) {
            const job = work[next++]!;
            const p = job();
            sends.push(p);
            await p;
          }
        };
        await Promise.all(Array.from({ length: WINDOW }, lane));
      })();
      const done = await withDeadline(all.then(() => Promise.all(sends)), 60_000, 'sustained phase');
      const elapsed = (performance.now() - t0) / 1000;
      const committed = ingestor.stats.eventsInserted - stats0.eventsInserted;
      const commits = ingestor.stats.commits - stats0.commits;
      const processMs = ingestor.stats.processMs - stats0.processMs;
      const ingestRate = committed / elapsed;
      ratios.push(ingestRate / rawRate);
      process.stdout.write(
        `  round ${round + 1}/${rounds}: raw multi-row INSERT ${raw.rows} rows in ${raw.seconds.toFixed(2)} s = ${Math.round(rawRate)} rows/s; ` +
          `ingest ${sends.length} uplinks, ${committed} events committed and acked in ${elapsed.toFixed(2)} s = ${Math.round(ingestRate)} events/s ` +
          `(${Math.round(sends.length / elapsed)} uplinks/s, ${commits} commits, raw stores ${Math.round(ingestor.stats.rawMs - stats0.rawMs)} ms, ` +
          `processing ${Math.round(processMs)} ms = ${(processMs / Math.max(1, commits)).toFixed(0)} ms per commit); ratio ${(ingestRate / rawRate).toFixed(2)}${done ? '' : ' [incomplete]'}\n`,
      );
    }
    const sortedRatios = ratios.slice().sort((a, b) => a - b);
    process.stdout.write(
      `  ratio ingest / raw insert: median ${percentile(sortedRatios, 50).toFixed(2)} of ${rounds} rounds (${ratios.map((r) => r.toFixed(2)).join(', ')}) (target >= 0.5)\n`,
    );

    // 3. latency at a fixed offered load: `rate` uplinks/s, 2 events each, paced in 10 ms ticks
    const base = rounds * perDevice * perUplink + 1;
    const total = Math.round(rate * seconds);
    const latencies: Promise<number>[] = [];
    const perTick = rate / 100;
    let sent = 0;
    let credit = 0;
    const nextSeq = new Map(serials.map((s) => [s, base]));
    const tStart = performance.now();
    while (sent < total) {
      credit += perTick;
      while (credit >= 1 && sent < total) {
        const serial = serials[sent % DEVICES]!;
        const from = nextSeq.get(serial)!;
        nextSeq.set(serial, from + 2);
        latencies.push(fleet.send(serial, batch(serial, from, 2), sent));
        sent++;
        credit--;
      }
      const target = tStart + (sent / rate) * 1000;
      await sleep(Math.max(0, target - performance.now()));
    }
    const offeredFor = (performance.now() - tStart) / 1000;
    const settled = await withDeadline(Promise.all(latencies), 30_000, 'latency phase');
    const values = (settled ?? []).slice().sort((a, b) => a - b);
    process.stdout.write(
      `  latency at ${rate} uplinks/s offered for ${offeredFor.toFixed(1)} s (${total} uplinks): ` +
        (values.length
          ? `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${values[values.length - 1]!.toFixed(1)} ms (target p99 < 250 ms)\n`
          : 'not all acked before the deadline\n'),
    );
    process.stdout.write(`  total bench time ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await fleet.close();
    await ingestor.kill();
    if (!broker.embedded) {
      const c = await mqtt.connectAsync(broker.url, { clientId, clean: true }).catch(() => undefined);
      await c?.endAsync();
    }
    await broker.close();
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench();
