/**
 * Downlink through AWS IoT Core's data plane: Publish (binary CBOR, QoS 1) on the down topic for acks and
 * commands, UpdateThingShadow with `state.desired` for the config. The thing name is the serial (with an
 * optional prefix). Credentials and region come from the standard AWS provider chain unless given.
 *
 * The cap listens on its down topic only (CBOR, docs/protocol.md), never on shadow topics (JSON), so the config
 * is also published there, retained, exactly as the MQTT downlink does: the shadow is the desired state other
 * AWS tools see, the retained message is what the cap gets at its next session.
 */
import { IoTDataPlaneClient, PublishCommand, UpdateThingShadowCommand, type IoTDataPlaneClientConfig } from '@aws-sdk/client-iot-data-plane';
import { encodeDownlink } from '../../../protocol/src/device-codec.ts';
import { downlinkTopic, MessageKind, type DeviceConfig, type DownlinkMessage } from '../../../protocol/src/messages.ts';
import { DownlinkError, type Downlink } from './downlink.ts';

export interface AwsIotDownlinkOptions {
  /** The account's data endpoint, e.g. https://xxxx-ats.iot.eu-west-1.amazonaws.com */
  endpoint?: string;
  region?: string;
  credentials?: IoTDataPlaneClientConfig['credentials'];
  thingNamePrefix?: string;
  /** Named shadow for the config; the classic shadow when absent. */
  shadowName?: string;
  /** Inject a client (tests). */
  client?: IoTDataPlaneClient;
}

export class AwsIotDownlink implements Downlink {
  private readonly client: IoTDataPlaneClient;

  constructor(private readonly options: AwsIotDownlinkOptions = {}) {
    this.client =
      options.client ??
      new IoTDataPlaneClient({
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.region ? { region: options.region } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        maxAttempts: 3,
      });
  }

  async publish(serial: string, message: DownlinkMessage): Promise<void> {
    if (message.serial !== serial) throw new DownlinkError(`message serial ${message.serial} differs from ${serial}`, serial);
    try {
      await this.client.send(new PublishCommand({ topic: downlinkTopic(serial), qos: 1, payload: encodeDownlink(message), payloadFormatIndicator: 'UNSPECIFIED_BYTES' }));
    } catch (error) {
      throw new DownlinkError(`AWS IoT publish for ${serial} failed: ${(error as Error).message}`, serial, error);
    }
  }

  async updateDesiredConfig(serial: string, config: DeviceConfig): Promise<void> {
    const body = JSON.stringify({ state: { desired: { config } } });
    try {
      await this.client.send(
        new UpdateThingShadowCommand({
          thingName: `${this.options.thingNamePrefix ?? ''}${serial}`,
          ...(this.options.shadowName ? { shadowName: this.options.shadowName } : {}),
          payload: new TextEncoder().encode(body),
        }),
      );
    } catch (error) {
      throw new DownlinkError(`AWS IoT shadow update for ${serial} failed: ${(error as Error).message}`, serial, error);
    }
    const message: DownlinkMessage = { ...config, kind: MessageKind.Config, serial };
    try {
      await this.client.send(
        new PublishCommand({ topic: downlinkTopic(serial), qos: 1, retain: true, payload: encodeDownlink(message), payloadFormatIndicator: 'UNSPECIFIED_BYTES' }),
      );
    } catch (error) {
      throw new DownlinkError(`AWS IoT retained config publish for ${serial} failed: ${(error as Error).message}`, serial, error);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
