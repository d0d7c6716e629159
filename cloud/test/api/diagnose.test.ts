/** The support verdict table (reference/diagnostics.md §6-§7), tested as the pure function it is. */
import { describe, expect, it } from 'vitest';
import { diagnose, RULES, type DiagnosticsSummary } from '../../src/support/diagnose.ts';
import { rsrpBand } from '../../src/support/signal.ts';
import { batteryDropPerDay } from '../../src/support/device-diagnostics.ts';
import { isUnexpectedReset, resetReasonName } from '../../src/support/reset-reasons.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

function summary(overrides: Partial<DiagnosticsSummary> = {}): DiagnosticsSummary {
  return {
    now: NOW, windowDays: 14, lastSeenAt: hoursAgo(3), lastHeartbeatAt: hoursAgo(3), rsrpDbm: -85, sinrDb: 12, ceLevel: 0, batteryPct: 80, batteryMv: 3950,
    batteryDropPctPerDay: 1, queueDepth: 0, queueOldestAgeS: 0, timeSource: 1, publishOk: 20, publishFail: 0, attachFailures: 0, connectionLosses: 0,
    unexpectedReboots: 0, missingEvents: 0, eventsDroppedTotal: 0, maxClockCorrectionS: 0, ...overrides,
  };
}

describe('rsrpBand (§6)', () => {
  it.each([
    [-44, 'excellent'], [-90, 'excellent'], [-91, 'good'], [-105, 'good'], [-106, 'fair'], [-115, 'fair'], [-116, 'poor'], [-140, 'poor'],
    [undefined, 'none'], [null, 'none'], [Number.NaN, 'none'],
  ] as const)('%s dBm is %s', (rsrp, band) => {
    expect(rsrpBand(rsrp as number | undefined)).toBe(band);
  });
});

describe('diagnose', () => {
  it('calls a cap with recent contact, good signal and battery healthy', () => {
    const d = diagnose(summary());
    expect(d.status).toBe('ok');
    expect(d.primary.code).toBe('healthy');
    expect(d.verdicts.map((v) => v.code)).toEqual(['healthy']);
    expect(d.uploadSuccessRatio).toBe(1);
  });

  it.each([
    ['never connected', { lastSeenAt: null, lastHeartbeatAt: null }, 'never_connected', 'critical'],
    ['silent 2 days, flat battery', { lastSeenAt: hoursAgo(48), batteryPct: 8 }, 'silent_low_battery', 'warning'],
    ['silent 4 days, poor signal', { lastSeenAt: hoursAgo(96), rsrpDbm: -121 }, 'silent_no_signal', 'critical'],
    ['silent 4 days, no signal reading', { lastSeenAt: hoursAgo(96), rsrpDbm: undefined }, 'silent_no_signal', 'critical'],
    ['silent, nothing else wrong', { lastSeenAt: hoursAgo(40) }, 'silent', 'warning'],
    ['weak signal', { rsrpDbm: -119 }, 'signal_poor', 'warning'],
    ['fair signal only', { rsrpDbm: -110 }, 'signal_fair', 'info'],
    ['interference', { sinrDb: -2 }, 'interference', 'info'],
    ['backlog', { queueDepth: 40, queueOldestAgeS: 3 * 86_400 }, 'queue_backlog', 'warning'],
    ['no service', { rsrpDbm: undefined, attachFailures: 4 }, 'no_service', 'warning'],
    ['failing uploads', { publishOk: 5, publishFail: 5 }, 'uploads_failing', 'warning'],
    ['low battery', { batteryPct: 15 }, 'battery_low', 'warning'],
    ['empty battery', { batteryPct: 9 }, 'battery_low', 'critical'],
    ['draining battery', { batteryDropPctPerDay: 9 }, 'battery_drain', 'warning'],
    ['reboot loop', { unexpectedReboots: 4, lastResetReason: 0x8003 }, 'reboot_loop', 'critical'],
    ['one reboot', { unexpectedReboots: 1 }, 'reboots', 'info'],
    ['clock unset', { timeSource: 0 }, 'clock_unset', 'info'],
    ['clock corrected', { maxClockCorrectionS: 900 }, 'clock_corrected', 'info'],
    ['lost events', { missingEvents: 3 }, 'events_lost', 'warning'],
  ] as const)('%s -> %s', (_name, overrides, code, severity) => {
    const d = diagnose(summary(overrides as Partial<DiagnosticsSummary>));
    expect(d.primary.code).toBe(code);
    expect(d.primary.severity).toBe(severity);
    expect(d.status).toBe(severity);
    expect(d.primary.nextStep.length).toBeGreaterThan(10);
    expect(d.primary.tellCaller.length).toBeGreaterThan(5);
  });

  it('advises moving the cap near a window for a weak signal', () => {
    const d = diagnose(summary({ rsrpDbm: -120 }));
    expect(d.primary.nextStep).toMatch(/window/);
    expect(d.primary.tellCaller).toMatch(/window/);
    expect(d.signalBand).toBe('poor');
  });

  it('puts the most severe finding first and keeps the others in triage order', () => {
    const d = diagnose(summary({ rsrpDbm: -119, batteryPct: 9, unexpectedReboots: 5, missingEvents: 2, timeSource: 0 }));
    expect(d.primary.code).toBe('battery_low');
    const order = RULES.map((r) => r.code);
    const codes = d.verdicts.map((v) => v.code);
    expect(codes).toEqual([...codes].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    expect(codes).toEqual(['signal_poor', 'battery_low', 'reboot_loop', 'clock_unset', 'events_lost']);
  });

  it('mentions a brown-out as the reboot cause', () => {
    expect(diagnose(summary({ unexpectedReboots: 3, lastResetReason: 0x8003 })).primary.detail).toContain('brown-out');
  });

  it('treats unknown metrics as unknown, not zero', () => {
    const d = diagnose(summary({ batteryPct: undefined, batteryMv: undefined, queueDepth: undefined, rsrpDbm: undefined, publishOk: 0, publishFail: 0 }));
    expect(d.verdicts.map((v) => v.code)).toEqual(['healthy']);
    expect(d.uploadSuccessRatio).toBeNull();
    expect(d.signalBand).toBe('none');
  });
});

describe('helpers', () => {
  it('measures battery drain without counting charging', () => {
    const day = 86_400_000;
    expect(batteryDropPerDay([{ at: 0, pct: 90 }, { at: day, pct: 84 }, { at: day * 1.5, pct: 100 }, { at: day * 2, pct: 94 }])).toBeCloseTo(6);
    expect(batteryDropPerDay([{ at: 0, pct: 90 }])).toBeUndefined();
    expect(batteryDropPerDay([{ at: 0, pct: 90 }, { at: 3_600_000, pct: 80 }])).toBeUndefined();
  });

  it('names reset reasons and tells unexpected ones apart', () => {
    expect(resetReasonName(0x8006)).toBe('SoftwareWatchdog');
    expect(resetReasonName(0x0009)).toBe('DeepSleep');
    expect(resetReasonName(0x1010)).toBe('CustomExpected(0x1010)');
    expect(resetReasonName(0x7777)).toBe('0x7777');
    expect(isUnexpectedReset(0x8003)).toBe(true);
    expect(isUnexpectedReset(0x0007)).toBe(false);
  });
});
