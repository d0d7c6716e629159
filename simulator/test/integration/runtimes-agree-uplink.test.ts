/**
 * With the emulated modem and a real MQTT broker (MQTT_URL when set, else the embedded one), the in-process
 * and QuickJS runs still agree byte for byte: the flash image and every byte sent to the modem, which
 * includes every uplink payload. Virtual time is held across the real network round trips, so broker
 * latency cannot change what the firmware sees.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/simulate.ts';

const broker = process.env.MQTT_URL;

describe('runtimes agree with connectivity', () => {
  it('uploads the same bytes and ends with the same flash in node and QuickJS, through power cuts', async () => {
    // Serials unique to this process so parallel runs on a shared broker do not answer each other.
    const serial = `PC-AGREE-${process.pid}`;
    // power-cuts: the modem loses its supply with the board, firmware instances die mid-write and reboot.
    const options = { scenario: 'power-cuts', days: 5, seed: 21, serial, broker, ackPeer: true } as const;
    const node = await simulate({ ...options, runtime: 'node' });
    const quickjs = await simulate({ ...options, runtime: 'quickjs' });
    const a = node.caps[0];
    const b = quickjs.caps[0];
    expect(a.crashes).toBe(0);
    expect(a.powerCuts).toBeGreaterThan(0);
    expect(a.atCommands).toBeGreaterThan(50);
    expect(a.acknowledged).toBeGreaterThan(0);
    expect(a.acknowledged).toBe(a.recorded - a.pending);
    expect(a.uploaded).toBeGreaterThanOrEqual(a.acknowledged);
    expect(a.bytesSent).toBeGreaterThan(0);
    expect(b.uartTxHash).toBe(a.uartTxHash);
    expect(b.flashSha256).toBe(a.flashSha256);
    const strip = (s: typeof a) => ({ ...s, crashLog: [] });
    expect(strip(b)).toEqual(strip(a));
  });
});
