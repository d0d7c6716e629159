/**
 * Device configuration: defaults, validation (ranges from protocol/src/messages.ts ConfigKey comments) and
 * persistence in the config BlobStore, so reminders keep working after a reboot without coverage.
 */
import type { DeviceConfig } from '../../protocol/src/messages.ts';
import { CONFIG_RANGES as C, type Range } from '../../protocol/src/limits.ts';
import type { BlobStore } from './storage/blob-store.ts';

export const DEFAULT_CONFIG: DeviceConfig = {
  configVersion: 0,
  reminderMinutes: [],
  utcOffsetMin: 0,
  reminderGraceMin: 15,
  reminderWindowMin: 120,
  heartbeatIntervalS: 86400,
  uploadCoalesceS: 300,
  lidDebounceMs: 50,
  lidLeftOpenS: 600,
};

function intIn(v: unknown, r: Range): boolean {
  return typeof v === 'number' && Math.floor(v) === v && v >= r[0] && v <= r[1];
}

/**
 * Every DeviceConfig field in wire order with its range from protocol/src/limits.ts (the codec checks
 * downlinks against the same table) and whether it may be absent. reminderMinutes is a list of at most
 * CONFIG_RANGES.maxReminders minutes, each checked against its range.
 */
const FIELDS: [field: keyof DeviceConfig, range: Range, optional: boolean][] = [
  ['configVersion', C.configVersion, false],
  ['reminderMinutes', C.reminderMinute, false],
  ['utcOffsetMin', C.utcOffsetMin, false],
  ['nextOffsetChangeUnixS', C.nextOffsetChangeUnixS, true],
  ['nextOffsetMin', C.utcOffsetMin, true],
  ['reminderGraceMin', C.reminderGraceMin, false],
  ['reminderWindowMin', C.reminderWindowMin, false],
  ['quietStartMin', C.quietMin, true],
  ['quietEndMin', C.quietMin, true],
  ['heartbeatIntervalS', C.heartbeatIntervalS, false],
  ['uploadCoalesceS', C.uploadCoalesceS, false],
  ['lidDebounceMs', C.lidDebounceMs, false],
  ['lidLeftOpenS', C.lidLeftOpenS, false],
];

/** Returns the first invalid field's name when `c` is not a valid config, else undefined. */
export function configProblem(c: DeviceConfig): string | undefined {
  const values = c as unknown as Record<string, unknown>;
  for (let i = 0; i < FIELDS.length; i++) {
    const f = FIELDS[i];
    const v = values[f[0]];
    if (f[2] && v === undefined) continue;
    if (f[0] !== 'reminderMinutes') {
      if (!intIn(v, f[1])) return f[0];
      continue;
    }
    if (!Array.isArray(v) || v.length > C.maxReminders) return f[0];
    for (let k = 0; k < v.length; k++) if (!intIn(v[k], f[1])) return f[0];
  }
  return undefined;
}

/** `base` with every DeviceConfig field that `over` defines (extra keys such as kind/serial are ignored). */
export function mergeConfig(base: DeviceConfig, over: Partial<DeviceConfig> | undefined): DeviceConfig {
  const out = {} as Record<string, unknown>;
  const b = base as unknown as Record<string, unknown>;
  const o = (over || {}) as Record<string, unknown>;
  for (let i = 0; i < FIELDS.length; i++) {
    const k = FIELDS[i][0];
    const v = o[k] !== undefined ? o[k] : b[k];
    if (v !== undefined) out[k] = k === 'reminderMinutes' ? (v as number[]).slice() : v;
  }
  return out as unknown as DeviceConfig;
}

export function loadStoredConfig(store: BlobStore): DeviceConfig | undefined {
  const text = store.read();
  if (text === undefined) return undefined;
  try {
    const parsed = mergeConfig(DEFAULT_CONFIG, JSON.parse(text) as Partial<DeviceConfig>);
    return configProblem(parsed) === undefined ? parsed : undefined;
  } catch (e) {
    return undefined;
  }
}

export function storeConfig(store: BlobStore, config: DeviceConfig): void {
  store.write(JSON.stringify(mergeConfig(DEFAULT_CONFIG, config)));
}
