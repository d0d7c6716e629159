/**
 * Downlink: how the cloud reaches a cap on `pillcap/v1/{serial}/down`. Two implementations, chosen by
 * configuration (create-downlink.ts): MQTT publish on the ingestor's broker connection (default) and AWS IoT
 * Core through the IoT data plane (Publish for acks and commands, UpdateThingShadow for desired config).
 */
import type { DeviceConfig, DownlinkMessage } from '../../../protocol/src/messages.ts';

export interface Downlink {
  /** Sends an Ack, Config or Command to the cap (QoS 1). Resolves once the broker/service accepted it. */
  publish(serial: string, message: DownlinkMessage): Promise<void>;
  /** Records the config the cloud wants the cap to run (retained Config on MQTT; the shadow on AWS IoT). */
  updateDesiredConfig?(serial: string, config: DeviceConfig): Promise<void>;
  close?(): Promise<void>;
}

export class DownlinkError extends Error {
  override readonly name = 'DownlinkError';
  constructor(
    message: string,
    readonly serial: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
