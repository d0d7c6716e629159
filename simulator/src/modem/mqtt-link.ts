/**
 * One emulated MQTT client index of the BG95, carried over a REAL connection to a real broker:
 * QMTOPEN opens the TCP socket, QMTCONN sends MQTT CONNECT (3.1.1 = protocolVersion 4) over that socket via
 * mqtt.js with a custom stream builder, so the two phases stay separate as on the module.
 *
 * TLS: the device configures SSL contexts, but the simulator talks plain TCP to the local broker; the
 * emulator only checks that the configured certificate files exist (see docs/simulator.md).
 */
import net from 'node:net';
import { MqttClient, type IClientOptions, type IPublishPacket } from 'mqtt';

export type LinkState = 'open' | 'connecting' | 'connected' | 'disconnecting';

export interface ConnectOptions {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveS: number;
  clean: boolean;
  protocolVersion: 3 | 4;
  will?: { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean };
}

/**
 * Every real operation is bounded in real time: virtual time is held while it runs, so an operation that
 * never settles (broker gone mid-flight, QoS 1 never acked) must not stall the whole simulation.
 */
export const REAL_OP_TIMEOUT_MS = 10_000;

function bounded<T>(promise: Promise<T>, what: string, ms = REAL_OP_TIMEOUT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export type ConnectResult = { kind: 'accepted' } | { kind: 'refused'; returnCode: number } | { kind: 'failed'; reason: string };

export class MqttLink {
  state: LinkState = 'open';
  /** Radio link lost: traffic goes nowhere until the link is declared dead. */
  stalled = false;
  private client: MqttClient | undefined;
  private waiters: { accept: (payload: Uint8Array) => boolean; resolve: () => void }[] = [];
  onMessage: ((topic: string, payload: Buffer, packet: IPublishPacket) => void) | undefined;
  /** The broker or the network closed the link while we did not ask for it. */
  onUnexpectedClose: (() => void) | undefined;
  private closing = false;

  private constructor(
    readonly host: string,
    readonly port: number,
    private socket: net.Socket,
  ) {
    socket.on('close', () => this.closedUnderUs());
    socket.on('error', () => undefined);
  }

  /** Open TCP to `target`; rejects on refusal or after `timeoutMs` real ms. */
  static open(device: { host: string; port: number }, target: { host: string; port: number }, timeoutMs = 5_000): Promise<MqttLink> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port });
      // Small MQTT packets: without this, Nagle + delayed ACK add ~40 ms real time to every exchange.
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('tcp connect timeout'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new MqttLink(device.host, device.port, socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  connect(opts: ConnectOptions, timeoutMs = 10_000): Promise<ConnectResult> {
    this.state = 'connecting';
    return new Promise((resolve) => {
      const options: IClientOptions = {
        protocolVersion: opts.protocolVersion,
        clientId: opts.clientId,
        username: opts.username,
        password: opts.password,
        keepalive: opts.keepaliveS,
        clean: opts.clean,
        reconnectPeriod: 0,
        connectTimeout: timeoutMs,
        will: opts.will,
        resubscribe: false,
      };
      const socket = this.socket;
      const client = new MqttClient(() => socket, options);
      this.client = client;
      let settled = false;
      const guard = setTimeout(() => settle({ kind: 'failed', reason: 'no CONNACK' }), timeoutMs + 1_000);
      const settle = (r: ConnectResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        resolve(r);
      };
      client.once('connect', () => {
        this.state = 'connected';
        settle({ kind: 'accepted' });
      });
      client.on('error', (err: Error & { code?: number | string }) => {
        if (typeof err.code === 'number') settle({ kind: 'refused', returnCode: err.code });
        else settle({ kind: 'failed', reason: err.message });
      });
      client.on('close', () => settle({ kind: 'failed', reason: 'closed' }));
      client.on('message', (topic, payload, packet) => {
        const waiters = this.waiters;
        this.waiters = waiters.filter((w) => !w.accept(payload));
        for (const w of waiters) if (!this.waiters.includes(w)) w.resolve();
        this.onMessage?.(topic, payload, packet);
      });
    });
  }

  /**
   * Resolves true on the next message received on this link that `accept` takes (default: any), false after
   * `realMs` without one.
   */
  nextMessage(realMs: number, accept: (payload: Uint8Array) => boolean = () => true): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter = {
        accept,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, realMs);
      this.waiters.push(waiter);
    });
  }

  async subscribe(topic: string, qos: 0 | 1 | 2): Promise<number> {
    const grants = await bounded(this.requireClient().subscribeAsync(topic, { qos }), 'SUBSCRIBE');
    return grants[0]?.qos ?? 128;
  }

  async unsubscribe(topic: string): Promise<void> {
    await bounded(this.requireClient().unsubscribeAsync(topic), 'UNSUBSCRIBE');
  }

  async publish(topic: string, payload: Uint8Array, qos: 0 | 1 | 2, retain: boolean): Promise<void> {
    await bounded(this.requireClient().publishAsync(topic, Buffer.from(payload), { qos, retain }), 'PUBLISH');
  }

  /** MQTT DISCONNECT, then close the socket (QMTDISC). */
  async disconnect(): Promise<void> {
    this.closing = true;
    this.state = 'disconnecting';
    if (this.client) await bounded(this.client.endAsync(false), 'DISCONNECT', 2_000).catch(() => undefined);
    this.socket.destroy();
  }

  /** Drop the connection without DISCONNECT (power loss, network drop, QMTCLOSE). */
  async destroy(): Promise<void> {
    this.closing = true;
    this.waiters.splice(0).forEach((w) => w.resolve());
    if (this.client) await bounded(this.client.endAsync(true), 'close', 2_000).catch(() => undefined);
    this.socket.destroy();
  }

  private closedUnderUs(): void {
    if (this.closing) return;
    this.closing = true;
    this.onUnexpectedClose?.();
  }

  private requireClient(): MqttClient {
    if (!this.client || this.state !== 'connected') throw new Error('not connected');
    return this.client;
  }
}
