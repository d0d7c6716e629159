/**
 * The real firmware (F1's app + F2's connectivity, run by S1's simulator) through the BG95 emulator over a
 * real broker (embedded Aedes, or the machine's Mosquitto when MQTT_URL is set) to the acknowledging peer,
 * for the 30-day `outages` scenario: gaps of up to 7 days, registration denied, broker down, dropped
 * connections, lost PUBACKs and downlinks, and a modem that hangs twice. Every event must arrive, none may
 * be lost, and resends must be visible only as duplicates the cloud side recognises.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { simulateFleet } from '../../src/simulate.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/broker.ts';
import { startAckPeer, type AckPeer } from '../../src/ack-peer.ts';

const prefix = `FW-${process.pid.toString(36).toUpperCase()}${Date.now().toString(36).toUpperCase().slice(-4)}-`;
let broker: EmbeddedBroker | undefined;
let url: string;
let peer: AckPeer;

beforeAll(async () => {
  if (process.env.MQTT_URL) url = process.env.MQTT_URL;
  else {
    broker = await startEmbeddedBroker();
    url = broker.url;
  }
  peer = await startAckPeer({ url, acceptSerial: (s) => s.startsWith(prefix) });
});
afterAll(async () => {
  await peer.close();
  await broker?.close();
});

describe('firmware uplink end to end', () => {
  it('delivers every event of 30 faulty days exactly once at the application level', async () => {
    const result = await simulateFleet({ scenario: 'outages', days: 30, seed: 11, caps: 2, broker: url, ackPeer: false, serialPrefix: prefix });
    let duplicates = 0;
    for (const cap of result.caps) {
      expect(cap.crashes).toBe(0);
      expect(cap.recorded).toBeGreaterThan(60);
      expect(cap.lost).toBe(0);
      expect(cap.dropped).toBe(0);
      expect(cap.pending).toBe(0);
      expect(cap.acknowledged).toBe(cap.recorded);
      const state = peer.device(cap.serial);
      expect(state).toBeDefined();
      const seqs = [...state!.seqs].sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: cap.recorded }, (_, i) => i + 1));
      expect(state!.events).toHaveLength(cap.recorded);
      expect(state!.contiguous).toBe(cap.recorded);
      duplicates += state!.duplicates;
      expect(cap.atCommands).toBeGreaterThan(0);
      expect(cap.chargeMah).toBeGreaterThan(0);
    }
    // Lost acknowledgements made the devices resend; the peer saw those events again and counted them once.
    expect(duplicates).toBeGreaterThan(0);
  });
});
