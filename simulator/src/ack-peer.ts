/**
 * A small acknowledging peer: stands in for the cloud so firmware and simulator work need no database.
 *
 * Subscribes to pillcap/v1/+/up, decodes each uplink with the cloud codec, keeps every device's received
 * sequence numbers, and answers an EventBatch (by default also Hello and Heartbeat, see `ackKinds`) with an
 * Ack on pillcap/v1/{serial}/down carrying the highest seq it holds contiguously from the batch's
 * logTailSeq. Duplicates are counted at the application level (an event seq seen before), so tests can
 * assert "every event arrived, none twice" on `events`/`duplicates`.
 *
 * Uplinks that fail to decode, or whose payload serial differs from the topic, are counted and never acked.
 */
import mqtt from 'mqtt';
import { decodeUplink } from '../../protocol/src/cloud-codec.ts';
import { encodeDownlink } from '../../protocol/src/device-codec.ts';
import { MessageKind, downlinkTopic, type DeviceEvent } from '../../protocol/src/messages.ts';
import { batchGaps, contiguousAck } from '../../protocol/src/ack.ts';

export interface AckPeerOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 (`brokerUrl` is accepted as an alias). */
  url?: string;
  brokerUrl?: string;
  clientId?: string;
  /** Uplink kinds answered with an Ack; default EventBatch only (the device waits for it before freeing). */
  ackKinds?: number[];
  /** Wall time put in Ack.serverUnixS (e.g. the simulation's virtual wall clock); omitted when absent. */
  serverUnixS?: () => number;
  /** Only answer these devices (several peers may share a real broker in CI); default: all. */
  acceptSerial?: (serial: string) => boolean;
  log?: (line: string) => void;
}

export interface DevicePeerState {
  /** Distinct event seqs received. */
  seqs: Set<number>;
  /** Every distinct event, in arrival order. */
  events: DeviceEvent[];
  /** Highest seq held contiguously (what the last Ack said). */
  contiguous: number;
  /** Seqs the device dropped for good (gaps inside a batch, docs/protocol.md §5.1). */
  lost: Set<number>;
  /** Events received again (same seq): the device resent after a lost acknowledgement. */
  duplicates: number;
  uplinks: number;
  /** Device clock (boot, uptime) of every decoded uplink, in arrival order: groups uplinks into sessions. */
  sends: { kind: number; boot: number; uptimeS: number; bytes: number }[];
  batches: number;
  heartbeats: number;
  hellos: number;
  acksSent: number;
}

export interface AckPeerStats {
  uplinks: number;
  decodeErrors: number;
  serialMismatches: number;
  events: number;
  duplicates: number;
  acksSent: number;
  devices: number;
}

export interface AckPeer {
  close(): Promise<void>;
  stats(): AckPeerStats;
  device(serial: string): DevicePeerState | undefined;
  /** Distinct events received from a device (undefined when never heard from). */
  uploadedFor(serial: string): number | undefined;
  /** Resolves once the subscription is in place (startAckPeer already awaits it). */
  readonly url: string;
}

const UP_FILTER = 'pillcap/v1/+/up';

export async function startAckPeer(options: AckPeerOptions): Promise<AckPeer> {
  const url = options.url ?? options.brokerUrl;
  if (!url) throw new TypeError('startAckPeer: url (or brokerUrl) is required');
  const ackKinds = new Set(options.ackKinds ?? [MessageKind.EventBatch]);
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    clientId: options.clientId ?? `pillcap-ack-peer-${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`,
    clean: true,
    reconnectPeriod: 1_000,
  });
  // Acks are tiny packets: disable Nagle so each one leaves at once (the emulator holds virtual time for it).
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  client.on('connect', () => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true));
  const devices = new Map<string, DevicePeerState>();
  const totals = { uplinks: 0, decodeErrors: 0, serialMismatches: 0 };

  const stateOf = (serial: string): DevicePeerState => {
    let s = devices.get(serial);
    if (!s) {
      s = { seqs: new Set(), lost: new Set(), events: [], contiguous: 0, duplicates: 0, uplinks: 0, sends: [], batches: 0, heartbeats: 0, hellos: 0, acksSent: 0 };
      devices.set(serial, s);
    }
    return s;
  };

  client.on('message', (topic, payload) => {
    const topicSerial = topic.split('/')[2] ?? '';
    if (options.acceptSerial && !options.acceptSerial(topicSerial)) return;
    totals.uplinks++;
    let msg;
    try {
      msg = decodeUplink(new Uint8Array(payload));
    } catch (err) {
      totals.decodeErrors++;
      options.log?.(`ack-peer: undecodable uplink on ${topic}: ${(err as Error).message}`);
      return;
    }
    if (msg.serial !== topicSerial) {
      totals.serialMismatches++;
      options.log?.(`ack-peer: serial ${msg.serial} on topic of ${topicSerial}`);
      return;
    }
    const s = stateOf(msg.serial);
    s.uplinks++;
    const anchor = 'anchors' in msg ? msg.anchors[0] : 'anchor' in msg ? msg.anchor : undefined;
    if (anchor) s.sends.push({ kind: msg.kind, boot: anchor.boot, uptimeS: anchor.uptimeS, bytes: payload.length });
    if (msg.kind === MessageKind.EventBatch) {
      s.batches++;
      for (const e of msg.events) {
        if (s.seqs.has(e.seq)) s.duplicates++;
        else {
          s.seqs.add(e.seq);
          s.events.push(e);
        }
      }
      // Seqs missing between events of one batch were dropped on the device and never come: without
      // counting them, a log with a dropped diagnostic in the middle would never be acked past it.
      for (const gap of batchGaps(msg.events)) for (let seq = gap.from; seq <= gap.to; seq++) s.lost.add(seq);
      s.contiguous = contiguousAck(msg.logTailSeq, s.contiguous, (seq) => s.seqs.has(seq) || s.lost.has(seq));
    } else if (msg.kind === MessageKind.Heartbeat) s.heartbeats++;
    else if (msg.kind === MessageKind.Hello) s.hellos++;
    if (!ackKinds.has(msg.kind)) return;
    const ack = encodeDownlink({
      kind: MessageKind.Ack,
      serial: msg.serial,
      ackSeq: s.contiguous,
      ...(options.serverUnixS ? { serverUnixS: Math.floor(options.serverUnixS()) } : {}),
    });
    s.acksSent++;
    client.publish(downlinkTopic(msg.serial), Buffer.from(ack), { qos: 1 });
  });
  await client.subscribeAsync(UP_FILTER, { qos: 1 });

  return {
    url,
    close: async () => {
      await client.endAsync();
    },
    stats: () => {
      let events = 0;
      let duplicates = 0;
      let acksSent = 0;
      for (const s of devices.values()) {
        events += s.seqs.size;
        duplicates += s.duplicates;
        acksSent += s.acksSent;
      }
      return { ...totals, events, duplicates, acksSent, devices: devices.size };
    },
    device: (serial) => devices.get(serial),
    uploadedFor: (serial) => devices.get(serial)?.seqs.size,
  };
}
