import { describe, expect, it } from 'vitest';
import { EventKind } from '../../protocol/src/messages.ts';
import type { DeviceConfig } from '../../protocol/src/messages.ts';
import { DEFAULT_CONFIG } from '../src/config.ts';
import { dueOnLocalDay, inQuietHours, lastDueAtOrBefore } from '../src/modules/reminders.ts';
import { HardwareResetReason } from '../src/ports/ports.ts';
import { bootFirmware } from './helpers.ts';

const MIN = 60_000;
// FakeHardware starts at 2026-06-01 06:00:00 UTC
const cfg = (over: Partial<DeviceConfig>): Partial<DeviceConfig> => ({ configVersion: 3, reminderGraceMin: 10, reminderWindowMin: 60, ...over });

describe('reminder time arithmetic', () => {
  const c: DeviceConfig = { ...DEFAULT_CONFIG, utcOffsetMin: -300 };
  it('turns local minutes into UTC with the offset', () => {
    const t = Date.UTC(2026, 5, 1, 12, 0) / 1000; // 07:00 local
    expect(dueOnLocalDay(c, 8 * 60, t)).toBe(Date.UTC(2026, 5, 1, 13, 0) / 1000);
    expect(lastDueAtOrBefore(c, 8 * 60, t)).toBe(Date.UTC(2026, 4, 31, 13, 0) / 1000);
  });
  it('follows a scheduled offset change', () => {
    const change = Date.UTC(2026, 10, 1, 6, 0) / 1000;
    const d: DeviceConfig = { ...c, utcOffsetMin: -240, nextOffsetChangeUnixS: change, nextOffsetMin: -300 };
    expect(dueOnLocalDay(d, 8 * 60, Date.UTC(2026, 9, 31, 15) / 1000)).toBe(Date.UTC(2026, 9, 31, 12) / 1000);
    expect(dueOnLocalDay(d, 8 * 60, Date.UTC(2026, 10, 2, 15) / 1000)).toBe(Date.UTC(2026, 10, 2, 13) / 1000);
  });
  it('knows quiet hours across midnight', () => {
    const q: DeviceConfig = { ...DEFAULT_CONFIG, quietStartMin: 22 * 60, quietEndMin: 7 * 60 };
    expect(inQuietHours(q, Date.UTC(2026, 0, 1, 23) / 1000)).toBe(true);
    expect(inQuietHours(q, Date.UTC(2026, 0, 1, 6, 59) / 1000)).toBe(true);
    expect(inQuietHours(q, Date.UTC(2026, 0, 1, 7) / 1000)).toBe(false);
  });
});

describe('Reminders module', () => {
  it('glows when due, chimes after grace, stops when the lid opens', () => {
    const { hw, fw, events, messages } = bootFirmware({ rtcSet: true, config: cfg({ reminderMinutes: [6 * 60 + 30] }) });
    hw.advance(29 * MIN);
    expect(fw.context.indicator.isGlowing).toBe(false);
    hw.advance(2 * MIN);
    expect(fw.context.indicator.isGlowing).toBe(true);
    expect(events().filter((e) => e.kind === EventKind.ReminderDue).map((e) => e.args)).toEqual([[0]]);
    expect(messages.some((m) => m.type === 'REMINDER_CHIME')).toBe(false);
    hw.advance(10 * MIN);
    expect(messages.filter((m) => m.type === 'REMINDER_CHIME').length).toBe(1);
    expect(hw.buzzerLog.some(([, l]) => l === 1)).toBe(true);
    hw.setLid(1);
    hw.advance(200);
    expect(fw.context.indicator.isGlowing).toBe(false);
    expect(messages.some((m) => m.type === 'REMINDER_CLEARED')).toBe(true);
    hw.setLid(0);
    hw.advance(120 * MIN);
    expect(events().filter((e) => e.kind === EventKind.DoseMissed).length).toBe(0);
  });

  it('records DoseMissed when the window closes without an opening, once', () => {
    const { hw, fw, events } = bootFirmware({ rtcSet: true, config: cfg({ reminderMinutes: [6 * 60 + 30, 20 * 60] }) });
    hw.advance(24 * 60 * MIN);
    const ev = events();
    expect(ev.filter((e) => e.kind === EventKind.ReminderDue).map((e) => e.args[0])).toEqual([0, 1]);
    expect(ev.filter((e) => e.kind === EventKind.DoseMissed).map((e) => e.args[0])).toEqual([0, 1]);
    expect(fw.context.indicator.isGlowing).toBe(false);
    expect(fw.context.diagnostics.dosesMissed).toBe(2);
  });

  it('does not chime in quiet hours but still glows and reports', () => {
    const { hw, messages, events } = bootFirmware({ rtcSet: true, config: cfg({ reminderMinutes: [6 * 60 + 30], quietStartMin: 22 * 60, quietEndMin: 8 * 60 }) });
    hw.advance(120 * MIN);
    expect(messages.some((m) => m.type === 'REMINDER_CHIME')).toBe(false);
    expect(events().filter((e) => e.kind === EventKind.ReminderDue).length).toBe(1);
    expect(events().filter((e) => e.kind === EventKind.DoseMissed).length).toBe(1);
  });

  it('an opening shortly before the due time counts as taken', () => {
    const { hw, events } = bootFirmware({ rtcSet: true, config: cfg({ reminderMinutes: [6 * 60 + 30] }) });
    hw.advance(10 * MIN);
    hw.setLid(1);
    hw.advance(10_000);
    hw.setLid(0);
    hw.advance(180 * MIN);
    expect(events().filter((e) => e.kind === EventKind.ReminderDue || e.kind === EventKind.DoseMissed).length).toBe(0);
  });

  it('does nothing without wall time, and starts once time is synced', () => {
    const { hw, fw, events } = bootFirmware({ rtcSet: false, config: cfg({ reminderMinutes: [6 * 60 + 30] }) });
    hw.advance(48 * 60 * MIN);
    expect(events().filter((e) => e.kind === EventKind.ReminderDue || e.kind === EventKind.DoseMissed).length).toBe(0);
    // now 2026-06-03 06:00; set time and wait past the next due
    fw.context.time.setWall(Date.UTC(2026, 5, 3, 6, 0) / 1000, 1);
    hw.advance(40 * MIN);
    expect(events().filter((e) => e.kind === EventKind.ReminderDue).length).toBe(1);
  });

  it('a reset inside the window neither repeats a cleared reminder nor invents a missed dose', () => {
    const first = bootFirmware({ rtcSet: true, config: cfg({ reminderMinutes: [6 * 60 + 30] }) });
    first.hw.advance(35 * MIN);
    first.hw.setLid(1);
    first.hw.advance(5000);
    first.hw.setLid(0);
    first.hw.advance(1000);
    first.fw.context.reboot(0x0002);
    const second = bootFirmware({ hw: first.hw, reason: HardwareResetReason.Software, config: cfg({ reminderMinutes: [6 * 60 + 30] }) });
    second.hw.advance(120 * MIN);
    const ev = second.events();
    expect(ev.filter((e) => e.kind === EventKind.ReminderDue).length).toBe(1);
    expect(ev.filter((e) => e.kind === EventKind.DoseMissed).length).toBe(0);
  });

  it('applies a config received from the cloud and keeps it across a power loss', () => {
    const first = bootFirmware({ rtcSet: true });
    const next: DeviceConfig = { ...DEFAULT_CONFIG, configVersion: 9, reminderMinutes: [6 * 60 + 30], reminderGraceMin: 5, reminderWindowMin: 30 };
    first.fw.context.bus.publish({ type: 'CONFIG_RECEIVED', config: next });
    expect(first.fw.context.config.configVersion).toBe(9);
    expect(first.messages.some((m) => m.type === 'CONFIG_APPLIED')).toBe(true);
    first.fw.context.bus.publish({ type: 'CONFIG_RECEIVED', config: { ...next, configVersion: 10, lidDebounceMs: 0 } });
    expect(first.fw.context.config.configVersion).toBe(9);
    expect(first.messages.find((m) => m.type === 'CONFIG_REJECTED')).toEqual({ type: 'CONFIG_REJECTED', field: 'lidDebounceMs' });
    const second = bootFirmware({ hw: first.hw, reason: HardwareResetReason.PowerOn });
    expect(second.fw.context.config.configVersion).toBe(9);
    second.hw.advance(31 * MIN);
    expect(second.events().filter((e) => e.kind === EventKind.ReminderDue).length).toBe(1);
  });

  it('a config it already runs (the retained Config of every session) is not written again', () => {
    const first = bootFirmware({ rtcSet: true });
    const next: DeviceConfig = { ...DEFAULT_CONFIG, configVersion: 3, reminderMinutes: [7 * 60] };
    first.fw.context.bus.publish({ type: 'CONFIG_RECEIVED', config: next });
    const writesAfterFirst = first.hw.flash.writes;
    const applied = first.messages.filter((m) => m.type === 'CONFIG_APPLIED').length;
    first.fw.context.bus.publish({ type: 'CONFIG_RECEIVED', config: { ...next, reminderMinutes: [7 * 60] } });
    expect(first.hw.flash.writes).toBe(writesAfterFirst);
    expect(first.messages.filter((m) => m.type === 'CONFIG_APPLIED').length).toBe(applied);
    first.fw.context.bus.publish({ type: 'CONFIG_RECEIVED', config: { ...next, configVersion: 4, reminderMinutes: [7 * 60, 19 * 60] } });
    expect(first.hw.flash.writes).toBeGreaterThan(writesAfterFirst);
    expect(first.fw.context.config.reminderMinutes).toEqual([7 * 60, 19 * 60]);
  });
});
