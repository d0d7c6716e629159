import { describe, expect, it } from 'vitest';
import { DEFAULT_BILLING_POLICY, eventQualifies, InvalidBillingSettingsError, policyFromSettings } from '../../src/billing/billing-policy.ts';

describe('policyFromSettings', () => {
  it('defaults: lid openings and symptom reports with trusted time, threshold 2', () => {
    const p = policyFromSettings({});
    expect(p).toEqual(DEFAULT_BILLING_POLICY);
    expect(p.qualifyingKinds).toEqual([1, 2]);
    expect(p.setupThresholdDays).toBe(2);
  });
  it('reads organisations.settings.billing and keeps defaults for missing keys', () => {
    const p = policyFromSettings({ billing: { qualifyingSources: ['device'], setupThresholdDays: 16 }, other: 1 });
    expect(p.qualifyingSources).toEqual(['device']);
    expect(p.setupThresholdDays).toBe(16);
    expect(p.qualifyingKinds).toEqual([1, 2]);
  });
  it('rejects bad settings with a typed error', () => {
    expect(() => policyFromSettings({ billing: { setupThresholdDays: 3 } })).toThrow(InvalidBillingSettingsError);
    expect(() => policyFromSettings({ billing: { qualifyingSources: ['diagnostic'] } })).toThrow(InvalidBillingSettingsError);
    expect(() => policyFromSettings({ billing: { qualifyingKinds: [99] } })).toThrow(InvalidBillingSettingsError);
    expect(() => policyFromSettings({ billing: { typo: true } })).toThrow(InvalidBillingSettingsError);
  });
  it('diagnostic kinds never qualify even when configured', () => {
    const p = { ...DEFAULT_BILLING_POLICY, qualifyingKinds: [1, 2, 5, 9] };
    expect(eventQualifies(p, 5, 'device', 'device_clock')).toBe(false);
    expect(eventQualifies(p, 9, 'diagnostic', 'device_clock')).toBe(false);
    expect(eventQualifies(p, 1, 'device', 'device_clock')).toBe(true);
    expect(eventQualifies(p, 1, 'device', 'estimated')).toBe(false);
  });
});
