/** The support verdict table (reference/diagnostics.md §6-§7), tested as the pure function it is. */
import { describe, expect, it } from 'vitest';
import { attachFailureThreshold, diagnose, powerLossThreshold, RULES, type DiagnosticsSummary } from '../../src/support/diagnose.ts';
import { rsrpBand } from '../../src/support/signal.ts';
import { batteryDropPerDay } from '../../src/support/device-diagnostics.ts';
import { isPowerLossReset, isUnexpectedReset, resetReasonName } from '../../src/support/reset-reasons.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

function summary(overrides: Partial<DiagnosticsSummary> = {}): DiagnosticsSummary {
  return {
    now: NOW, windowDays: 14, lastSeenAt: hoursAgo(3), lastHeartbeatAt: hoursAgo(3), rsrpDbm: -85, sinrDb: 12, ceLevel: 0, batteryPct: 80, batteryMv: 3950,
    batteryDropPctPerDay: 1, queueDepth: 0, queueOldestAgeS: 0, timeSource: 1, publishOk: 20, publishFail: 0, attachFailures: 0, connectionLosses: 0,
    unexpectedReboots: 0, powerLosses: 0, missingEvents: 0, eventsDroppedTotal: 0, maxClockCorrectionS: 0, clockCorrections: 0, ...overrides,
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
    ['clock corrected', { maxClockCorrectionS: 900, clockCorrections: 1 }, 'clock_corrected', 'info'],
    ['clock corrected often', { maxClockCorrectionS: 3682, clockCorrections: 20 }, 'clock_unreliable', 'warning'],
    ['power cuts', { powerLosses: 4 }, 'power_losses', 'warning'],
    ['one power cut', { powerLosses: 1 }, 'power_loss', 'info'],
    ['fair signal, many attach failures', { rsrpDbm: -110, attachFailures: 12, connectionLosses: 5 }, 'signal_unreliable', 'warning'],
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

/** Every verdict code a summary produces, for the edge tables below. */
const codes = (overrides: Partial<DiagnosticsSummary>) => diagnose(summary(overrides)).verdicts.map((v) => v.code);

describe('power losses (PowerOnReset / BrownOutReset are not crashes, but frequent ones mean a power fault)', () => {
  it.each([
    [14, 0, false], [14, 1, false], [14, 2, true], [14, 4, true],
    [30, 1, false], [30, 2, true], [31, 2, false], [31, 3, true],
    [45, 2, false], [45, 3, true], [45, 4, true],
    [1, 1, false], [1, 2, true],
  ] as const)('%s-day window, %s power loss(es): flagged %s', (windowDays, powerLosses, flagged) => {
    const found = codes({ windowDays, powerLosses });
    expect(found.includes('power_losses')).toBe(flagged);
    // below the threshold a power loss is still named (info), so support can look at a longer window
    expect(found.includes('power_loss')).toBe(!flagged && powerLosses > 0);
    expect(found).toEqual(powerLosses === 0 ? ['healthy'] : [flagged ? 'power_losses' : 'power_loss']);
    expect(powerLosses >= powerLossThreshold(windowDays)).toBe(flagged);
  });

  it('is a warning distinct from unexpected reboots, with a next step and words for the caller', () => {
    const d = diagnose(summary({ powerLosses: 4, windowDays: 45 }));
    expect(d.status).toBe('warning');
    expect(d.primary.code).toBe('power_losses');
    expect(d.primary.detail).toMatch(/^4 restarts after a loss of power/);
    expect(d.primary.detail).toMatch(/not crashes/);
    expect(d.primary.nextStep).toMatch(/replacement/);
    expect(d.primary.tellCaller).toMatch(/charge/);
    expect(d.verdicts.map((v) => v.code)).not.toContain('reboots');
    expect(d.verdicts.map((v) => v.code)).not.toContain('reboot_loop');
  });

  it('keeps crashes and power losses apart when both happen', () => {
    expect(codes({ unexpectedReboots: 3, powerLosses: 2 })).toEqual(['reboot_loop', 'power_losses']);
    expect(codes({ unexpectedReboots: 1, powerLosses: 1 })).toEqual(['reboots', 'power_loss']);
    expect(diagnose(summary({ powerLosses: 1 })).primary).toMatchObject({ code: 'power_loss', severity: 'info' });
    expect(diagnose(summary({ powerLosses: 1 })).primary.nextStep).toContain('--days 45');
  });
});

describe('clock corrections (repeated or large: the cap cannot keep or get network time)', () => {
  it.each([
    [0, 0, 'healthy'],
    [1, 300, 'healthy'],
    [1, 301, 'clock_corrected'],
    [2, 900, 'clock_corrected'],
    [2, 3599, 'clock_corrected'],
    [2, 3600, 'clock_unreliable'],
    [1, 3682, 'clock_unreliable'],
    [3, 0, 'clock_unreliable'],
    [3, 120, 'clock_unreliable'],
    [20, 3682, 'clock_unreliable'],
  ] as const)('%s correction(s), up to %s s -> %s', (clockCorrections, maxClockCorrectionS, code) => {
    expect(codes({ clockCorrections, maxClockCorrectionS })).toEqual([code]);
  });

  it('warns, leaves the patient alone, escalates if it persists and says billing days stay right', () => {
    const d = diagnose(summary({ clockCorrections: 20, maxClockCorrectionS: 3682 }));
    expect(d.primary).toMatchObject({ code: 'clock_unreliable', severity: 'warning' });
    expect(d.primary.detail).toContain('20 time(s)');
    expect(d.primary.detail).toContain('3682 s');
    expect(d.primary.detail).toMatch(/Billing days stay right/);
    expect(d.primary.detail).not.toMatch(/power loss/);
    expect(d.primary.nextStep).toMatch(/^Nothing to do with the caller/);
    expect(d.primary.nextStep).toMatch(/escalate to engineering/);
    expect(d.primary.tellCaller).toMatch(/No action needed/);
    expect(diagnose(summary({ clockCorrections: 4, powerLosses: 2 })).verdicts.find((v) => v.code === 'clock_unreliable')!.detail).toMatch(/2 power loss/);
  });
});

describe('attach failures escalate a fair (or better) latest signal', () => {
  it.each([
    [14, -110, 2, ['signal_fair']],
    [14, -110, 3, ['signal_unreliable']],
    [14, -106, 3, ['signal_unreliable']],
    [14, -100, 2, ['healthy']],
    [14, -100, 3, ['signal_unreliable']],
    [14, -80, 3, ['signal_unreliable']],
    [14, -119, 30, ['signal_poor']],
    [45, -110, 8, ['signal_fair']],
    [45, -110, 9, ['signal_unreliable']],
  ] as const)('%s-day window, RSRP %s dBm, %s attach failure(s) -> %s', (windowDays, rsrpDbm, attachFailures, expected) => {
    expect(codes({ windowDays, rsrpDbm, attachFailures })).toEqual(expected);
    expect(attachFailures >= attachFailureThreshold(windowDays)).toBe(expected[0] === 'signal_unreliable' || (expected[0] === 'signal_poor' && attachFailures >= 3));
  });

  it('names both counters and gives the window advice', () => {
    const d = diagnose(summary({ rsrpDbm: -110, attachFailures: 12, connectionLosses: 5 }));
    expect(d.primary.severity).toBe('warning');
    expect(d.primary.detail).toContain('12 failed network attach attempts and 5 dropped connection(s)');
    expect(d.primary.detail).toContain('-110 dBm (fair)');
    expect(d.primary.nextStep).toMatch(/window/);
    expect(d.primary.tellCaller).toMatch(/window/);
    expect(d.signalBand).toBe('fair');
  });

  it('leaves a silent cap to the silence verdicts and no signal reading to no_service', () => {
    expect(codes({ rsrpDbm: -110, attachFailures: 9, lastSeenAt: hoursAgo(40) })).toEqual(['silent']);
    expect(codes({ rsrpDbm: undefined, attachFailures: 9 })).toEqual(['no_service']);
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
    expect([0x0007, 0x8003, 0x0009, 0x8005, 0x0002].map(isPowerLossReset)).toEqual([true, true, false, false, false]);
  });
});
