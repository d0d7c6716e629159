import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/broker.ts';
import { startAckPeer, type AckPeer } from '../../src/ack-peer.ts';
import { encodeUplink, decodeDownlink } from '../../../protocol/src/device-codec.ts';
import { MessageKind, EventKind, type DeviceEvent } from '../../../protocol/src/messages.ts';

let broker: EmbeddedBroker;
let peer: AckPeer;
let device: mqtt.MqttClient;
const acks: { topic: string; ackSeq: number }[] = [];

beforeAll(async () => {
  broker = await startEmbeddedBroker();
  peer = await startAckPeer({ url: broker.url, serverUnixS: () => 1_800_000_000 });
  device = await mqtt.connectAsync(broker.url, { clientId: 'ack-peer-test' });
  await device.subscribeAsync('pillcap/v1/+/down', { qos: 1 });
  device.on('message', (topic, payload) => {
    const msg = decodeDownlink(new Uint8Array(payload));
    if (msg.kind === MessageKind.Ack) acks.push({ topic, ackSeq: msg.ackSeq });
  });
});
afterAll(async () => {
  await device.endAsync();
  await peer.close();
  await broker.close();
});

const ev = (seq: number): DeviceEvent => ({ seq, boot: 1, uptimeS: seq * 10, kind: EventKind.LidOpened, args: [5] });
const batch = (serial: string, logTailSeq: number, seqs: number[]): Buffer =>
  Buffer.from(encodeUplink({ kind: MessageKind.EventBatch, serial, logTailSeq, droppedTotal: 0, anchors: [{ boot: 1, uptimeS: 100, unixS: null, source: 0 }], events: seqs.map(ev) }));

async function send(topic: string, payload: Buffer, expectAcks: number): Promise<void> {
  await device.publishAsync(topic, payload, { qos: 1 });
  const deadline = Date.now() + 3_000;
  while (acks.length < expectAcks && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('ack peer', () => {
  it('acks the highest contiguous seq, counts duplicates, and never acks garbage or a wrong serial', async () => {
    await send('pillcap/v1/PEER-1/up', batch('PEER-1', 1, [1, 2, 3]), 1);
    expect(acks.at(-1)).toEqual({ topic: 'pillcap/v1/PEER-1/down', ackSeq: 3 });
    await send('pillcap/v1/PEER-1/up', batch('PEER-1', 1, [5, 6]), 2); // gap at 4
    expect(acks.at(-1)?.ackSeq).toBe(3);
    await send('pillcap/v1/PEER-1/up', batch('PEER-1', 4, [4, 5]), 3); // resend: 5 is a duplicate
    expect(acks.at(-1)?.ackSeq).toBe(6);
    await send('pillcap/v1/PEER-2/up', batch('PEER-2', 40, [40]), 4); // older events acked/gone on device
    expect(acks.at(-1)).toEqual({ topic: 'pillcap/v1/PEER-2/down', ackSeq: 40 });
    await device.publishAsync('pillcap/v1/PEER-3/up', Buffer.from([0xff, 0x00]), { qos: 1 });
    await device.publishAsync('pillcap/v1/PEER-3/up', batch('PEER-4', 1, [1]), { qos: 1 });
    await send('pillcap/v1/PEER-5/up', batch('PEER-5', 1, [1]), 5); // in order behind the two bad ones
    expect(acks.map((a) => a.topic.split('/')[2])).toEqual(['PEER-1', 'PEER-1', 'PEER-1', 'PEER-2', 'PEER-5']);
    const s = peer.stats();
    expect(s).toMatchObject({ decodeErrors: 1, serialMismatches: 1, duplicates: 1, acksSent: 5 });
    expect(peer.device('PEER-1')?.events.map((e) => e.seq)).toEqual([1, 2, 3, 5, 6, 4]);
    expect(peer.uploadedFor('PEER-1')).toBe(6);
    expect(peer.uploadedFor('NOBODY')).toBeUndefined();
  });

  it('acks past a gap inside one batch: the device dropped those events and they never come', async () => {
    const before = acks.length;
    await send('pillcap/v1/PEER-6/up', batch('PEER-6', 1, [1, 2, 5, 6]), before + 1); // 3 and 4 dropped on the device
    expect(acks.at(-1)).toEqual({ topic: 'pillcap/v1/PEER-6/down', ackSeq: 6 });
    expect([...(peer.device('PEER-6')?.lost ?? [])]).toEqual([3, 4]);
    await send('pillcap/v1/PEER-6/up', batch('PEER-6', 7, [9]), before + 2); // 7-8 may still be in flight: not lost
    expect(acks.at(-1)?.ackSeq).toBe(6);
  });
});
