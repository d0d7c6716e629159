/**
 * deviceConfigFor against hand-checked instants: US and UK DST rules (second Sunday in March / first Sunday in
 * November at 02:00 local; last Sundays of March / October at 01:00 UTC), Lord Howe's half-hour DST (first
 * Sunday in April 02:00 +11 / first Sunday in October 02:00 +10:30), zones without DST.
 */
import { describe, expect, it } from 'vitest';
import { offsetAt, dueOnLocalDay } from '../../../firmware/src/modules/reminders.ts';
import { configProblem } from '../../../firmware/src/config.ts';
import { DEVICE_CONFIG_DEFAULTS, DeviceConfigError, deviceConfigFor } from '../../src/device-config/device-config-for.ts';
import { nextOffsetChange, utcOffsetMinAt } from '../../src/device-config/zone-offsets.ts';

const at = (iso: string) => new Date(iso);
const unix = (iso: string) => Date.parse(iso) / 1000;
const patient = (timeZone: string, reminderMinutes: number[] = [480, 1200]) => ({ timeZone, regimen: { dosesPerDay: reminderMinutes.length, reminderMinutes } });

describe('zone offsets', () => {
  it('finds New York spring-forward and fall-back to the second', () => {
    expect(nextOffsetChange('America/New_York', unix('2026-01-15T00:00:00Z'))).toEqual({ atUnixS: unix('2026-03-08T07:00:00Z'), offsetMin: -240 });
    expect(nextOffsetChange('America/New_York', unix('2026-03-08T07:00:00Z'))).toEqual({ atUnixS: unix('2026-11-01T06:00:00Z'), offsetMin: -300 });
    expect(utcOffsetMinAt('America/New_York', unix('2026-03-08T06:59:59Z'))).toBe(-300);
    expect(utcOffsetMinAt('America/New_York', unix('2026-03-08T07:00:00Z'))).toBe(-240);
  });

  it('finds London and Lord Howe (half-hour) changes', () => {
    expect(nextOffsetChange('Europe/London', unix('2026-01-01T00:00:00Z'))).toEqual({ atUnixS: unix('2026-03-29T01:00:00Z'), offsetMin: 60 });
    expect(nextOffsetChange('Europe/London', unix('2026-06-01T00:00:00Z'))).toEqual({ atUnixS: unix('2026-10-25T01:00:00Z'), offsetMin: 0 });
    expect(nextOffsetChange('Australia/Lord_Howe', unix('2026-01-01T00:00:00Z'))).toEqual({ atUnixS: unix('2026-04-04T15:00:00Z'), offsetMin: 630 });
    expect(nextOffsetChange('Australia/Lord_Howe', unix('2026-05-01T00:00:00Z'))).toEqual({ atUnixS: unix('2026-10-03T15:30:00Z'), offsetMin: 660 });
  });

  it('reports no change for zones without DST', () => {
    for (const zone of ['UTC', 'Asia/Kolkata', 'America/Phoenix', 'Asia/Kathmandu']) expect(nextOffsetChange(zone, unix('2026-01-01T00:00:00Z'))).toBeUndefined();
    expect(utcOffsetMinAt('Asia/Kathmandu', unix('2026-01-01T00:00:00Z'))).toBe(345);
  });
});

describe('deviceConfigFor', () => {
  it('carries the regimen, the offset now and the next DST change (New York, winter)', () => {
    const c = deviceConfigFor(patient('America/New_York', [1200, 480, 480]), {}, at('2026-02-01T12:00:00Z'));
    expect(c).toEqual({
      configVersion: 0,
      reminderMinutes: [480, 1200],
      utcOffsetMin: -300,
      nextOffsetChangeUnixS: unix('2026-03-08T07:00:00Z'),
      nextOffsetMin: -240,
      ...DEVICE_CONFIG_DEFAULTS,
    });
    expect(configProblem(c)).toBeUndefined();
  });

  it('after spring-forward points at the November change', () => {
    const c = deviceConfigFor(patient('America/New_York'), {}, at('2026-03-08T07:00:00Z'));
    expect(c.utcOffsetMin).toBe(-240);
    expect(c.nextOffsetChangeUnixS).toBe(unix('2026-11-01T06:00:00Z'));
    expect(c.nextOffsetMin).toBe(-300);
  });

  it('lets the firmware place 08:00 local on either side of the change', () => {
    const c = deviceConfigFor(patient('America/New_York', [480]), {}, at('2026-03-01T00:00:00Z'));
    // 08:00 EST on 7 March = 13:00Z; 08:00 EDT on 8 March = 12:00Z (the change is at 07:00Z, 03:00 EDT)
    expect(dueOnLocalDay(c, 480, unix('2026-03-07T15:00:00Z'))).toBe(unix('2026-03-07T13:00:00Z'));
    expect(dueOnLocalDay(c, 480, unix('2026-03-08T15:00:00Z'))).toBe(unix('2026-03-08T12:00:00Z'));
    expect(offsetAt(c, unix('2026-03-08T06:59:59Z'))).toBe(-300);
  });

  it('handles Lord Howe half-hour offsets and zones without DST', () => {
    const lh = deviceConfigFor(patient('Australia/Lord_Howe'), {}, at('2026-07-01T00:00:00Z'));
    expect(lh.utcOffsetMin).toBe(630);
    expect(lh.nextOffsetChangeUnixS).toBe(unix('2026-10-03T15:30:00Z'));
    expect(lh.nextOffsetMin).toBe(660);
    const kol = deviceConfigFor(patient('Asia/Kolkata'), {}, at('2026-07-01T00:00:00Z'));
    expect(kol.utcOffsetMin).toBe(330);
    expect(kol).not.toHaveProperty('nextOffsetChangeUnixS');
    expect(kol).not.toHaveProperty('nextOffsetMin');
  });

  it('gives a cap in stock the defaults, UTC and no reminders', () => {
    expect(deviceConfigFor(null, {}, at('2026-07-01T00:00:00Z'), { configVersion: 7 })).toEqual({
      configVersion: 7,
      reminderMinutes: [],
      utcOffsetMin: 0,
      ...DEVICE_CONFIG_DEFAULTS,
    });
  });

  it('applies organisation overrides, quiet hours included', () => {
    const c = deviceConfigFor(patient('Europe/London'), { billing: {}, device: { reminderGraceMin: 30, quietStartMin: 1320, quietEndMin: 420, heartbeatIntervalS: 43200 } }, at('2026-07-01T00:00:00Z'));
    expect(c).toMatchObject({ reminderGraceMin: 30, quietStartMin: 1320, quietEndMin: 420, heartbeatIntervalS: 43200, reminderWindowMin: 120, utcOffsetMin: 60 });
    expect(configProblem(c)).toBeUndefined();
  });

  it('refuses bad settings, regimens and zones with a typed error', () => {
    const now = at('2026-07-01T00:00:00Z');
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(DeviceConfigError);
        return (error as DeviceConfigError).code;
      }
      return 'no error';
    };
    expect(code(() => deviceConfigFor(null, { device: { heartbeatIntervalS: 60 } }, now))).toBe('invalid_device_settings');
    expect(code(() => deviceConfigFor(null, { device: { quietStartMin: 1320 } }, now))).toBe('invalid_device_settings');
    expect(code(() => deviceConfigFor(null, { device: { colour: 'red' } }, now))).toBe('invalid_device_settings');
    expect(code(() => deviceConfigFor(patient('UTC', [1440]), {}, now))).toBe('invalid_regimen');
    expect(code(() => deviceConfigFor(patient('UTC', [1, 2, 3, 4, 5, 6, 7, 8, 9]), {}, now))).toBe('invalid_regimen');
    expect(code(() => deviceConfigFor({ timeZone: 'UTC', regimen: { reminderMinutes: 'eight' } }, {}, now))).toBe('invalid_regimen');
    expect(code(() => deviceConfigFor(patient('Mars/Olympus'), {}, now))).toBe('invalid_time_zone');
  });
});
