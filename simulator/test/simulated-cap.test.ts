/**
 * The cap's boot lifecycle: power cuts, System OFF and wake, the factory console, crashes turned into
 * resets, and a dead boot never touching the next one's hardware.
 */
import { describe, expect, it } from 'vitest';
import { EventKind } from '../../protocol/src/messages.ts';
import { HardwareResetReason, type Ports } from '../../firmware/src/ports/ports.ts';
import { loadScenario, type Scenario } from '../src/scenario.ts';
import { SimulatedCap } from '../src/simulated-cap.ts';
import { NodeRuntime, type FirmwareInstance, type FirmwareRuntime } from '../src/firmware-runtime.ts';
import { VirtualTime } from '../src/virtual-time.ts';

const DAY = 86_400_000;

async function quietScenario(): Promise<Scenario> {
  const base = await loadScenario('adherent');
  return { ...base, connectivity: false, patient: { ...base.patient, doseTimes: [], curiosityPerDay: 0, symptomsPerDay: 0 } };
}

/** A stand-in firmware that records what the ports tell it and crashes on demand. */
class StubRuntime implements FirmwareRuntime {
  readonly name = 'node' as const;
  readonly boots: { reason: number; ports: Ports }[] = [];
  crashAtBoot = -1;
  boot(ports: Ports): FirmwareInstance {
    const index = this.boots.length;
    this.boots.push({ reason: ports.power.hardwareResetReason(), ports });
    return {
      start: () => {
        ports.power.startWatchdog(60_000);
        ports.timers.setInterval(() => ports.power.feedWatchdog(), 10_000);
        if (index === this.crashAtBoot) ports.timers.setTimeout(() => JSON.parse('{ not json'), 5_000);
      },
      dispose: () => undefined,
    };
  }
  memory(): undefined {
    return undefined;
  }
  dispose(): void {}
}

describe('SimulatedCap lifecycle', () => {
  it('a power cut discards the firmware instance and boots a new one on the same flash', async () => {
    const vt = new VirtualTime();
    const stub = new StubRuntime();
    const cap = new SimulatedCap({ vt, scenario: await quietScenario(), days: 1, seed: 1, serial: 'PC-LIFE-0001', runtime: stub });
    await vt.run(1000);
    const first = stub.boots[0].ports;
    first.power.setRetained(0, 42);
    vt.at(2000, () => cap.powerCut(30_000));
    await vt.run(10_000);
    expect(cap.state).toBe('off');
    expect(() => first.led.write(1)).toThrow(/lost power/);
    await vt.run(40_000);
    expect(cap.state).toBe('running');
    expect(stub.boots.map((b) => b.reason)).toEqual([HardwareResetReason.PowerOn, HardwareResetReason.PowerOn]);
    expect(stub.boots[1].ports.power.getRetained(0)).toBe(0);
    expect(cap.counters.powerCuts).toBe(1);
  });

  it('an exception escaping the firmware is a crash: counted, logged and followed by a Lockup reset', async () => {
    const vt = new VirtualTime();
    const stub = new StubRuntime();
    stub.crashAtBoot = 0;
    const cap = new SimulatedCap({ vt, scenario: await quietScenario(), days: 1, seed: 1, serial: 'PC-LIFE-0002', runtime: stub });
    stub.boots.length = 0;
    await vt.run(DAY);
    expect(cap.counters.crashes).toBe(1);
    expect(cap.crashLog[0]).toMatch(/SyntaxError|JSON/);
    expect(stub.boots.map((b) => b.reason)).toEqual([HardwareResetReason.PowerOn, HardwareResetReason.Lockup]);
    expect(cap.counters.watchdogResets).toBe(0);
  });

  it('the real firmware answers the factory console, ships into System OFF and wakes when the lid opens', async () => {
    const vt = new VirtualTime();
    const scenario = await quietScenario();
    const cap = new SimulatedCap({ vt, scenario, days: 2, seed: 1, serial: 'PC-LIFE-0003', runtime: new NodeRuntime() });
    const replies: string[] = [];
    cap.board.console.onDeviceLine((line) => replies.push(line));
    vt.at(5_000, () => cap.board.console.send('ident'));
    await vt.run(10_000);
    const ident = replies.map((r) => JSON.parse(r) as Record<string, unknown>).find((r) => JSON.stringify(r).includes('PC-LIFE-0003'));
    expect(ident).toBeDefined();
    vt.at(20_000, () => cap.board.console.send('ship'));
    await vt.run(60_000);
    expect(cap.state).toBe('system-off');
    expect(cap.counters.systemOffs).toBe(1);
    vt.at(3_600_000, () => cap.board.lid.set(1));
    vt.at(3_610_000, () => cap.board.lid.set(0));
    await vt.run(4_000_000);
    expect(cap.state).toBe('running');
    expect(cap.counters.boots).toBe(2);
    const boots = cap.inspectLog().events.filter((e) => e.kind === EventKind.Boot);
    expect(boots).toHaveLength(2);
    expect(boots[1].boot).toBe(boots[0].boot + 1);
  });

  it('a day of the real firmware feeds its watchdog and records reminders, openings and symptoms', async () => {
    const vt = new VirtualTime();
    const base = await loadScenario('adherent');
    const scenario: Scenario = { ...base, connectivity: false, patient: { ...base.patient, symptomTimes: ['12:00'], adherence: 1 } };
    const cap = new SimulatedCap({ vt, scenario, days: 2, seed: 4, serial: 'PC-LIFE-0004', runtime: new NodeRuntime() });
    await vt.run(2 * DAY);
    expect(cap.counters.watchdogResets).toBe(0);
    expect(cap.counters.crashes).toBe(0);
    const kinds = cap.inspectLog().events.map((e) => e.kind);
    expect(kinds.filter((k) => k === EventKind.LidOpened).length).toBe(cap.plan.openings.length);
    expect(kinds.filter((k) => k === EventKind.Symptom).length).toBe(cap.plan.presses.length);
    expect(kinds).toContain(EventKind.ReminderDue);
    expect(cap.board.led.onCount + cap.board.buzzer.onCount).toBeGreaterThan(0);
  });
});
