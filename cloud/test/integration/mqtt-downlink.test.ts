/** The MQTT downlink: acks and commands on the down topic; the desired config retained for late subscribers. */
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDownlink } from '../../../protocol/src/device-codec.ts';
import { downlinkTopic, MessageKind, type DeviceConfig, type DownlinkMessage } from '../../../protocol/src/messages.ts';
import { DownlinkError } from '../../src/downlink/downlink.ts';
import { MqttDownlink } from '../../src/downlink/mqtt-downlink.ts';
import { createDownlink } from '../../src/downlink/create-downlink.ts';
import { AwsIotDownlink } from '../../src/downlink/aws-iot-downlink.ts';
import { createTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { waitFor } from '../helpers/wait-for.ts';

const serial = `D${randomBytes(3).toString('hex').toUpperCase()}-1`;
let broker: TestBroker;
let cloud: MqttClient;

beforeAll(async () => {
  broker = await createTestBroker();
  cloud = await mqtt.connectAsync(broker.url, { clientId: `cloud-${serial}` });
});

afterAll(async () => {
  // Clear the retained config so a real broker does not keep it.
  await cloud?.publishAsync(downlinkTopic(serial), Buffer.alloc(0), { qos: 1, retain: true });
  await cloud?.endAsync();
  await broker?.close();
});

async function listen(): Promise<{ client: MqttClient; received: DownlinkMessage[] }> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `cap-${serial}-${randomBytes(2).toString('hex')}` });
  const received: DownlinkMessage[] = [];
  client.on('message', (_t, payload) => {
    if (payload.length > 0) received.push(decodeDownlink(new Uint8Array(payload)));
  });
  await client.subscribeAsync(downlinkTopic(serial), { qos: 1 });
  return { client, received };
}

describe('MQTT downlink', () => {
  it('publishes acks and commands as protocol CBOR on the down topic', async () => {
    const cap = await listen();
    const downlink = createDownlink({ kind: 'mqtt' }, cloud);
    expect(downlink).toBeInstanceOf(MqttDownlink);
    await downlink.publish(serial, { kind: MessageKind.Ack, serial, ackSeq: 42, serverUnixS: 1_760_000_000 });
    await downlink.publish(serial, { kind: MessageKind.Command, serial, commandId: 3, code: 2 });
    await waitFor(() => cap.received.length >= 2, { what: 'two downlinks' });
    expect(cap.received).toEqual([
      { kind: MessageKind.Ack, serial, ackSeq: 42, serverUnixS: 1_760_000_000 },
      { kind: MessageKind.Command, serial, commandId: 3, code: 2 },
    ]);
    await expect(downlink.publish(serial, { kind: MessageKind.Ack, serial: 'OTHER-1', ackSeq: 1 })).rejects.toBeInstanceOf(DownlinkError);
    await cap.client.endAsync();
  });

  it('retains the desired config so a cap that subscribes later receives it', async () => {
    const config: DeviceConfig = {
      configVersion: 7,
      reminderMinutes: [480],
      utcOffsetMin: 60,
      reminderGraceMin: 15,
      reminderWindowMin: 120,
      heartbeatIntervalS: 86400,
      uploadCoalesceS: 120,
      lidDebounceMs: 40,
      lidLeftOpenS: 300,
    };
    await new MqttDownlink(cloud).updateDesiredConfig(serial, config);
    const late = await listen();
    await waitFor(() => late.received.length >= 1, { what: 'retained config' });
    expect(late.received[0]).toEqual({ kind: MessageKind.Config, serial, ...config });
    await late.client.endAsync();
  });

  it('chooses AWS IoT by configuration', () => {
    expect(createDownlink({ kind: 'aws-iot', region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' })).toBeInstanceOf(AwsIotDownlink);
    expect(() => createDownlink({ kind: 'mqtt' })).toThrow(/broker connection/);
  });
});
