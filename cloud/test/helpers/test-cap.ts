/**
 * A minimal cap for ingest tests: publishes protocol uplinks (encoded with the device codec) on its up topic
 * and collects the Acks the cloud sends on its down topic.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { decodeDownlink, encodeUplink } from '../../../protocol/src/device-codec.ts';
import {
  downlinkTopic,
  MessageKind,
  uplinkTopic,
  type Ack,
  type DeviceEvent,
  type DownlinkMessage,
  type EventBatch,
  type TimeAnchor,
  type UplinkMessage,
} from '../../../protocol/src/messages.ts';
import { waitFor } from './wait-for.ts';

export class TestCap {
  readonly acks: Ack[] = [];
  readonly downlinks: DownlinkMessage[] = [];
  private constructor(
    readonly serial: string,
    readonly client: MqttClient,
  ) {}

  static async connect(url: string, serial: string): Promise<TestCap> {
    const client = await mqtt.connectAsync(url, { clientId: `cap-${serial}-${randomBytes(3).toString('hex')}`, clean: true, reconnectPeriod: 200 });
    const cap = new TestCap(serial, client);
    client.on('message', (_topic, payload) => {
      try {
        const message = decodeDownlink(new Uint8Array(payload));
        cap.downlinks.push(message);
        if (message.kind === MessageKind.Ack) cap.acks.push(message);
      } catch {
        // not for us
      }
    });
    await client.subscribeAsync(downlinkTopic(serial), { qos: 1 });
    return cap;
  }

  get maxAck(): number {
    return this.acks.reduce((max, a) => Math.max(max, a.ackSeq), -1);
  }

  async send(message: UplinkMessage): Promise<Uint8Array> {
    const bytes = encodeUplink(message);
    await this.client.publishAsync(uplinkTopic(this.serial), Buffer.from(bytes), { qos: 1 });
    return bytes;
  }

  async sendRaw(bytes: Uint8Array, topic = uplinkTopic(this.serial)): Promise<void> {
    await this.client.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
  }

  async waitForAck(seq: number, timeoutMs = 20_000): Promise<Ack> {
    await waitFor(() => this.maxAck >= seq, { timeoutMs, what: `ack ${seq} for ${this.serial} (have ${this.maxAck})` });
    return this.acks.find((a) => a.ackSeq >= seq)!;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Events seq from..to in one boot, one every `stepS` seconds of uptime, alternating lid openings and symptoms. */
export function makeEvents(from: number, to: number, options: { boot?: number; uptimeStartS?: number; stepS?: number; kind?: number } = {}): DeviceEvent[] {
  const events: DeviceEvent[] = [];
  for (let seq = from; seq <= to; seq++) {
    const i = seq - from;
    events.push({
      seq,
      boot: options.boot ?? 1,
      uptimeS: (options.uptimeStartS ?? 1000) + i * (options.stepS ?? 60),
      kind: (options.kind ?? 1) as DeviceEvent['kind'],
      args: [options.kind === 2 ? 1 : 30],
    });
  }
  return events;
}

export function makeBatch(serial: string, events: DeviceEvent[], options: { logTailSeq?: number; anchors?: TimeAnchor[]; droppedTotal?: number } = {}): EventBatch {
  const last = events[events.length - 1];
  return {
    kind: MessageKind.EventBatch,
    serial,
    logTailSeq: options.logTailSeq ?? events[0]?.seq ?? 1,
    droppedTotal: options.droppedTotal ?? 0,
    anchors: options.anchors ?? [{ boot: last?.boot ?? 1, uptimeS: (last?.uptimeS ?? 0) + 5, unixS: Math.floor(Date.now() / 1000), source: 1 }],
    events,
  };
}
