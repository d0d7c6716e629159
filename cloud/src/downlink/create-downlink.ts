/** Chooses the downlink from configuration: MQTT on the given connection (default) or AWS IoT Core. */
import type { MqttClient } from 'mqtt';
import { AwsIotDownlink, type AwsIotDownlinkOptions } from './aws-iot-downlink.ts';
import type { Downlink } from './downlink.ts';
import { MqttDownlink } from './mqtt-downlink.ts';

export type DownlinkConfig = { kind: 'mqtt' } | ({ kind: 'aws-iot' } & AwsIotDownlinkOptions);

export function createDownlink(config: DownlinkConfig, mqttClient?: MqttClient): Downlink {
  if (config.kind === 'aws-iot') return new AwsIotDownlink(config);
  if (!mqttClient) throw new Error('the MQTT downlink needs the broker connection');
  return new MqttDownlink(mqttClient);
}
