import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, configProblem, loadStoredConfig, mergeConfig, storeConfig } from '../src/config.ts';
import { BlobStore } from '../src/storage/blob-store.ts';
import { FakeFlash } from '../src/testing/fake-ports.ts';
import { decodeCbor, encodeCbor } from '../../protocol/src/cbor.ts';
import { ConfigKey, type DeviceConfig } from '../../protocol/src/messages.ts';

const CONFIG: DeviceConfig = {
  ...DEFAULT_CONFIG,
  configVersion: 0x12345678,
  reminderMinutes: [480, 1200, 1439],
  utcOffsetMin: -300,
  nextOffsetChangeUnixS: 1_800_000_000,
  nextOffsetMin: -240,
  quietStartMin: 1320,
  quietEndMin: 420,
  lidLeftOpenS: 86400,
};

const store = (flash = new FakeFlash(2)): BlobStore => new BlobStore(flash, 0);
const bytesOf = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const textOf = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

describe('stored config', () => {
  it('survives a reload, optional fields included', () => {
    const flash = new FakeFlash(2);
    storeConfig(store(flash), CONFIG);
    expect(loadStoredConfig(store(flash))).toEqual(CONFIG);
    storeConfig(store(flash), DEFAULT_CONFIG);
    expect(loadStoredConfig(store(flash))).toEqual(DEFAULT_CONFIG);
  });

  it('is the CBOR map of the Config fields, keyed by ConfigKey', () => {
    const flash = new FakeFlash(2);
    storeConfig(store(flash), CONFIG);
    const stored = decodeCbor(bytesOf(store(flash).read()!)) as Map<number, unknown>;
    const expected = new Map<number, unknown>();
    for (const [name, key] of Object.entries(ConfigKey)) expected.set(key, CONFIG[name as keyof DeviceConfig]);
    expect(new Map([...stored].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...expected].sort((a, b) => a[0] - b[0])));
  });

  it('nothing stored, garbage, JSON, a non-map or an out-of-range field: no stored config (the defaults stay)', () => {
    expect(loadStoredConfig(store())).toBeUndefined();
    const cases = [
      '',
      'garbage',
      '\u00ff\u00ff\u00ff',
      JSON.stringify(CONFIG),
      textOf(encodeCbor([1, 2, 3])),
      textOf(encodeCbor(new Map([[ConfigKey.configVersion, 1]]))), // required fields missing
      textOf(encodeCbor(new Map<number, unknown>([...Object.entries(ConfigKey)].map(([n, k]) => [k, DEFAULT_CONFIG[n as keyof DeviceConfig] ?? 0])).set(ConfigKey.lidDebounceMs, 0))),
      textOf(encodeCbor(new Map<number, unknown>([...Object.entries(ConfigKey)].map(([n, k]) => [k, DEFAULT_CONFIG[n as keyof DeviceConfig] ?? 0])).set(ConfigKey.reminderMinutes, [1440]))),
      '\u0100\u2603', // not bytes at all
    ];
    for (const text of cases) {
      const s = store();
      s.write(text);
      expect(loadStoredConfig(s), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('a stored config with every field valid loads even with unknown keys beside them', () => {
    const flash = new FakeFlash(2);
    storeConfig(store(flash), CONFIG);
    const m = decodeCbor(bytesOf(store(flash).read()!)) as Map<number, unknown>;
    m.set(99, 'future field');
    const s = store(flash);
    s.write(textOf(encodeCbor(m)));
    expect(loadStoredConfig(store(flash))).toEqual(CONFIG);
  });
});

describe('config validation', () => {
  it('names the first invalid field, skips absent optional ones', () => {
    expect(configProblem(DEFAULT_CONFIG)).toBeUndefined();
    expect(configProblem(CONFIG)).toBeUndefined();
    expect(configProblem({ ...CONFIG, utcOffsetMin: 841 })).toBe('utcOffsetMin');
    expect(configProblem({ ...CONFIG, reminderMinutes: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toBe('reminderMinutes');
    expect(configProblem({ ...CONFIG, reminderMinutes: [0.5] })).toBe('reminderMinutes');
    expect(configProblem({ ...CONFIG, quietEndMin: -1 })).toBe('quietEndMin');
    expect(configProblem({ ...DEFAULT_CONFIG, heartbeatIntervalS: undefined } as unknown as DeviceConfig)).toBe('heartbeatIntervalS');
  });

  it('mergeConfig takes the defined fields of the second, copies the reminder list, drops other keys', () => {
    const over = { reminderMinutes: [600], kind: 17, serial: 'PC-1' } as unknown as Partial<DeviceConfig>;
    const merged = mergeConfig(DEFAULT_CONFIG, over);
    expect(merged).toEqual({ ...DEFAULT_CONFIG, reminderMinutes: [600] });
    expect(merged.reminderMinutes).not.toBe(over.reminderMinutes);
  });
});
