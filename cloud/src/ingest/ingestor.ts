/**
 * The ingestor: MQTT uplinks in, committed rows and end-to-end acks out. Stateless; many run side by side on
 * one shared subscription (`$share/<group>/pillcap/v1/+/up`) with PostgreSQL holding all state.
 *
 * Pipeline (each stage group-commits whatever has accumulated while the previous commit ran):
 *   1. receive  mqtt.js hands over each QoS 1 PUBLISH; its PUBACK is held back (see `pubackAfter`).
 *   2. raw      the bytes are stored in `uplinks` in their own commit, before anything else happens.
 *   3. process  up to `batchMaxMessages` stored uplinks (or what arrived within `batchMaxWaitMs`) are decoded
 *               and written in ONE transaction (process-uplinks.ts). On PostgreSQL `processConcurrency`
 *               (default 2) groups are processed at once, so both cores work and one group's round trips
 *               overlap the other's; two groups of one cap may then commit, and ack, in either order: each
 *               ack is the contiguous seq its commit saw, and a cap ignores an ack below what it already
 *               consumed (event-log.ts consumeThrough).
 *   4. ack      only after that commit, each device's Ack goes out through the Downlink.
 *   5. config   then caps that need their desired Config get it (device-config/config-sync.ts: a Hello,
 *               no config yet, another holder than the config was made for, or a passed DST change); one
 *               worker, off the ack path.
 *
 * Guarantees:
 *   - Never acks (end to end) what is not committed; a failed commit publishes nothing and is retried.
 *   - `pubackAfter: 'stored'` (default): the broker's PUBACK is sent only after the raw row is committed, so
 *     with a persistent session (clean: false, fixed clientId) a crash loses nothing the broker delivered.
 *     mqtt.js would stop reading while a PUBACK is pending (it handles one PUBLISH at a time), which makes
 *     raw inserts one-by-one; so the ingestor lets mqtt.js move on and holds the PUBACK packet itself
 *     (puback-gate.ts) until the group's raw commit. `'queued'` PUBACKs on arrival in the bounded queue (a
 *     crash may drop what was only in memory; the cap re-sends it because it never saw an Ack).
 *   - Bounded work in flight (`maxInFlight`): when full, mqtt.js is not handed the next packet, it stops
 *     reading, and the broker holds the rest (backpressure all the way to the broker).
 *   - Broker restarts: mqtt.js reconnects; the subscription is renewed on every connect.
 *   - Database outages: every stage retries with capped exponential backoff; nothing is acked meanwhile.
 *   - Uplinks stored raw but never processed (a crash between the commits) are swept up after
 *     `staleAfterMs` by any ingestor and processed (idempotently).
 *   - Input never crashes it: bad uplinks are quarantined; unexpected errors are logged and contained.
 */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Database } from '../db/database.ts';
import type { Downlink } from '../downlink/downlink.ts';
import { MqttDownlink } from '../downlink/mqtt-downlink.ts';
import { listUnprocessedUplinks, markUplinks, storeUplinks } from '../repositories/uplinks.ts';
import { decodeUplinkMessage } from './decode-uplink.ts';
import { processUplinks, type DayRefresher, type ProcessResult, type StoredUplink, type UplinkDecoder } from './process-uplinks.ts';
import { isTransientDbError } from './transient-error.ts';
import { DEFAULT_TIME_SANITY, type TimeSanity } from './time-resolution.ts';
import { parseUplinkTopic, uplinkSubscription } from './uplink-topic.ts';
import { PubackGate } from './puback-gate.ts';
import { ConfigSync } from '../device-config/config-sync.ts';

export interface IngestorOptions {
  db: Database;
  mqttUrl: string;
  /** Fixed per ingestor process so its persistent session survives restarts. */
  clientId: string;
  /** Shared-subscription group; null/undefined = plain subscription (brokers without $share, e.g. aedes). */
  sharedGroup?: string | null;
  /** Default: MQTT publish on the ingestor's own connection. */
  downlink?: Downlink;
  decode?: UplinkDecoder;
  pubackAfter?: 'stored' | 'queued';
  batchMaxMessages?: number;
  batchMaxWaitMs?: number;
  /** Group transactions in parallel on PostgreSQL (default 2; always 1 on PGlite, which has one connection). */
  processConcurrency?: number;
  maxInFlight?: number;
  staleAfterMs?: number;
  sweepIntervalMs?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  sanity?: TimeSanity;
  refresher?: DayRefresher;
  now?: () => Date;
  mqttOptions?: Partial<IClientOptions>;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Called after each committed group (tests, metrics). */
  onCommitted?: (result: ProcessResult) => void;
  /** Push desired configs to caps after commits (device-config/config-sync.ts). Default true. */
  deviceConfig?: boolean;
}

export interface IngestorStats {
  received: number;
  stored: number;
  processed: number;
  quarantined: number;
  duplicates: number;
  eventsInserted: number;
  acksSent: number;
  ackFailures: number;
  configsPushed: number;
  configFailures: number;
  commits: number;
  retries: number;
  swept: number;
  inFlight: number;
  /** Wall time spent in raw-store and processing transactions (ms), for benchmarks and metrics. */
  rawMs: number;
  processMs: number;
}

interface Pending {
  topic: string;
  payload: Uint8Array;
  receivedAt: Date;
  /** Sends the PUBACK; undefined once sent (or for swept uplinks, which have none). */
  puback?: () => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Ingestor {
  readonly stats: IngestorStats = {
    received: 0,
    stored: 0,
    processed: 0,
    quarantined: 0,
    duplicates: 0,
    eventsInserted: 0,
    acksSent: 0,
    ackFailures: 0,
    configsPushed: 0,
    configFailures: 0,
    commits: 0,
    retries: 0,
    swept: 0,
    inFlight: 0,
    rawMs: 0,
    processMs: 0,
  };

  private client: MqttClient | undefined;
  private downlink: Downlink | undefined;
  private configSync: ConfigSync | undefined;
  private readonly rawQueue: Pending[] = [];
  private readonly processQueue: (StoredUplink & { puback?: () => void; queuedAt: number })[] = [];
  private readonly blockedReads: (() => void)[] = [];
  private gate: PubackGate | undefined;
  private readonly inProcess = new Set<number>();
  private readonly pendingAcks = new Set<Promise<void>>();
  private readonly wakers: Record<'raw' | 'process', (() => void)[]> = { raw: [], process: [] };
  private readonly lastAck = new Map<string, number>();
  private loops: Promise<void>[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private running = false;
  private killed = false;
  private readonly o: Required<Omit<IngestorOptions, 'downlink' | 'sharedGroup' | 'refresher' | 'mqttOptions' | 'onCommitted'>> &
    Pick<IngestorOptions, 'downlink' | 'sharedGroup' | 'refresher' | 'mqttOptions' | 'onCommitted'>;

  constructor(options: IngestorOptions) {
    this.o = {
      decode: decodeUplinkMessage,
      pubackAfter: 'stored',
      batchMaxMessages: 200,
      batchMaxWaitMs: 5,
      processConcurrency: 2,
      maxInFlight: 2000,
      staleAfterMs: 30_000,
      sweepIntervalMs: 15_000,
      retryInitialMs: 100,
      retryMaxMs: 5_000,
      sanity: DEFAULT_TIME_SANITY,
      now: () => new Date(),
      deviceConfig: true,
      log: (level, message) => process.stderr.write(`pillcap ingest ${level}: ${message}\n`),
      ...options,
    };
  }

  /** Processing transactions in parallel: PGlite is one connection, so one there. */
  private get concurrency(): number {
    return this.o.db.kind === 'pglite' ? 1 : this.o.processConcurrency;
  }

  get subscription(): string {
    return uplinkSubscription(this.o.sharedGroup);
  }

  /** Connects, subscribes and starts the pipeline. Resolves once subscribed. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.killed = false;
    this.loops = [this.rawLoop(), ...Array.from({ length: this.concurrency }, () => this.processLoop())];
    this.sweepTimer = setInterval(() => void this.sweep(), this.o.sweepIntervalMs);
    this.sweepTimer.unref();
    void this.sweep();

    const client = mqtt.connect(this.o.mqttUrl, {
      clientId: this.o.clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      resubscribe: true,
      ...this.o.mqttOptions,
    });
    this.client = client;
    this.downlink = this.o.downlink ?? new MqttDownlink(client);
    this.configSync = this.o.deviceConfig
      ? new ConfigSync({
          db: this.o.db,
          downlink: this.downlink,
          now: this.o.now,
          log: this.o.log,
          onPushed: () => void this.stats.configsPushed++,
          onFailed: () => void this.stats.configFailures++,
        })
      : undefined;
    this.gate = new PubackGate(client);
    client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => this.receive(packet, callback);
    client.on('error', (error) => this.o.log('warn', `mqtt: ${error.message}`));
    client.on('offline', () => this.o.log('warn', 'mqtt: offline, reconnecting'));
    const subscribed = new Promise<void>((resolve, reject) => {
      const onConnect = () => {
        client.subscribe(this.subscription, { qos: 1 }, (error, granted) => {
          if (error) {
            this.o.log('error', `subscribe ${this.subscription} failed: ${error.message}`);
            reject(error);
            return;
          }
          if (granted?.some((g) => g.qos === 128)) {
            const refused = new Error(`broker refused the subscription ${this.subscription}`);
            this.o.log('error', refused.message);
            reject(refused);
            return;
          }
          resolve();
        });
      };
      client.on('connect', () => {
        // PUBACKs held for the previous connection are void: the broker redelivers those messages.
        this.gate?.reset();
        onConnect();
      });
    });
    await subscribed;
  }

  private receive(packet: IPublishPacket, callback: (error?: Error) => void): void {
    if (this.killed) return; // an abrupt stop: no PUBACK, the broker keeps the message for the session
    this.stats.received++;
    this.stats.inFlight++;
    const payload = typeof packet.payload === 'string' ? new TextEncoder().encode(packet.payload) : new Uint8Array(packet.payload);
    const pending: Pending = { topic: packet.topic, payload, receivedAt: this.o.now(), puback: this.gate?.hold(packet) };
    this.rawQueue.push(pending);
    if (this.o.pubackAfter === 'queued') this.release(pending);
    this.wake('raw');
    // Hand mqtt.js the next packet now, or once commits make room (backpressure).
    if (this.stats.inFlight < this.o.maxInFlight) callback();
    else this.blockedReads.push(() => callback());
  }

  /** Lets the held PUBACK go out. */
  private release(p: { puback?: () => void }): void {
    const puback = p.puback;
    p.puback = undefined;
    puback?.();
  }

  private releaseHeld(): void {
    while (this.blockedReads.length > 0 && this.stats.inFlight < this.o.maxInFlight) this.blockedReads.shift()!();
  }

  private async wait(kind: 'raw' | 'process'): Promise<void> {
    await new Promise<void>((resolve) => this.wakers[kind].push(resolve));
  }

  private wake(kind: 'raw' | 'process'): void {
    const waiting = this.wakers[kind].splice(0);
    for (const resolve of waiting) resolve();
  }

  /** Retries `work` while the database is unavailable (or anything transient) until stopped. */
  private async withRetry<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    let delay = this.o.retryInitialMs;
    for (;;) {
      if (this.killed) return undefined;
      try {
        return await work();
      } catch (error) {
        if (this.killed) return undefined;
        if (!isTransientDbError(error)) throw error;
        this.stats.retries++;
        this.o.log('warn', `${what} failed (${(error as Error).message}); retrying in ${delay} ms`);
        await sleep(delay);
        delay = Math.min(delay * 2, this.o.retryMaxMs);
      }
    }
  }

  private async rawLoop(): Promise<void> {
    while (this.running && !this.killed) {
      if (this.rawQueue.length === 0) {
        await this.wait('raw');
        continue;
      }
      const group = this.rawQueue.splice(0, this.o.batchMaxMessages);
      let ids: number[] | undefined;
      const rawStarted = performance.now();
      try {
        ids = await this.withRetry('storing raw uplinks', () =>
          storeUplinks(
            this.o.db,
            group.map((p) => ({ receivedAt: p.receivedAt, topic: p.topic, topicSerial: topicSerial(p.topic), payload: p.payload })),
          ),
        );
      } catch (error) {
        // Not transient and not input-related (inserting raw bytes cannot fail on content): keep them queued.
        this.o.log('error', `storing raw uplinks failed: ${(error as Error).message}`);
        this.rawQueue.unshift(...group);
        await sleep(this.o.retryMaxMs);
        continue;
      }
      if (!ids) return; // killed
      this.stats.rawMs += performance.now() - rawStarted;
      this.stats.stored += ids.length;
      group.forEach((p, i) => {
        const stored = { uplinkId: ids[i]!, topic: p.topic, payload: p.payload, receivedAt: p.receivedAt, puback: p.puback, queuedAt: performance.now() };
        this.inProcess.add(stored.uplinkId);
        this.processQueue.push(stored);
        this.release(stored);
      });
      this.wake('process');
    }
  }

  private async processLoop(): Promise<void> {
    while (this.running && !this.killed) {
      if (this.processQueue.length === 0) {
        await this.wait('process');
        continue;
      }
      // Group commit: give stragglers a moment to join unless the group is already full.
      if (this.processQueue.length < this.o.batchMaxMessages && this.o.batchMaxWaitMs > 0) {
        // Monotonic time: `now` may be a virtual clock (simulations), receivedAt follows it.
        const age = performance.now() - this.processQueue[0]!.queuedAt;
        if (age < this.o.batchMaxWaitMs) await sleep(this.o.batchMaxWaitMs - age);
      }
      const group = this.processQueue.splice(0, this.o.batchMaxMessages);
      if (group.length === 0) continue; // another worker took them while this one waited
      await this.processGroup(group);
    }
  }

  private async processGroup(group: (StoredUplink & { puback?: () => void })[]): Promise<void> {
    let result: ProcessResult | undefined;
    const started = performance.now();
    try {
      result = await this.withRetry('processing uplinks', () =>
        processUplinks(this.o.db, group, { decode: this.o.decode, sanity: this.o.sanity, refresher: this.o.refresher, now: this.o.now }),
      );
    } catch (error) {
      // A non-transient failure: isolate the culprit by processing one by one.
      if (group.length > 1) {
        this.o.log('warn', `group of ${group.length} failed (${(error as Error).message}); processing one by one`);
        for (const one of group) await this.processGroup([one]);
        return;
      }
      result = await this.quarantineAfterFailure(group[0]!, error);
    }
    // Killed meanwhile: behave like a dead process (nothing acked; the raw rows are redelivered or swept).
    if (!result || this.killed) return;
    this.stats.processMs += performance.now() - started;
    this.finish(group, result);
  }

  private async quarantineAfterFailure(uplink: StoredUplink, error: unknown): Promise<ProcessResult | undefined> {
    this.o.log('error', `uplink ${uplink.uplinkId} could not be processed: ${(error as Error)?.stack ?? String(error)}`);
    const outcome = {
      id: uplink.uplinkId,
      status: 'quarantined' as const,
      errorCode: 'processing_error',
      error: `processing failed: ${(error as Error)?.message ?? String(error)}`.slice(0, 1000),
    };
    try {
      const marked = await this.withRetry('quarantining an uplink', () => markUplinks(this.o.db, [outcome], this.o.now()));
      if (marked === undefined && this.killed) return undefined;
    } catch (markError) {
      this.o.log('error', `could not quarantine uplink ${uplink.uplinkId}: ${(markError as Error).message}`);
    }
    return { acks: [], outcomes: [outcome], eventsInserted: 0 };
  }

  private finish(group: (StoredUplink & { puback?: () => void })[], result: ProcessResult): void {
    this.stats.commits++;
    this.stats.inFlight -= group.filter((g) => this.inProcess.delete(g.uplinkId)).length;
    this.stats.eventsInserted += result.eventsInserted;
    for (const outcome of result.outcomes) {
      if (outcome.status === 'quarantined') this.stats.quarantined++;
      else if (outcome.status === 'duplicate') this.stats.duplicates++;
      else this.stats.processed++;
    }
    // Committed: only now may the caps hear about it.
    const groupAcks: Promise<void>[] = [];
    for (const ack of result.acks) {
      // Groups commit in parallel: never send a cap an ack lower than one this process already sent it.
      const previous = this.lastAck.get(ack.serial);
      if (previous !== undefined && previous > ack.ackSeq) continue;
      if (this.lastAck.size > 100_000) this.lastAck.clear();
      this.lastAck.set(ack.serial, ack.ackSeq);
      const sent = this.downlink!.publish(ack.serial, ack).then(
        () => {
          this.stats.acksSent++;
        },
        (error: Error) => {
          this.stats.ackFailures++;
          this.o.log('warn', `ack to ${ack.serial} not sent: ${error.message} (the cap will re-send and be acked then)`);
        },
      );
      this.pendingAcks.add(sent);
      groupAcks.push(sent);
      void sent.finally(() => this.pendingAcks.delete(sent));
    }
    // Configs after the group's acks (never before, never holding them up); ConfigSync never rejects.
    const sync = this.configSync;
    if (sync && result.outcomes.length > 0) {
      const pushed = Promise.allSettled(groupAcks).then(async () => {
        if (!this.killed) await sync.afterCommit(result.outcomes);
      });
      this.pendingAcks.add(pushed);
      void pushed.finally(() => this.pendingAcks.delete(pushed));
    }
    for (const g of group) this.release(g);
    this.releaseHeld();
    try {
      this.o.onCommitted?.(result);
    } catch (error) {
      this.o.log('warn', `onCommitted hook failed: ${(error as Error).message}`);
    }
  }

  /** Picks up uplinks that were stored raw but never processed (their ingestor died in between). */
  async sweep(): Promise<number> {
    if (!this.running || this.killed) return 0;
    if (this.processQueue.length > this.o.batchMaxMessages) return 0;
    try {
      const olderThan = new Date(this.o.now().getTime() - this.o.staleAfterMs);
      const stale = await listUnprocessedUplinks(this.o.db, olderThan, this.o.batchMaxMessages);
      let added = 0;
      for (const u of stale) {
        if (this.inProcess.has(u.id)) continue;
        this.inProcess.add(u.id);
        this.stats.inFlight++;
        this.processQueue.push({ uplinkId: u.id, topic: u.topic, payload: u.payload, receivedAt: u.receivedAt, queuedAt: performance.now() });
        added++;
      }
      if (added > 0) {
        this.stats.swept += added;
        this.o.log('info', `sweeping ${added} stored but unprocessed uplink(s)`);
        this.wake('process');
      }
      return added;
    } catch (error) {
      if (!this.killed) this.o.log('warn', `sweep failed: ${(error as Error).message}`);
      return 0;
    }
  }

  /** Resolves when everything received so far is committed and its acks are handed to the downlink. */
  async drain(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.rawQueue.length === 0 && this.processQueue.length === 0 && this.inProcess.size === 0 && this.pendingAcks.size === 0) return true;
      await sleep(10);
    }
    return false;
  }

  /** Graceful stop: finish what is in flight, then disconnect (the session stays on the broker). */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.running) return;
    if (!(await this.drain(timeoutMs))) this.o.log('warn', 'stopping with work in flight; it will be redelivered or swept');
    this.running = false;
    clearInterval(this.sweepTimer);
    this.wake('raw');
    this.wake('process');
    await Promise.allSettled(this.loops);
    await this.client?.endAsync();
  }

  /** Abrupt stop, as if the process died: no more PUBACKs, acks or commits; the socket is dropped. */
  async kill(): Promise<void> {
    this.killed = true;
    this.running = false;
    clearInterval(this.sweepTimer);
    this.wake('raw');
    this.wake('process');
    await this.client?.endAsync(true);
  }
}

function topicSerial(topic: string): string | null {
  return parseUplinkTopic(topic).serial;
}
