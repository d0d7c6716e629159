import { describe, expect, it } from 'vitest';
import { CommandCode, EventKind, MessageKind, TimeSource, type DeviceEvent, type DownlinkMessage, type UplinkMessage } from '../../../protocol/src/messages.ts';
import { decodeUplinkDevice, encodeDownlink } from '../../../protocol/src/device-codec.ts';
import { EventLog } from '../../src/log/event-log.ts';
import { FakeFlash } from '../../src/testing/fake-ports.ts';
import { UploadSession, type SessionEnv, type SessionOptions, type SessionResult, type UploadLink } from '../../src/uplink/upload-session.ts';
import { newUplinkCounters } from '../../src/uplink/heartbeat.ts';
import type { ModemSnapshot, PublishOutcome } from '../../src/modem/connection-supervisor.ts';
import { FakeTimers } from '../modem/fakes.ts';

const SERIAL = 'PC-0001';

class FakeLink implements UploadLink {
  backoffHint = false;
  identity = { modemFirmware: 'BG95', imei: '866123456789012' };
  connects = 0;
  connectFailures: string[] = [];
  published: UplinkMessage[] = [];
  publishedBytes: number[] = [];
  sleeps = 0;
  aborts = 0;
  /** Called for every uplink the broker accepted (PUBACK given): plays the cloud. */
  cloud: (m: UplinkMessage) => void = () => undefined;
  failNextPublish = false;
  constructor(private readonly timers: FakeTimers) {}
  connect(done: (e?: string) => void): void {
    this.connects++;
    const f = this.connectFailures.shift();
    this.timers.setTimeout(() => done(f), 1000);
  }
  publish(_topic: string, payload: Uint8Array, done: (r: PublishOutcome) => void): void {
    const m = decodeUplinkDevice(payload);
    this.published.push(m);
    this.publishedBytes.push(payload.length);
    const fail = this.failNextPublish;
    this.failNextPublish = false;
    this.timers.setTimeout(() => {
      done(fail ? { ok: false, retransmissions: 0, reason: 'publish_result_2' } : { ok: true, retransmissions: 0 });
      if (!fail) this.cloud(m);
    }, 200);
  }
  sleep(done: () => void): void {
    this.sleeps++;
    this.timers.setTimeout(done, 100);
  }
  abort(done: () => void): void {
    this.aborts++;
    done();
  }
  sample(done: (s: ModemSnapshot) => void): void {
    this.timers.setTimeout(() => done({ signal: { sysmode: 'eMTC', rsrpDbm: -90 } }), 50);
  }
}

function setup(eventCount: number, opts: SessionOptions = {}, needHello = true) {
  const timers = new FakeTimers();
  const flash = new FakeFlash(16, 4096, 4);
  const log = new EventLog(flash, { firstBlock: 0, blockCount: 16 });
  log.recover();
  log.beginBoot();
  for (let i = 0; i < eventCount; i++) log.append({ kind: EventKind.LidOpened, boot: 1, uptimeS: 100 + i * 7, args: [12 + (i % 50)] });
  const link = new FakeLink(timers);
  const emitted: { type: string; [k: string]: unknown }[] = [];
  const counters = newUplinkCounters();
  let heartbeatsDelivered = 0;
  let source: number = TimeSource.None;
  const wallSets: [number, number][] = [];
  const config = { version: 0 };
  const env: SessionEnv = {
    serial: () => SERIAL,
    timers,
    log,
    anchor: () => ({ boot: 1, uptimeS: Math.floor(timers.now / 1000) + 1000, unixS: null, source: TimeSource.None }),
    anchorsFor: () => [{ boot: 1, uptimeS: Math.floor(timers.now / 1000) + 1000, unixS: null, source: TimeSource.None }],
    timeSource: () => source as TimeSource,
    setWall: (u, s) => {
      wallSets.push([u, s]);
      source = s;
    },
    configVersion: () => config.version,
    hello: () => ({ kind: MessageKind.Hello, serial: SERIAL, anchor: { boot: 1, uptimeS: 1, unixS: null, source: 0 }, appFirmware: '1.0.0', imageHash: new Uint8Array(8), bootCount: 1, resetReason: 7, configVersion: 0 }),
    heartbeat: (s) => ({ kind: MessageKind.Heartbeat, serial: SERIAL, anchor: { boot: 1, uptimeS: 1, unixS: null, source: 0 }, metrics: { rsrpDbm: s.signal?.rsrpDbm } }),
    heartbeatDelivered: () => heartbeatsDelivered++,
    emit: (m) => emitted.push(m as never),
    counters,
    trace: () => undefined,
  };
  const session = new UploadSession(link, env, needHello, opts);
  const results: SessionResult[] = [];
  const down = (m: DownlinkMessage) => timers.setTimeout(() => session.downlink(encodeDownlink(m)), 300);
  /** The cloud acks every batch with its last seq (highest contiguous). */
  const ackAll = (extra: Partial<{ serverUnixS: number; configVersion: number }> = {}) => {
    link.cloud = (m) => {
      if (m.kind !== MessageKind.EventBatch) return;
      const last = m.events.length ? m.events[m.events.length - 1].seq : m.logTailSeq - 1;
      down({ kind: MessageKind.Ack, serial: SERIAL, ackSeq: last, ...extra });
    };
  };
  const run = (ms = 600000) => {
    session.run((r) => results.push(r));
    timers.advance(ms);
  };
  return { timers, log, link, emitted, counters, session, results, run, ackAll, down, config, wallSets, heartbeats: () => heartbeatsDelivered };
}

const batches = (ms: UplinkMessage[]) => ms.filter((m) => m.kind === MessageKind.EventBatch) as Extract<UplinkMessage, { kind: 1 }>[];
const seqs = (events: DeviceEvent[]) => events.map((e) => e.seq);

describe('UploadSession', () => {
  it('connects, says Hello, sends the batch, consumes only on the Ack, sends a heartbeat, sleeps', () => {
    const t = setup(3);
    t.ackAll();
    let countAtPuback = -1;
    const cloud = t.link.cloud;
    t.link.cloud = (m) => {
      if (m.kind === MessageKind.EventBatch) countAtPuback = t.log.stats().count; // PUBACK given, Ack not yet
      cloud(m);
    };
    t.run();
    expect(t.results).toHaveLength(1);
    expect(t.results[0]).toMatchObject({ ok: true, helloSent: true, heartbeatSent: true, morePending: false });
    expect(t.link.published.map((m) => m.kind)).toEqual([MessageKind.Hello, MessageKind.EventBatch, MessageKind.Heartbeat]);
    const b = batches(t.link.published)[0];
    expect(seqs(b.events)).toEqual([1, 2, 3]);
    expect(b.events.map((e) => e.args[0])).toEqual([12, 13, 14]);
    expect(b.logTailSeq).toBe(b.events[0].seq);
    expect(countAtPuback).toBe(3); // PUBACK alone frees nothing
    expect(t.log.stats().count).toBe(0);
    expect(t.emitted).toContainEqual({ type: 'EVENTS_ACKED', ackSeq: b.events[2].seq });
    expect(t.heartbeats()).toBe(1);
    expect(t.link.sleeps).toBe(1);
    expect(t.counters.bytesTx).toBe(t.link.publishedBytes.reduce((a, x) => a + x, 0));
  });

  it('keeps everything when the Ack never comes and counts the ack timeout', () => {
    const t = setup(2, { ackTimeoutMs: 30000 });
    t.run();
    expect(t.results[0]).toMatchObject({ ok: false, reason: 'ack_timeout', morePending: true });
    expect(t.log.stats().count).toBe(2);
    expect(t.counters.ackTimeouts).toBe(1);
    expect(t.link.sleeps).toBe(1);
  });

  it('resends unacknowledged events after a reconnect, without a second Hello', () => {
    const t = setup(2);
    let first = true;
    t.link.cloud = (m) => {
      if (m.kind !== MessageKind.EventBatch) return;
      if (first) {
        first = false;
        t.timers.setTimeout(() => t.session.linkLost(), 100); // link dropped before the Ack
        return;
      }
      t.down({ kind: MessageKind.Ack, serial: SERIAL, ackSeq: m.events[m.events.length - 1].seq });
    };
    t.run();
    expect(t.results[0]).toMatchObject({ ok: true });
    expect(t.link.connects).toBe(2);
    const bs = batches(t.link.published);
    expect(bs).toHaveLength(2);
    expect(seqs(bs[1].events)).toEqual(seqs(bs[0].events));
    expect(t.link.published.filter((m) => m.kind === MessageKind.Hello)).toHaveLength(1);
    expect(t.log.stats().count).toBe(0);
  });

  it('a failed publish reconnects and resends', () => {
    const t = setup(1);
    t.ackAll();
    t.link.cloud = ((orig) => (m: UplinkMessage) => orig(m))(t.link.cloud);
    let n = 0;
    const publish = t.link.publish.bind(t.link);
    t.link.publish = (topic, payload, done) => {
      if (++n === 2) t.link.failNextPublish = true; // the first batch
      publish(topic, payload, done);
    };
    t.run();
    expect(t.results[0]).toMatchObject({ ok: true });
    expect(t.link.connects).toBe(2);
    expect(batches(t.link.published)).toHaveLength(2);
    expect(t.log.stats().count).toBe(0);
  });

  it('splits a long queue into batches of at most 1 KiB, each acked before the next', () => {
    const t = setup(300, { maxBatchBytes: 1024, maxBatchEvents: 256 });
    t.ackAll();
    t.run();
    expect(t.results[0]).toMatchObject({ ok: true, morePending: false });
    const bs = batches(t.link.published);
    expect(bs.length).toBeGreaterThan(1);
    const sizes = t.link.published.map((m, i) => [m.kind, t.link.publishedBytes[i]] as const).filter(([k]) => k === MessageKind.EventBatch);
    for (const [, size] of sizes) expect(size).toBeLessThanOrEqual(1024);
    expect(bs.flatMap((b) => seqs(b.events))).toEqual(Array.from({ length: 300 }, (_, i) => bs[0].events[0].seq + i));
    expect(t.log.stats().count).toBe(0);
  });

  it('sends an empty batch when nothing is queued and does not fail without an Ack', () => {
    const t = setup(0, {}, false);
    t.run();
    expect(t.results[0]).toMatchObject({ ok: true, helloSent: false, heartbeatSent: true });
    expect(batches(t.link.published)[0].events).toEqual([]);
    expect(t.counters.ackTimeouts).toBe(0);
  });

  it('a partial Ack consumes only through ackSeq and stops sending batches', () => {
    const t = setup(4);
    t.link.cloud = (m) => {
      if (m.kind === MessageKind.EventBatch) t.down({ kind: MessageKind.Ack, serial: SERIAL, ackSeq: m.events[1].seq });
    };
    t.run();
    expect(t.results[0]).toMatchObject({ ok: true, morePending: false });
    expect(t.log.stats().count).toBe(2);
    expect(batches(t.link.published)).toHaveLength(1);
  });

  it('takes cloud time only when it has no better source, and waits for an announced Config', () => {
    const t = setup(1);
    t.ackAll({ serverUnixS: 1790000000, configVersion: 3 });
    const cloud = t.link.cloud;
    t.link.cloud = (m) => {
      cloud(m);
      if (m.kind === MessageKind.Heartbeat)
        t.timers.setTimeout(() => {
          t.down({
            kind: MessageKind.Config,
            serial: SERIAL,
            configVersion: 3,
            reminderMinutes: [480],
            utcOffsetMin: -300,
            reminderGraceMin: 15,
            reminderWindowMin: 120,
            heartbeatIntervalS: 86400,
            uploadCoalesceS: 300,
            lidDebounceMs: 50,
            lidLeftOpenS: 600,
          });
        }, 2000);
    };
    t.run();
    expect(t.results[0]).toMatchObject({ ok: true });
    expect(t.wallSets).toEqual([[1790000000, TimeSource.Cloud]]);
    const cfg = t.emitted.find((m) => m.type === 'CONFIG_RECEIVED') as { config: { configVersion: number } } | undefined;
    expect(cfg?.config.configVersion).toBe(3);
  });

  it('answers commands with a CommandResult and reports reboot / upload-now', () => {
    const t = setup(1);
    t.ackAll();
    const cloud = t.link.cloud;
    t.link.cloud = (m) => {
      cloud(m);
      if (m.kind === MessageKind.Hello) {
        t.down({ kind: MessageKind.Command, serial: SERIAL, commandId: 11, code: CommandCode.Ping });
        t.down({ kind: MessageKind.Command, serial: SERIAL, commandId: 12, code: CommandCode.Reboot });
        t.down({ kind: MessageKind.Command, serial: SERIAL, commandId: 13, code: CommandCode.UploadNow });
      }
    };
    t.run();
    const results = t.link.published.filter((m) => m.kind === MessageKind.CommandResult) as Extract<UplinkMessage, { kind: 4 }>[];
    expect(results.map((r) => [r.commandId, r.status])).toEqual([
      [11, 0],
      [12, 0],
      [13, 0],
    ]);
    expect(t.results[0]).toMatchObject({ ok: true, reboot: true, again: true });
    expect(t.emitted.filter((m) => m.type === 'COMMAND_RECEIVED')).toHaveLength(3);
  });

  it('ignores garbage and foreign downlinks', () => {
    const t = setup(1);
    t.ackAll();
    t.session.downlink(new Uint8Array([0xff, 0x00, 0x13]));
    t.session.downlink(encodeDownlink({ kind: MessageKind.Ack, serial: 'OTHER-1', ackSeq: 99 }));
    expect(t.log.stats().count).toBe(1);
    t.run();
    expect(t.results[0]).toMatchObject({ ok: true });
  });

  it('aborts and powers down when the radio-on budget runs out', () => {
    const t = setup(1, { budgetMs: 5000 });
    t.link.connect = () => undefined; // never connects
    t.run(10000);
    expect(t.results[0]).toMatchObject({ ok: false, reason: 'budget' });
    expect(t.link.aborts).toBe(1);
  });

  it('gives up after the reconnect limit, and at once when the link asks for backoff', () => {
    const t = setup(1, { maxReconnects: 1 });
    t.link.cloud = (m) => {
      if (m.kind === MessageKind.EventBatch) t.timers.setTimeout(() => t.session.linkLost(), 10);
    };
    t.run();
    expect(t.results[0]).toMatchObject({ ok: false, reason: 'link_lost' });
    expect(t.link.connects).toBe(2);

    const u = setup(1);
    u.link.cloud = (m) => {
      if (m.kind === MessageKind.EventBatch) {
        u.link.backoffHint = true;
        u.timers.setTimeout(() => u.session.linkLost(), 10);
      }
    };
    u.run();
    expect(u.results[0]).toMatchObject({ ok: false, reason: 'link_lost', backoffHint: true });
    expect(u.link.connects).toBe(1);
  });

  it('a failed connect ends the session with the supervisor reason', () => {
    const t = setup(1);
    t.link.connectFailures = ['registration_timeout'];
    t.run();
    expect(t.results[0]).toMatchObject({ ok: false, reason: 'registration_timeout', morePending: true });
  });
});

describe('UploadSession malformed records', () => {
  it('skips a record that cannot be encoded instead of blocking the queue', () => {
    const t = setup(0);
    t.log.append({ kind: EventKind.LidOpened, boot: 1, uptimeS: 10, args: [5] });
    t.log.append({ kind: EventKind.Symptom, boot: 1, uptimeS: 20, args: [9] }); // pattern 9 is outside 1..3
    t.log.append({ kind: EventKind.LidOpened, boot: 1, uptimeS: 30, args: [6] });
    t.ackAll();
    t.run();
    const sent = batches(t.link.published).flatMap((b) => seqs(b.events));
    expect(t.results[0]).toMatchObject({ ok: true });
    expect(sent).toEqual([1, 3]);
    expect(t.counters.malformedSkipped).toBe(1);
    expect(t.log.stats().count).toBe(0);
  });
});
