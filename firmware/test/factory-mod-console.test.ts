import { afterEach, describe, expect, it } from 'vitest';
import { factoryModConsole, type FactoryMod } from '../ports/moddable/factory-mod.ts';
import { FactoryConsole } from '../src/console/factory-console.ts';
import { installModemConsole } from '../src/console/modem-console.ts';
import { HardwareResetReason } from '../src/ports/ports.ts';
import { FakeHardware } from '../src/testing/fake-ports.ts';
import { bootFirmware } from './helpers.ts';

/*
 * The device image carries no console: it loads the factory mod (ports/moddable/factory-mod.ts) at boot in
 * factory mode, else on the first console line. Here the "mod" is the same installer factory-mod-entry.ts
 * publishes, loaded by a stand-in for main.js's Modules.importNow.
 */
const IMAGE_HASH = '00112233445566778899aabbccddeeff'; // FakeHardware's build

const global = globalThis as unknown as { pillcapFactoryMod?: FactoryMod };

function modLoader(imageHash: string | undefined): { load: () => void; loads: () => number } {
  let loads = 0;
  return {
    loads: () => loads,
    load: () => {
      loads++;
      if (imageHash === undefined) return; // nothing installed beside the image
      global.pillcapFactoryMod = {
        imageHash,
        install(ctx, factoryMode) {
          const console = new FactoryConsole(ctx);
          if (factoryMode) installModemConsole(ctx, console);
          return console;
        },
      };
    },
  };
}

afterEach(() => {
  delete global.pillcapFactoryMod;
});

const ask = (hw: FakeHardware, line: string): Record<string, unknown> => JSON.parse(hw.sendConsole(line) as string);

describe('the console from the factory mod', () => {
  it('is loaded at boot in factory mode, with the modem commands', () => {
    const mod = modLoader(IMAGE_HASH);
    const { hw } = bootFirmware({ serial: 'UNPROVISIONED', console: factoryModConsole(mod.load), unprovisionedIsFactory: true });
    expect(mod.loads()).toBe(1);
    expect(ask(hw, 'help').commands).toEqual(expect.arrayContaining(['ident', 'ship', 'battery?', 'modem']));
    expect(ask(hw, 'provision serial=PC-2026-000042')).toEqual({ ok: true, serial: 'PC-2026-000042' });
    expect(mod.loads()).toBe(1);
  });

  it('is loaded only when a line arrives in a provisioned boot, without the modem commands', () => {
    const hw = new FakeHardware();
    const first = modLoader(IMAGE_HASH);
    bootFirmware({ hw, serial: 'UNPROVISIONED', console: factoryModConsole(first.load), unprovisionedIsFactory: true });
    expect(ask(hw, 'provision serial=PC-2026-000042')).toMatchObject({ ok: true });
    delete global.pillcapFactoryMod; // a reboot starts a fresh VM: the mod is not loaded until asked for

    const mod = modLoader(IMAGE_HASH);
    bootFirmware({ hw, serial: 'UNPROVISIONED', reason: HardwareResetReason.PowerOn, console: factoryModConsole(mod.load), unprovisionedIsFactory: true });
    hw.advance(60_000);
    expect(mod.loads()).toBe(0);
    expect(ask(hw, 'ident')).toMatchObject({ ok: true, serial: 'PC-2026-000042', provisioned: true, bootCount: 2 });
    expect(ask(hw, 'modem info')).toMatchObject({ ok: false, error: 'unknown_command' });
    expect(mod.loads()).toBe(1);
  });

  it('answers no_console with the image hash when no mod is installed, and asks only once', () => {
    const mod = modLoader(undefined);
    // not factory mode (as a simulator cap): the mod is asked for only when a line arrives
    const { hw } = bootFirmware({ serial: 'PC-0001', console: factoryModConsole(mod.load) });
    expect(hw.sendConsole('  ')).toBeUndefined();
    expect(mod.loads()).toBe(0); // a blank line is noise: it does not load the mod
    expect(ask(hw, 'ident')).toEqual({ ok: false, error: 'no_console', imageHash: IMAGE_HASH });
    expect(ask(hw, 'log stats')).toEqual({ ok: false, error: 'no_console', imageHash: IMAGE_HASH });
    expect(hw.sendConsole('   ')).toBeUndefined();
    expect(mod.loads()).toBe(1);
  });

  it('survives a mod that throws while loading: the console is missing, the cap runs on', () => {
    const { hw, fw } = bootFirmware({
      serial: 'PC-0001',
      console: factoryModConsole(() => {
        throw new Error('bad archive');
      }),
      unprovisionedIsFactory: true,
    });
    expect(ask(hw, 'ident')).toEqual({ ok: false, error: 'no_console', imageHash: IMAGE_HASH });
    expect(hw.logLines).toContain('factory mod failed to load: bad archive');
    hw.setLid(1);
    hw.advance(5_000);
    hw.setLid(0);
    hw.advance(1_000);
    expect(fw.context.diagnostics.lidOpenCount).toBe(1);
  });

  it('refuses a mod built for another image (its shortened names would not match)', () => {
    const mod = modLoader('ffeeddccbbaa99887766554433221100');
    const { hw } = bootFirmware({ serial: 'UNPROVISIONED', console: factoryModConsole(mod.load), unprovisionedIsFactory: true });
    expect(hw.logLines).toContain(`factory mod for image ffeeddccbbaa99887766554433221100 ignored: this image is ${IMAGE_HASH}`);
    expect(ask(hw, 'ident')).toEqual({ ok: false, error: 'no_console', imageHash: IMAGE_HASH });
  });
});
