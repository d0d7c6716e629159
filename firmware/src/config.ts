/**
 * Device configuration: defaults, validation (the Config downlink's rules, protocol/src/device-codec.ts) and
 * persistence in the config BlobStore, so reminders keep working after a reboot without coverage.
 */
import { ConfigKey, type DeviceConfig } from '../../protocol/src/messages.ts';
import { configFieldProblem, decodeConfigFields, encodeConfigFields } from '../../protocol/src/device-codec.ts';
import type { BlobStore } from './storage/blob-store.ts';
import { latin1, latin1ToBytes } from './storage/latin1.ts';

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

/** Returns the first invalid field's name when `c` is not a valid config, else undefined (the Config downlink's rules). */
export const configProblem = configFieldProblem;

/** `base` with every DeviceConfig field that `over` defines (extra keys such as kind/serial are ignored). */
export function mergeConfig(base: DeviceConfig, over: Partial<DeviceConfig> | undefined): DeviceConfig {
  const out = {} as Record<string, unknown>;
  const b = base as unknown as Record<string, unknown>;
  const o = (over || {}) as Record<string, unknown>;
  for (const k in ConfigKey) {
    const v = o[k] !== undefined ? o[k] : b[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.slice() : v;
  }
  return out as unknown as DeviceConfig;
}

/*
 * Stored in wire form (device-codec encodeConfigFields: a CBOR map keyed by ConfigKey), never by field name:
 * the firmware build shortens the names. The blob store holds text, so each byte travels as one character
 * U+0000..U+00FF, which its UTF-8 carries unchanged.
 */
export function loadStoredConfig(store: BlobStore): DeviceConfig | undefined {
  const text = store.read();
  if (text === undefined) return undefined;
  try {
    const parsed = mergeConfig(DEFAULT_CONFIG, decodeConfigFields(latin1ToBytes(text)));
    return configProblem(parsed) === undefined ? parsed : undefined;
  } catch (e) {
    return undefined;
  }
}

export function storeConfig(store: BlobStore, config: DeviceConfig): void {
  store.write(latin1(encodeConfigFields(mergeConfig(DEFAULT_CONFIG, config))));
}
