import { describe, expect, it } from 'vitest';
import { HardwareResetReason } from '../../firmware/src/ports/ports.ts';
import { VirtualTime } from '../src/virtual-time.ts';
import { SimBoard, createBootPorts, PowerLostError } from '../src/sim-ports.ts';
import { Prng } from '../src/prng.ts';

const START = Date.parse('2026-03-02T05:00:00Z');

function board(vt = new VirtualTime(), rtc: Partial<ConstructorParameters<typeof SimBoard>[1]['rtc']> = {}) {
  return new SimBoard(vt, {
    flash: { blockSize: 256, blockCount: 8, writeAlign: 4 },
    rtc: { startUnixMs: START, initialOffsetMs: 0, driftPpm: 0, backup: false, ...rtc },
    battery: { capacityMah: 1000, initialSoc: 1, sleepCurrentMa: 0.004, temperatureDeciC: 220 },
  });
}

function boot(b: SimBoard, generation = 1, resets: HardwareResetReason[] = []) {
  return createBootPorts(b, {
    generation,
    resetReason: HardwareResetReason.PowerOn,
    host: { requestReset: (r) => resets.push(r), requestPowerOff: () => undefined },
    wrap: (cb) => cb(),
  });
}

describe('simulated GPIO', () => {
  it('delivers edges as virtual-time events, with reproducible contact bounce that settles', async () => {
    const vt = new VirtualTime();
    const b = board(vt);
    const p = boot(b).ports;
    const edges: [number, number][] = [];
    p.lid.onEdge((level) => edges.push([vt.now(), level]));
    vt.at(1000, () => b.lid.set(1, { edges: 3, windowMs: 10 }, new Prng(5)));
    vt.at(5000, () => b.lid.set(0));
    await vt.run(10_000);
    expect(edges[0]).toEqual([1000, 1]);
    expect(edges.length).toBe(1 + 6 + 1);
    const bounce = edges.slice(1, 7);
    expect(bounce.every(([t]) => t > 1000 && t <= 1010)).toBe(true);
    expect(bounce[bounce.length - 1][1]).toBe(1); // settles at the driven level
    expect(edges[edges.length - 1]).toEqual([5000, 0]);
    expect(p.lid.read()).toBe(0);
  });

  it('captures LED and buzzer as a timeline with on-time totals', async () => {
    const vt = new VirtualTime();
    const b = board(vt);
    const p = boot(b).ports;
    vt.at(100, () => p.led.write(1));
    vt.at(400, () => p.led.write(0));
    vt.at(500, () => p.led.write(1));
    await vt.run(1000);
    expect(b.led.timeline).toEqual([
      { t: 100, level: 1 },
      { t: 400, level: 0 },
      { t: 500, level: 1 },
    ]);
    expect(b.led.onCount).toBe(2);
    expect(b.led.totalOnMs()).toBe(300 + 500);
  });
});

describe('simulated clocks and timers', () => {
  it('monotonic restarts per boot; the wall clock can be unset, offset, drift and jump', async () => {
    const vt = new VirtualTime();
    const b = board(vt, { initialOffsetMs: undefined });
    const p = boot(b).ports;
    await vt.run(5000);
    expect(p.clock.monotonicMs()).toBe(5000);
    expect(p.clock.wallMs()).toBeUndefined();
    p.clock.setWallMs(START + 5000 + 120_000); // set two minutes fast
    expect(b.rtc.errorMs()).toBe(120_000);
    b.rtc.jump(-3_600_000);
    expect(p.clock.wallMs()).toBe(START + 5000 + 120_000 - 3_600_000);
    const second = boot(b, 2).ports;
    await vt.run(6000);
    expect(second.clock.monotonicMs()).toBe(1000);

    const drifting = board(new VirtualTime(), { driftPpm: 100 });
    await drifting.vt.run(10_000_000);
    expect(drifting.rtc.errorMs()).toBeCloseTo(1000, 6);
  });

  it('the RTC loses its value on power loss unless it has a backup supply', () => {
    const plain = board();
    plain.powerLost();
    expect(plain.rtc.read()).toBeUndefined();
    const backed = board(new VirtualTime(), { backup: true });
    backed.powerLost();
    expect(backed.rtc.read()).toBe(START);
  });

  it('timers fire in virtual time, intervals repeat, clear works, and all die with their boot', async () => {
    const vt = new VirtualTime();
    const b = board(vt);
    const bp = boot(b);
    const seen: string[] = [];
    bp.ports.timers.setTimeout(() => seen.push(`once@${vt.now()}`), 250);
    const every = bp.ports.timers.setInterval(() => seen.push(`tick@${vt.now()}`), 100);
    const never = bp.ports.timers.setTimeout(() => seen.push('never'), 50);
    bp.ports.timers.clear(never);
    await vt.run(320);
    bp.ports.timers.clear(every);
    bp.ports.timers.setInterval(() => seen.push(`late@${vt.now()}`), 100);
    await vt.run(450);
    bp.kill();
    await vt.run(2000);
    expect(seen).toEqual(['tick@100', 'tick@200', 'once@250', 'tick@300', 'late@420']);
  });
});

describe('simulated power', () => {
  it('retained values survive a reset but not a power loss', () => {
    const b = board();
    const p = boot(b).ports;
    p.power.setRetained(3, 0xdeadbeef);
    expect(boot(b, 2).ports.power.getRetained(3)).toBe(0xdeadbeef);
    b.powerLost();
    expect(boot(b, 3).ports.power.getRetained(3)).toBe(0);
    expect(() => p.power.getRetained(32)).toThrow(RangeError);
  });

  it('the watchdog resets the MCU when not fed, and not while it is fed', async () => {
    const vt = new VirtualTime();
    const b = board(vt);
    const resets: HardwareResetReason[] = [];
    const p = boot(b, 1, resets).ports;
    p.power.startWatchdog(10_000);
    const feeder = p.timers.setInterval(() => p.power.feedWatchdog(), 4000);
    await vt.run(60_000);
    expect(resets).toEqual([]);
    p.timers.clear(feeder);
    await vt.run(80_000);
    expect(resets).toEqual([HardwareResetReason.Watchdog]);
  });

  it('the battery voltage falls as charge is used', async () => {
    const vt = new VirtualTime();
    const b = board(vt);
    const full = b.battery.voltageMv();
    b.battery.consume(500, 'modem');
    const half = b.battery.voltageMv();
    b.battery.consume(480, 'modem');
    const empty = b.battery.voltageMv();
    expect(full).toBeGreaterThan(half);
    expect(half).toBeGreaterThan(empty);
    expect(empty).toBeGreaterThan(3000);
    await vt.run(3_600_000);
    expect(b.battery.chargeUsedMah()).toBeCloseTo(980 + 0.004, 6);
  });

  it('a dead boot cannot touch the hardware any more', () => {
    const b = board();
    const bp = boot(b);
    bp.kill();
    expect(() => bp.ports.led.write(1)).toThrow(PowerLostError);
    expect(() => bp.ports.flash.write(0, new Uint8Array(4))).toThrow(PowerLostError);
    expect(() => bp.ports.modem.write(new Uint8Array([65]))).toThrow(PowerLostError);
    expect(b.flash.opCount).toBe(0);
  });
});

describe('simulated modem UART', () => {
  it('carries bytes both ways, hashes what the device sends and never re-enters the firmware', async () => {
    const vt = new VirtualTime();
    const b = board(vt);
    const p = boot(b).ports;
    const fromDevice: string[] = [];
    const toDevice: string[] = [];
    const line = b.uart.line;
    let inWrite = false;
    line.onFromDevice((bytes) => {
      fromDevice.push(Buffer.from(bytes).toString());
      line.toDevice(new TextEncoder().encode('OK\r\n'));
      expect(toDevice).toEqual([]); // not delivered synchronously
    });
    p.modem.onReadable((bytes) => {
      expect(inWrite).toBe(false);
      toDevice.push(Buffer.from(bytes).toString());
    });
    inWrite = true;
    p.modem.write(new TextEncoder().encode('AT\r'));
    inWrite = false;
    await vt.run(10);
    expect(fromDevice).toEqual(['AT\r']);
    expect(toDevice).toEqual(['OK\r\n']);
    expect(b.uart.bytesFromDevice).toBe(3);
    expect(b.uart.txHash()).toMatch(/^[0-9a-f]{8}$/);
    line.setStatusSource(() => 1);
    expect(p.modemPower.status()).toBe(1);
  });
});
