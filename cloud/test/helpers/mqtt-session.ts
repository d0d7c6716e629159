/** Removes a persistent MQTT session left by a test ingestor (so a real broker does not queue for it forever). */
import mqtt from 'mqtt';

export async function clearMqttSession(url: string, clientId: string): Promise<void> {
  try {
    const client = await mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 0, connectTimeout: 5000 });
    await client.endAsync();
  } catch {
    // best effort
  }
}
