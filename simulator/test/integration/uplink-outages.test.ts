/**
 * End to end over a real broker (embedded Aedes, or the machine's Mosquitto when MQTT_URL is set):
 * a scripted device uploads through the BG95 emulator to the acknowledging peer for 30 virtual days with
 * outages up to 7 days, dropped connections, lost acknowledgements (PUBACK and downlink), a broker outage,
 * a denied registration and a hung modem. Every event must arrive, none twice at the application level.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { AtScript } from '../../src/modem/at-script.ts';
import { ScriptedDevice, EventKind } from '../../src/modem/scripted-device.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/broker.ts';
import { startAckPeer, type AckPeer } from '../../src/ack-peer.ts';
import type { NetworkConditionsInput } from '../../src/modem/network-conditions.ts';

const DAY = 86_400_000;
const H = 3_600_000;
const run = `${process.pid.toString(36).toUpperCase()}${Date.now().toString(36).toUpperCase().slice(-4)}`;
const serial = `E2E-${run}`;

let broker: EmbeddedBroker | undefined;
let url: string;
let peer: AckPeer;

beforeAll(async () => {
  if (process.env.MQTT_URL) url = process.env.MQTT_URL;
  else {
    broker = await startEmbeddedBroker();
    url = broker.url;
  }
  peer = await startAckPeer({ url, acceptSerial: (s) => s === serial });
});
afterAll(async () => {
  await peer.close();
  await broker?.close();
});

const conditions: NetworkConditionsInput = {
  coverage: [
    { fromMs: 0, rsrpDbm: -92 },
    { fromMs: 3 * DAY, rsrpDbm: -150 }, // 1-day outage
    { fromMs: 4 * DAY, rsrpDbm: -92 },
    { fromMs: 10 * DAY, rsrpDbm: -150 }, // 7-day outage
    { fromMs: 17 * DAY, rsrpDbm: -119 }, // poor coverage afterwards (CE level 2)
    { fromMs: 20 * DAY, rsrpDbm: -92 },
  ],
  drops: [
    { atMs: 6 * DAY + 8 * H + 65_000, code: 1 }, // during the 08:01 session
    { atMs: 7 * DAY + 2 * H, code: 7 }, // between sessions: strikes the next publish
  ],
  lostAcks: [
    { atMs: 5 * DAY, kind: 'puback' },
    { atMs: 8 * DAY, kind: 'downlink' },
    { atMs: 21 * DAY, kind: 'downlink' },
    { atMs: 21.5 * DAY, kind: 'puback' },
  ],
  hangs: [{ atMs: 22 * DAY + 9 * H }],
  brokerDown: [{ fromMs: 25 * DAY + 6 * H, toMs: 25 * DAY + 12 * H }],
  denied: [{ fromMs: 27 * DAY + 7 * H, toMs: 27 * DAY + 9 * H }],
  slowAttach: [{ fromMs: 18 * DAY, toMs: 19 * DAY, attachMs: 90_000 }],
};

describe('uplink end to end through the BG95 emulator', () => {
  it('delivers every event exactly once at the application level across 30 days of faults', async () => {
    const at = new AtScript({ brokerUrl: url, identitySeed: serial, conditions });
    const device = new ScriptedDevice(at, serial);
    // Doses at 08:00 and 20:00, a symptom report every third day at 13:00.
    const due: { atMs: number; kind: number; arg: number }[] = [];
    for (let d = 0; d < 30; d++) {
      due.push({ atMs: d * DAY + 8 * H, kind: EventKind.LidOpened, arg: 20 }, { atMs: d * DAY + 20 * H, kind: EventKind.LidOpened, arg: 35 });
      if (d % 3 === 0) due.push({ atMs: d * DAY + 13 * H, kind: EventKind.Symptom, arg: 2 });
    }
    due.sort((a, b) => a.atMs - b.atMs);
    let nextAttempt = Infinity;
    let backoff = 15 * 60_000;
    let jitter = 1;
    while (due.length > 0 || (device.log.length > 0 && at.time.now() < 32 * DAY)) {
      const next = Math.min(due[0]?.atMs ?? Infinity, nextAttempt);
      if (next > at.time.now()) await at.time.run(next);
      while (due.length > 0 && due[0].atMs <= at.time.now()) {
        const e = due.shift()!;
        device.record(e.kind, e.arg);
        if (nextAttempt === Infinity) nextAttempt = at.time.now() + 60_000; // coalesce after a lid closes
      }
      if (at.time.now() >= nextAttempt) {
        const ok = await device.session();
        if (ok && device.log.length === 0) {
          nextAttempt = Infinity;
          backoff = 15 * 60_000;
        } else {
          jitter = (jitter * 7919) % 101; // deterministic jitter, 0..100 %
          nextAttempt = at.time.now() + backoff * (1 + jitter / 100);
          backoff = Math.min(backoff * 2, 6 * H);
        }
      }
    }
    const recorded = device.nextSeq - 1;
    const state = peer.device(serial)!;
    expect(device.log).toEqual([]);
    expect(state.events.map((e) => e.seq)).toEqual(Array.from({ length: recorded }, (_, i) => i + 1));
    expect(state.contiguous).toBe(recorded);
    // The faults really happened: resends were seen (and deduplicated), links dropped, the modem hung.
    const stats = at.modem.stats();
    expect(state.duplicates).toBeGreaterThan(0);
    expect(stats.pubacksLost).toBe(2);
    expect(stats.downlinksLost).toBeGreaterThanOrEqual(2);
    expect(stats.qmtstat).toBeGreaterThanOrEqual(2);
    expect(stats.hangs).toBe(1);
    expect(device.sessions.powerCycles).toBeGreaterThan(0);
    expect(device.failures.some((f) => f.includes('registration denied'))).toBe(true);
    expect(device.failures.some((f) => f.includes('+QMTOPEN: 0,-1'))).toBe(true);
    expect(device.failures.some((f) => f.includes('registration timeout'))).toBe(true);
    await at.modem.close();
  });
});
