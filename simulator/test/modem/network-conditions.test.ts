import { describe, it, expect } from 'vitest';
import { parseNetworkConditions, rsrpAt, hasService, ceLevelFor, attachDelayMs, isDenied, changePoints, signalFor } from '../../src/modem/network-conditions.ts';

describe('network conditions', () => {
  it('defaults to good coverage with nothing going wrong', () => {
    const c = parseNetworkConditions({});
    expect(rsrpAt(c, 1e9)).toBe(-90);
    expect(hasService(c, 0)).toBe(true);
    expect(c.drops).toEqual([]);
    expect(c.nitz).toBe(true);
  });

  it('reads RSRP as a step function and derives service, CE level and attach time', () => {
    const c = parseNetworkConditions({
      coverage: [
        { fromMs: 1_000, rsrpDbm: -150 },
        { fromMs: 0, rsrpDbm: -100 },
        { fromMs: 5_000, rsrpDbm: -120 },
      ],
      slowAttach: [{ fromMs: 8_000, toMs: 9_000, attachMs: 90_000 }],
      denied: [{ fromMs: 2_000, toMs: 3_000 }],
    });
    expect([0, 999, 1_000, 4_999, 5_000, 1e9].map((t) => rsrpAt(c, t))).toEqual([-100, -100, -150, -150, -120, -120]);
    expect(hasService(c, 1_500)).toBe(false);
    expect([isDenied(c, 1_999), isDenied(c, 2_000), isDenied(c, 3_000)]).toEqual([false, true, false]);
    expect([-90, -112, -120, -126].map(ceLevelFor)).toEqual([0, 1, 2, 3]);
    expect(attachDelayMs(c, 0)).toBe(3_000);
    expect(attachDelayMs(c, 6_000)).toBe(20_000);
    expect(attachDelayMs(c, 8_500)).toBe(90_000);
    expect(changePoints(c)).toEqual([0, 1_000, 2_000, 3_000, 5_000, 8_000, 9_000]);
  });

  it('keeps QCSQ figures in their documented ranges', () => {
    for (const rsrp of [-44, -80, -110, -128, -140]) {
      const s = signalFor(rsrp);
      expect(s.sinrRaw).toBeGreaterThanOrEqual(0);
      expect(s.sinrRaw).toBeLessThanOrEqual(250);
      expect(s.rsrqDb).toBeGreaterThanOrEqual(-20);
      expect(s.rsrqDb).toBeLessThanOrEqual(-3);
    }
  });

  it('rejects malformed conditions with a zod error', () => {
    expect(() => parseNetworkConditions({ denied: [{ fromMs: 5, toMs: 1 }] })).toThrow(/toMs/);
    expect(() => parseNetworkConditions({ drops: [{ atMs: -1 }] })).toThrow();
    expect(() => parseNetworkConditions({ lostAcks: [{ atMs: 0, kind: 'both' }] })).toThrow();
  });
});
