import { describe, expect, it } from 'vitest';
import { managementCodesFor } from '../../src/billing/management-codes.ts';
import { supplyCodeFor } from '../../src/billing/supply-code.ts';
import { periodBounds, periodIndexOf } from '../../src/billing/supply-periods.ts';

describe('supplyCodeFor', () => {
  it.each([
    ['respiratory', 0, null],
    ['respiratory', 1, null],
    ['respiratory', 2, '98984'],
    ['respiratory', 15, '98984'],
    ['respiratory', 16, '98976'],
    ['respiratory', 30, '98976'],
    ['musculoskeletal', 2, '98985'],
    ['musculoskeletal', 16, '98977'],
    ['cbt', 15, '98986'],
    ['cbt', 16, '98978'],
  ] as const)('%s with %i days => %s', (system, days, code) => {
    expect(supplyCodeFor(system, days).code).toBe(code);
  });
  it('refuses impossible counts', () => {
    expect(() => supplyCodeFor('cbt', 31)).toThrow(RangeError);
  });
});

describe('supply periods', () => {
  it('day 30 is the last day of period 0 and day 31 the first of period 1', () => {
    expect(periodBounds('2026-01-01', 0)).toEqual({ index: 0, startDate: '2026-01-01', endDate: '2026-01-30' });
    expect(periodIndexOf('2026-01-01', '2026-01-30')).toBe(0);
    expect(periodIndexOf('2026-01-01', '2026-01-31')).toBe(1);
    expect(periodBounds('2026-01-01', 1)).toEqual({ index: 1, startDate: '2026-01-31', endDate: '2026-03-01' });
    expect(periodIndexOf('2026-01-01', '2025-12-31')).toBe(-1);
  });
});

describe('managementCodesFor', () => {
  it.each([
    [9, []],
    [10, [{ code: '98979', units: 1 }]],
    [19, [{ code: '98979', units: 1 }]],
    [20, [{ code: '98980', units: 1 }]],
    [39, [{ code: '98980', units: 1 }]],
    [40, [{ code: '98980', units: 1 }, { code: '98981', units: 1 }]],
    [60, [{ code: '98980', units: 1 }, { code: '98981', units: 2 }]],
  ])('%i minutes with an interactive communication', (minutes, codes) => {
    expect(managementCodesFor(minutes, 1).codes).toEqual(codes);
  });
  it.each([9, 10, 19, 20, 39, 40, 60])('%i minutes without an interactive communication => nothing', (minutes) => {
    expect(managementCodesFor(minutes, 0).codes).toEqual([]);
  });
  it('never bills 98979 together with 98980', () => {
    for (let m = 0; m <= 200; m++) {
      const codes = managementCodesFor(m, 1).codes.map((c) => c.code);
      expect(codes.includes('98979') && codes.includes('98980')).toBe(false);
    }
  });
});
