/**
 * Holds an MQTT client's PUBACKs until the application says the message is safe (stored), without blocking
 * the client's packet loop.
 *
 * mqtt.js sends a QoS 1 PUBACK when `handleMessage`'s callback is called and, until then, processes no
 * further incoming packet. Calling the callback at once keeps packets flowing; this gate intercepts the
 * resulting PUBACK in `_sendPacket` (mqtt.js 5.x, pinned in package.json) and writes it only when
 * `hold(packet)`'s release function runs. PUBACKs still held when the connection drops are discarded: the
 * broker redelivers those messages to the session, and storing one twice is harmless downstream.
 */
import type { IPublishPacket, MqttClient, Packet } from 'mqtt';

type SendPacket = (packet: Packet, cb?: (error?: Error) => void, ...rest: unknown[]) => void;

interface Entry {
  ready: boolean;
  send?: () => void;
}

export class PubackGate {
  private entries = new Map<number, Entry>();

  constructor(client: MqttClient) {
    const target = client as unknown as { _sendPacket: SendPacket };
    const original = target._sendPacket.bind(client) as SendPacket;
    target._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) {
        const entries = this.entries;
        const entry = entries.get(packet.messageId);
        if (entry && !entry.ready) {
          entry.send = () => {
            if (this.entries === entries) original(packet, undefined, ...rest);
          };
          // mqtt.js continues with its next packet as if the PUBACK had been written.
          if (cb) queueMicrotask(() => cb());
          return;
        }
        if (entry) entries.delete(packet.messageId);
      }
      original(packet, cb, ...rest);
    };
  }

  /** Registers a QoS 1 PUBLISH; returns the function that lets its PUBACK go (undefined for QoS 0). */
  hold(packet: IPublishPacket): (() => void) | undefined {
    if (packet.qos !== 1 || packet.messageId === undefined) return undefined;
    const id = packet.messageId;
    const entries = this.entries;
    const entry: Entry = { ready: false };
    entries.set(id, entry);
    return () => {
      if (entry.ready) return;
      entry.ready = true;
      if (entries.get(id) === entry) {
        if (entry.send) {
          entries.delete(id);
          entry.send();
        }
      }
    };
  }

  /** A new connection: held PUBACKs belong to the old one and must never be sent. */
  reset(): void {
    this.entries = new Map();
  }
}
