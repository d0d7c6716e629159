import { describe, it, expect } from 'vitest';
import { EnergyModel, BG95_TYPICAL_PROFILE, batteryLifeDays, txLevelFor } from '../../src/modem/energy-model.ts';
import { AtScript } from '../../src/modem/at-script.ts';

const HOUR = 3_600_000;

describe('energy model', () => {
  it('integrates per-state currents over virtual time', () => {
    const e = new EnergyModel(BG95_TYPICAL_PROFILE, 0);
    e.setModemState('psm', 0);
    e.setModemState('connected', HOUR);
    e.setModemState('psm', HOUR + 10_000);
    const r = e.report(2 * HOUR);
    const m = BG95_TYPICAL_PROFILE.modem;
    const expected = (m.psmMa * (2 * HOUR - 10_000) + m.connectedMa * 10_000) / HOUR;
    expect(r.modemMah).toBeCloseTo(expected, 9);
    expect(r.radioOnMs).toBe(10_000);
    expect(r.stateMs.psm).toBe(2 * HOUR - 10_000);
    expect(r.mcuMah).toBeCloseTo((BG95_TYPICAL_PROFILE.mcu.sleepMa * 2 * HOUR) / HOUR, 9);
  });

  it('charges TX bursts at the power level implied by RSRP', () => {
    expect(txLevelFor(-80)).toBe('low');
    expect(txLevelFor(-105)).toBe('mid');
    expect(txLevelFor(-125)).toBe('high');
    const a = new EnergyModel(BG95_TYPICAL_PROFILE, 0);
    const b = new EnergyModel(BG95_TYPICAL_PROFILE, 0);
    a.addTxBurst(1_000, 'low');
    b.addTxBurst(1_000, 'high');
    expect(b.report(0).modemMah).toBeGreaterThan(a.report(0).modemMah);
  });

  it('turns daily charge into battery life with usable fraction and self-discharge', () => {
    const days = batteryLifeDays(1, 1_000);
    const self = (1_000 * BG95_TYPICAL_PROFILE.selfDischargePctPerYear) / 100 / 365;
    expect(days).toBeCloseTo((1_000 * BG95_TYPICAL_PROFILE.usableFraction) / (1 + self), 6);
    expect(batteryLifeDays(2, 1_000)).toBeLessThan(days);
  });

  it('follows the emulated modem: search without coverage costs more than PSM with coverage', async () => {
    const run = async (rsrpDbm: number, psm: boolean) => {
      const s = new AtScript({ brokerUrl: 'mqtt://127.0.0.1:1', conditions: { coverage: [{ fromMs: 0, rsrpDbm }] } });
      await s.powerOn();
      if (psm) await s.cmd('AT+CPSMS=1,,,"00111000","00000101"');
      await s.advance(HOUR);
      return s.modem.energy.report(s.time.now());
    };
    const good = await run(-90, true);
    const none = await run(-150, false);
    expect(good.stateMs.psm).toBeGreaterThan(0.9 * HOUR);
    expect(none.stateMs.search).toBeGreaterThan(0.9 * HOUR);
    expect(none.chargeMah).toBeGreaterThan(100 * good.chargeMah);
  });
});
