/** Downlink over an MQTT connection: CBOR bytes from the protocol's encodeDownlink on the down topic. */
import type { MqttClient } from 'mqtt';
import { encodeDownlink } from '../../../protocol/src/device-codec.ts';
import { downlinkTopic, MessageKind, type DeviceConfig, type DownlinkMessage } from '../../../protocol/src/messages.ts';
import { DownlinkError, type Downlink } from './downlink.ts';

export class MqttDownlink implements Downlink {
  constructor(
    private readonly client: MqttClient,
    private readonly options: { qos?: 0 | 1 } = {},
  ) {}

  async publish(serial: string, message: DownlinkMessage): Promise<void> {
    if (message.serial !== serial) throw new DownlinkError(`message serial ${message.serial} differs from ${serial}`, serial);
    const payload = Buffer.from(encodeDownlink(message));
    try {
      await this.client.publishAsync(downlinkTopic(serial), payload, { qos: this.options.qos ?? 1 });
    } catch (error) {
      throw new DownlinkError(`publish to ${downlinkTopic(serial)} failed: ${(error as Error).message}`, serial, error);
    }
  }

  /** A retained Config: the cap receives the latest one whenever it (re)subscribes. */
  async updateDesiredConfig(serial: string, config: DeviceConfig): Promise<void> {
    const payload = Buffer.from(encodeDownlink({ ...config, kind: MessageKind.Config, serial }));
    try {
      await this.client.publishAsync(downlinkTopic(serial), payload, { qos: this.options.qos ?? 1, retain: true });
    } catch (error) {
      throw new DownlinkError(`config publish to ${downlinkTopic(serial)} failed: ${(error as Error).message}`, serial, error);
    }
  }
}
