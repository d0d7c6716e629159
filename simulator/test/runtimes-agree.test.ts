/**
 * The same scenario and seed give byte-identical results whether the firmware runs in this process or as
 * the bundled script inside QuickJS: flash image (the event log), every byte written to the modem UART, the
 * LED and buzzer timelines, and the boot history.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario, type Scenario } from '../src/scenario.ts';
import { simulate, type SimulationResult } from '../src/simulate.ts';
import type { SimulatedCap } from '../src/simulated-cap.ts';

async function runBoth(scenario: Scenario, days: number, seed: number) {
  const out: { result: SimulationResult; flash: Uint8Array; led: unknown; buzzer: unknown; rtcSets: unknown }[] = [];
  for (const runtime of ['node', 'quickjs'] as const) {
    let cap: SimulatedCap | undefined;
    const result = await simulate({ scenario, days, seed, runtime, connectivity: false, onCap: (c) => (cap = c) });
    out.push({ result, flash: cap!.board.flash.bytes.slice(), led: cap!.board.led.timeline, buzzer: cap!.board.buzzer.timeline, rtcSets: cap!.board.rtc.sets });
  }
  return out;
}

describe('in-process and QuickJS runs agree byte for byte', () => {
  it('with power cuts, clock faults, reminders and button presses', async () => {
    const base = await loadScenario('power-cuts');
    const scenario: Scenario = {
      ...base,
      clock: { ...base.clock, initial: { offsetS: -3600 }, jumps: [{ atDay: 2.5, byS: 900 }], rtcBackup: true },
      patient: { ...base.patient, symptomsPerDay: 1.5, leftOpenProbability: 0.05 },
      powerCuts: { ...base.powerCuts, at: [], randomCount: 6 },
    };
    const [node, quickjs] = await runBoth(scenario, 8, 11);
    const a = node.result.caps[0];
    const b = quickjs.result.caps[0];
    expect(a.crashes).toBe(0);
    expect(b.crashes).toBe(0);
    expect(a.recorded).toBeGreaterThan(20);
    expect(a.powerCuts).toBeGreaterThan(0);
    expect(Buffer.from(quickjs.flash).equals(Buffer.from(node.flash))).toBe(true);
    expect(b.flashSha256).toBe(a.flashSha256);
    expect(b.uartTxHash).toBe(a.uartTxHash);
    expect((node.led as unknown[]).length).toBeGreaterThan(0);
    expect(quickjs.led).toEqual(node.led);
    expect(quickjs.buzzer).toEqual(node.buzzer);
    expect(quickjs.rtcSets).toEqual(node.rtcSets);
    const strip = (s: typeof a) => ({ ...s, crashLog: [] });
    expect(strip(b)).toEqual(strip(a));
  });
});
