import { describe, expect, it } from 'vitest';
import { EventKind } from '../../protocol/src/messages.ts';
import { HardwareResetReason } from '../src/ports/ports.ts';
import { bootFirmware, kinds } from './helpers.ts';

describe('Lid module', () => {
  it('debounces a bouncing switch into one opening recorded at close with its duration and opening time', () => {
    const { hw, fw, messages, events } = bootFirmware({ rtcSet: true });
    hw.advance(10_000);
    const openedAtUptime = 10;
    // 5 bounces within 20 ms, then stable open
    for (let i = 0; i < 5; i++) {
      hw.setLid(1);
      hw.advance(2);
      hw.setLid(0);
      hw.advance(2);
    }
    hw.setLid(1);
    hw.advance(100);
    expect(fw.modules.lid.state).toBe('open');
    expect(messages.filter((m) => m.type === 'LID_OPENED').length).toBe(1);
    expect(events().filter((e) => e.kind === EventKind.LidOpened).length).toBe(0); // recorded at close
    hw.advance(44_900);
    hw.setLid(0);
    hw.advance(3);
    hw.setLid(1);
    hw.advance(3);
    hw.setLid(0);
    hw.advance(100);
    expect(fw.modules.lid.state).toBe('closed');
    const lidEvents = events().filter((e) => e.kind === EventKind.LidOpened);
    expect(lidEvents.length).toBe(1);
    expect(lidEvents[0].args).toEqual([45]);
    expect(lidEvents[0].uptimeS).toBe(openedAtUptime);
    expect(lidEvents[0].unixS).toBe(Math.floor(Date.UTC(2026, 5, 1, 6, 0, 10) / 1000));
    expect(messages.find((m) => m.type === 'LID_CLOSED')).toEqual({ type: 'LID_CLOSED', openDurationS: 45 });
    expect(fw.context.diagnostics.lidBounceCount).toBeGreaterThanOrEqual(10);
    expect(fw.context.diagnostics.lidOpenCount).toBe(1);
  });

  it('uses the configured debounce time', () => {
    const { hw, fw } = bootFirmware({ config: { lidDebounceMs: 200 } });
    hw.setLid(1);
    hw.advance(150);
    expect(fw.modules.lid.state).toBe('closed');
    hw.advance(100);
    expect(fw.modules.lid.state).toBe('open');
  });

  it('a lid left open is one LidOpened plus one LidLeftOpen diagnostic, not a flood', () => {
    const { hw, events, messages } = bootFirmware({ config: { lidLeftOpenS: 60 } });
    hw.setLid(1);
    hw.advance(6 * 3600 * 1000);
    hw.setLid(0);
    hw.advance(100);
    const ev = events();
    expect(ev.filter((e) => e.kind === EventKind.LidLeftOpen).map((e) => e.args)).toEqual([[60]]);
    expect(ev.filter((e) => e.kind === EventKind.LidOpened).map((e) => e.args)).toEqual([[21600]]);
    expect(messages.filter((m) => m.type === 'LID_LEFT_OPEN').length).toBe(1);
  });

  it('an opening in progress across a reset is recorded once, stamped with its start', () => {
    const first = bootFirmware({ rtcSet: true });
    first.hw.advance(5000);
    first.hw.setLid(1);
    first.hw.advance(1000);
    first.fw.context.reboot(0x0008);
    const second = bootFirmware({ hw: first.hw, reason: HardwareResetReason.Software });
    second.hw.advance(30_000);
    second.hw.setLid(0);
    second.hw.advance(100);
    const opened = second.events().filter((e) => e.kind === EventKind.LidOpened);
    expect(opened.length).toBe(1);
    expect(opened[0].boot).toBe(1);
    expect(opened[0].uptimeS).toBe(5);
    expect(opened[0].args[0]).toBe(31);
    expect(kinds(second.events()).filter((k) => k === EventKind.Boot).length).toBe(2);
  });

  it('a lid found open after a power loss starts an opening at boot', () => {
    const first = bootFirmware({});
    first.hw.setLid(1);
    first.hw.advance(100);
    const second = bootFirmware({ hw: first.hw, reason: HardwareResetReason.PowerOn });
    expect(second.fw.modules.lid.state).toBe('open');
    second.hw.setLid(0);
    second.hw.advance(100);
    const opened = second.events().filter((e) => e.kind === EventKind.LidOpened);
    expect(opened.length).toBe(1);
    expect(opened[0].boot).toBe(2);
  });
});
