import { describe, expect, it } from 'vitest';
import { EventKind, TimeSource } from '../../protocol/src/messages.ts';
import { HardwareResetReason } from '../src/ports/ports.ts';
import { ResetReason, mergeResetReason } from '../src/boot/reset-reason.ts';
import { FakeHardware } from '../src/testing/fake-ports.ts';
import { bootFirmware } from './helpers.ts';

const BUILD_S = Date.UTC(2026, 0, 1) / 1000;

describe('boot, reset reason and boot counter', () => {
  it('records a Boot event with the merged reason and counts boots', () => {
    const a = bootFirmware({});
    expect(a.fw.context.time.boot).toBe(1);
    expect(a.fw.context.resetReason).toBe(ResetReason.PowerOnReset);
    a.fw.context.reboot(ResetReason.UserReset);
    expect(a.hw.resets).toBe(1);
    const b = bootFirmware({ hw: a.hw, reason: HardwareResetReason.Software });
    expect(b.fw.context.time.boot).toBe(2);
    expect(b.fw.context.resetReason).toBe(ResetReason.UserReset);
    const c = bootFirmware({ hw: a.hw, reason: HardwareResetReason.Watchdog });
    expect(c.fw.context.resetReason).toBe(ResetReason.HardwareWatchdog);
    expect(c.fw.context.diagnostics.unexpectedReboots).toBe(1);
    const boots = c.events().filter((e) => e.kind === EventKind.Boot);
    expect(boots.map((e) => [e.boot, e.args[0]])).toEqual([
      [1, ResetReason.PowerOnReset],
      [2, ResetReason.UserReset],
      [3, ResetReason.HardwareWatchdog],
    ]);
    expect(c.fw.context.takeCounters().unexpectedReboots).toBe(1);
    expect(c.fw.context.diagnostics.unexpectedReboots).toBe(0);
  });

  it('merges hardware and stored reasons as documented', () => {
    expect(mergeResetReason(HardwareResetReason.Software, 0)).toBe(ResetReason.UnknownError);
    expect(mergeResetReason(HardwareResetReason.Watchdog, ResetReason.SoftwareWatchdog)).toBe(ResetReason.SoftwareWatchdog);
    expect(mergeResetReason(HardwareResetReason.WakeFromOff, ResetReason.UserShutdown)).toBe(ResetReason.DeepSleep);
    expect(mergeResetReason(HardwareResetReason.BrownOut, 0)).toBe(ResetReason.BrownOutReset);
    expect(mergeResetReason(HardwareResetReason.Pin, 0)).toBe(ResetReason.PinReset);
  });

  it('a starved task makes the software watchdog record SoftwareWatchdog before resetting', () => {
    const a = bootFirmware({});
    a.fw.context.watchdog.register('uplink', 20 * 60_000);
    a.hw.advance(19 * 60_000);
    expect(a.hw.resets).toBe(0);
    expect(a.hw.watchdogFeeds).toBeGreaterThan(3);
    a.hw.advance(10 * 60_000);
    expect(a.hw.resets).toBe(1);
    const b = bootFirmware({ hw: a.hw, reason: HardwareResetReason.Software });
    expect(b.fw.context.resetReason).toBe(ResetReason.SoftwareWatchdog);
    expect(b.fw.context.diagnostics.unexpectedReboots).toBe(1);
  });

  it('a kicked task keeps the watchdog fed and near misses are counted', () => {
    const a = bootFirmware({});
    a.fw.context.watchdog.register('uplink', 20 * 60_000);
    for (let i = 0; i < 10; i++) {
      a.hw.advance(19 * 60_000);
      a.fw.context.watchdog.kick('uplink');
    }
    expect(a.hw.resets).toBe(0);
    const nearMisses = a.fw.context.takeCounters().watchdogNearMiss;
    expect(nearMisses).toBeGreaterThan(0);
    expect(nearMisses).toBeLessThanOrEqual(10);
  });

  it('records LowBattery once while the battery stays low', () => {
    const hw = new FakeHardware();
    hw.batteryMv = 3400;
    const a = bootFirmware({ hw });
    a.hw.advance(5 * 3600_000);
    expect(a.events().filter((e) => e.kind === EventKind.LowBattery).map((e) => e.args)).toEqual([[3400]]);
  });

  it('uses a seeded PRNG that depends on serial and boot', () => {
    const a = bootFirmware({ serial: 'PC-AAAA' });
    const x = [a.fw.context.random(), a.fw.context.random()];
    const b = bootFirmware({ serial: 'PC-AAAA' });
    expect([b.fw.context.random(), b.fw.context.random()]).toEqual(x);
    for (const v of x) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('time keeping', () => {
  it('rejects wall times before the build date and records TimeSet with the correction', () => {
    const { hw, fw, events, messages } = bootFirmware({});
    const time = fw.context.time;
    expect(time.now().unixS).toBeUndefined();
    expect(time.anchor()).toEqual({ boot: 1, uptimeS: 0, unixS: null, source: TimeSource.None });
    expect(time.setWall(BUILD_S - 10, TimeSource.Nitz)).toEqual({ accepted: false, correctionS: 0, reason: 'before_build' });
    hw.advance(5000);
    expect(time.setWall(1_780_000_000, TimeSource.Nitz).accepted).toBe(true);
    hw.advance(10_000);
    expect(time.now()).toEqual({ boot: 1, uptimeS: 15, unixS: 1_780_000_010, timeSource: TimeSource.Nitz });
    expect(time.setWall(1_780_000_010, TimeSource.Nitz).correctionS).toBe(0); // silent re-sync
    expect(time.setWall(1_780_000_070, TimeSource.Nitz).correctionS).toBe(60);
    const sets = events().filter((e) => e.kind === EventKind.TimeSet).map((e) => e.args);
    expect(sets).toEqual([
      [1_780_000_000, TimeSource.Nitz, 0],
      [1_780_000_070, TimeSource.Nitz, 60],
    ]);
    expect(messages.filter((m) => m.type === 'TIME_SYNCED').length).toBe(3);
  });

  it('an RTC that reads before the build date is treated as unknown', () => {
    const hw = new FakeHardware({ realMs: Date.UTC(2000, 0, 1), rtcSet: true });
    const { fw } = bootFirmware({ hw });
    expect(fw.context.time.unixS()).toBeUndefined();
  });

  it('builds anchors for older boots from stored events', () => {
    const a = bootFirmware({ rtcSet: true });
    a.hw.advance(100_000);
    a.fw.context.reboot(ResetReason.UserReset);
    a.hw.advance(5000);
    const b = bootFirmware({ hw: a.hw, reason: HardwareResetReason.Software });
    b.hw.advance(3000);
    const anchors = b.fw.context.time.anchorsFor(b.events());
    expect(anchors[0].boot).toBe(2);
    expect(anchors[0].uptimeS).toBe(3);
    expect(anchors.length).toBe(2);
    expect(anchors[1].boot).toBe(1);
    expect(anchors[1].unixS).toBe(Math.floor(Date.UTC(2026, 5, 1, 6) / 1000));
  });
});

describe('consume on confirm through the bus', () => {
  it('EVENTS_ACKED frees events and survives a reboot', () => {
    const a = bootFirmware({});
    a.hw.setLid(1);
    a.hw.advance(1000);
    a.hw.setLid(0);
    a.hw.advance(1000);
    const seqs = a.events().map((e) => e.seq);
    a.fw.context.bus.publish({ type: 'EVENTS_ACKED', ackSeq: seqs[seqs.length - 1] });
    expect(a.fw.context.log.stats().count).toBe(0);
    const b = bootFirmware({ hw: a.hw });
    expect(b.events().map((e) => e.kind)).toEqual([EventKind.Boot]);
    expect(b.events()[0].seq).toBe(seqs[seqs.length - 1] + 1);
  });
});

describe('factory console', () => {
  it('answers every command with one JSON line', () => {
    const { hw } = bootFirmware({});
    const ask = (line: string): Record<string, unknown> => JSON.parse(hw.sendConsole(line) as string);
    expect(ask('ident')).toMatchObject({ ok: true, serial: 'PC-TEST-0001', provisioned: false, firmware: '0.1.0-test', bootCount: 1, resetReason: 7 });
    expect(ask('lid?')).toEqual({ ok: true, lid: 'closed' });
    hw.setButton(1);
    expect(ask('button?')).toEqual({ ok: true, button: 'pressed' });
    hw.setButton(0);
    expect(ask('led on')).toEqual({ ok: true, led: 'on' });
    expect(hw.ledLevel).toBe(1);
    expect(ask('led off')).toEqual({ ok: true, led: 'off' });
    expect(ask('led blue')).toMatchObject({ ok: false, error: 'bad_argument' });
    expect(ask('buzz 250')).toEqual({ ok: true, buzzMs: 250 });
    expect(hw.buzzerLevel).toBe(1);
    hw.advance(300);
    expect(hw.buzzerLevel).toBe(0);
    expect(ask('buzz 0')).toMatchObject({ ok: false, error: 'bad_argument' });
    const self = ask('selftest');
    expect(self.ok).toBe(true);
    expect(self.passed).toBe(true);
    expect((self.steps as unknown[]).length).toBeGreaterThan(4);
    expect(ask('log stats')).toMatchObject({ ok: true, count: 1, droppedTotal: 0 });
    expect(ask('frobnicate')).toEqual({ ok: false, error: 'unknown_command', command: 'frobnicate' });
    expect(ask('time set=100')).toMatchObject({ ok: false, error: 'rejected', reason: 'before_build' });
    expect(ask('time set=1780000000')).toMatchObject({ ok: true });
    expect(ask('help').commands).toContain('provision');
  });

  it('selftest checks the flash scratch block and reports a bad chip', () => {
    const { hw } = bootFirmware({});
    const scratchOffset = 68 * 4096;
    const good = JSON.parse(hw.sendConsole('selftest') as string);
    expect(good.steps.find((s: { name: string }) => s.name === 'flash')).toMatchObject({ ok: true });
    const write = hw.flash.write.bind(hw.flash);
    hw.flash.write = (offset, data) => write(offset, offset >= scratchOffset ? data.map((b) => b & 0xfe) : data);
    const bad = JSON.parse(hw.sendConsole('selftest') as string);
    expect(bad.passed).toBe(false);
    expect(bad.steps.find((s: { name: string }) => s.name === 'flash')).toMatchObject({ ok: false, message: 'read back mismatch at byte 0' });
  });

  it('provisions a serial into flash and refuses to change it without force', () => {
    const a = bootFirmware({ serial: 'UNPROVISIONED' });
    const ask = (line: string): Record<string, unknown> => JSON.parse(a.hw.sendConsole(line) as string);
    expect(ask('provision serial=bad serial')).toMatchObject({ ok: false, error: 'bad_argument' });
    expect(ask('provision serial=PC-2026-000042')).toEqual({ ok: true, serial: 'PC-2026-000042' });
    expect(ask('provision serial=PC-2026-000043')).toMatchObject({ ok: false, error: 'already_provisioned' });
    const b = bootFirmware({ hw: a.hw, serial: 'UNPROVISIONED', reason: HardwareResetReason.PowerOn });
    expect(b.fw.context.serial).toBe('PC-2026-000042');
    expect(JSON.parse(b.hw.sendConsole('ident') as string)).toMatchObject({ serial: 'PC-2026-000042', provisioned: true, bootCount: 2 });
    expect(JSON.parse(b.hw.sendConsole('provision serial=PC-2026-000043 force=1') as string)).toEqual({ ok: true, serial: 'PC-2026-000043' });
  });

  it('ship persists, replies, and powers off; the lid wakes it as a DeepSleep boot', () => {
    const a = bootFirmware({});
    expect(JSON.parse(a.hw.sendConsole('ship') as string)).toEqual({ ok: true, shipping: true });
    expect(a.hw.poweredOff).toBe(true);
    expect(a.messages.some((m) => m.type === 'SHIP_MODE')).toBe(true);
    const b = bootFirmware({ hw: a.hw, reason: HardwareResetReason.WakeFromOff });
    expect(b.fw.context.resetReason).toBe(ResetReason.DeepSleep);
    expect(b.fw.context.diagnostics.unexpectedReboots).toBe(0);
  });
});
