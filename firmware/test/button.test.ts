import { describe, expect, it } from 'vitest';
import { EventKind, SymptomPattern } from '../../protocol/src/messages.ts';
import { bootFirmware } from './helpers.ts';
import type { FakeHardware } from '../src/testing/fake-ports.ts';

function press(hw: FakeHardware, ms: number): void {
  hw.setButton(1);
  hw.advance(3);
  hw.setButton(0); // contact bounce
  hw.advance(3);
  hw.setButton(1);
  hw.advance(ms);
  hw.setButton(0);
  hw.advance(30);
}

describe('Button module', () => {
  it('maps short, double and long presses to symptom patterns with feedback', () => {
    const { hw, fw, messages, events } = bootFirmware({});
    press(hw, 150);
    hw.advance(1000);
    press(hw, 150);
    hw.advance(100);
    press(hw, 150);
    hw.advance(1000);
    press(hw, 2500);
    hw.advance(1000);
    const symptoms = events().filter((e) => e.kind === EventKind.Symptom).map((e) => e.args[0]);
    expect(symptoms).toEqual([SymptomPattern.Short, SymptomPattern.Double, SymptomPattern.Long]);
    expect(messages.filter((m) => m.type === 'SYMPTOM_RECORDED').map((m) => (m as { pattern: number }).pattern)).toEqual([1, 2, 3]);
    expect(fw.context.indicator.patternsPlayed).toBe(3);
    expect(fw.context.diagnostics.buttonPresses).toBe(4);
    expect(hw.ledLevel).toBe(0);
    expect(hw.buzzerLevel).toBe(0);
  });

  it('feedback flashes once, twice or three times', () => {
    const { hw } = bootFirmware({});
    press(hw, 100);
    hw.advance(2000);
    const onsShort = hw.ledLog.filter(([, l]) => l === 1).length;
    hw.ledLog.length = 0;
    press(hw, 2000);
    hw.advance(2000);
    const onsLong = hw.ledLog.filter(([, l]) => l === 1).length;
    expect(onsShort).toBe(1);
    expect(onsLong).toBe(3);
  });

  it('reports the long press while the button is still held', () => {
    const { hw, events } = bootFirmware({});
    hw.setButton(1);
    hw.advance(1600);
    expect(events().filter((e) => e.kind === EventKind.Symptom).map((e) => e.args[0])).toEqual([SymptomPattern.Long]);
    hw.advance(5000);
    hw.setButton(0);
    hw.advance(1000);
    expect(events().filter((e) => e.kind === EventKind.Symptom).length).toBe(1);
  });

  it('presses while the lid is open still count', () => {
    const { hw, fw, events } = bootFirmware({});
    hw.setLid(1);
    hw.advance(100);
    press(hw, 100);
    hw.advance(1000);
    expect(fw.modules.lid.state).toBe('open');
    expect(events().filter((e) => e.kind === EventKind.Symptom).length).toBe(1);
  });
});
