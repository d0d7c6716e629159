/**
 * Device configuration: defaults, validation (ranges from protocol/src/messages.ts ConfigKey comments) and
 * persistence in the config BlobStore, so reminders keep working after a reboot without coverage.
 */
import type { DeviceConfig } from '../../protocol/src/messages.ts';
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

function intIn(v: unknown, lo: number, hi: number): boolean {
  return typeof v === 'number' && Math.floor(v) === v && v >= lo && v <= hi;
}

/** Returns a reason when `c` is not a valid config, else undefined. */
export function configProblem(c: DeviceConfig): string | undefined {
  if (!intIn(c.configVersion, 0, 0xffffffff)) return 'configVersion';
  if (!Array.isArray(c.reminderMinutes) || c.reminderMinutes.length > 8) return 'reminderMinutes';
  for (let i = 0; i < c.reminderMinutes.length; i++) if (!intIn(c.reminderMinutes[i], 0, 1439)) return 'reminderMinutes';
  if (!intIn(c.utcOffsetMin, -840, 840)) return 'utcOffsetMin';
  if (c.nextOffsetChangeUnixS !== undefined && !intIn(c.nextOffsetChangeUnixS, 0, 0xffffffff)) return 'nextOffsetChangeUnixS';
  if (c.nextOffsetMin !== undefined && !intIn(c.nextOffsetMin, -840, 840)) return 'nextOffsetMin';
  if (!intIn(c.reminderGraceMin, 0, 240)) return 'reminderGraceMin';
  if (!intIn(c.reminderWindowMin, 1, 720)) return 'reminderWindowMin';
  if (c.quietStartMin !== undefined && !intIn(c.quietStartMin, 0, 1439)) return 'quietStartMin';
  if (c.quietEndMin !== undefined && !intIn(c.quietEndMin, 0, 1439)) return 'quietEndMin';
  if (!intIn(c.heartbeatIntervalS, 3600, 86400)) return 'heartbeatIntervalS';
  if (!intIn(c.uploadCoalesceS, 0, 86400)) return 'uploadCoalesceS';
  if (!intIn(c.lidDebounceMs, 5, 1000)) return 'lidDebounceMs';
  if (!intIn(c.lidLeftOpenS, 10, 86400)) return 'lidLeftOpenS';
  return undefined;
}

const FIELDS: (keyof DeviceConfig)[] = [
  'configVersion',
  'reminderMinutes',
  'utcOffsetMin',
  'nextOffsetChangeUnixS',
  'nextOffsetMin',
  'reminderGraceMin',
  'reminderWindowMin',
  'quietStartMin',
  'quietEndMin',
  'heartbeatIntervalS',
  'uploadCoalesceS',
  'lidDebounceMs',
  'lidLeftOpenS',
];

/** `base` with every DeviceConfig field that `over` defines (extra keys such as kind/serial are ignored). */
export function mergeConfig(base: DeviceConfig, over: Partial<DeviceConfig> | undefined): DeviceConfig {
  const out = {} as Record<string, unknown>;
  const b = base as unknown as Record<string, unknown>;
  const o = (over || {}) as Record<string, unknown>;
  for (let i = 0; i < FIELDS.length; i++) {
    const k = FIELDS[i];
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
