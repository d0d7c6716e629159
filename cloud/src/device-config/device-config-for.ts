/**
 * The Config a cap should run (protocol/src/messages.ts DeviceConfig), built from the patient holding it,
 * the organisation's settings and the current instant. Pure: no database, no clock.
 *
 * - reminderMinutes: the patient's regimen (minutes after local midnight), sorted and de-duplicated; a cap
 *   in stock (no patient) gets none.
 * - utcOffsetMin: the patient's zone at `now`; nextOffsetChangeUnixS / nextOffsetMin: the zone's next offset
 *   change within DST_HORIZON_DAYS (absent for zones without DST). The cap switches by itself at that
 *   instant; the cloud sends the change after that once the cap next reports (config-service.ts).
 *   A cap in stock runs on UTC.
 * - everything else: DEVICE_CONFIG_DEFAULTS (the firmware's own factory defaults, firmware/src/config.ts),
 *   overridden per organisation by `organisations.settings.device` (deviceSettingsSchema).
 */
import { z } from 'zod';
import type { DeviceConfig } from '../../../protocol/src/messages.ts';
import { CONFIG_RANGES as R } from '../../../protocol/src/limits.ts';
import { nextOffsetChange, utcOffsetMinAt } from './zone-offsets.ts';

/** How far ahead to look for the next DST change (a cap reports at least daily, so one year is plenty). */
export const DST_HORIZON_DAYS = 400;

/** Defaults, equal to the firmware's factory defaults so a cap's behaviour only changes where we mean it to. */
export const DEVICE_CONFIG_DEFAULTS = {
  reminderGraceMin: 15, // glow for 15 min before the chime
  reminderWindowMin: 120, // DoseMissed 2 h after the due time
  heartbeatIntervalS: 86_400, // the brief: a heartbeat at least daily
  uploadCoalesceS: 300, // connect 5 min after the lid closes (coalesces a pill-taking routine)
  lidDebounceMs: 50,
  lidLeftOpenS: 600,
  // no quiet hours by default: a reminder chimes whenever it is due
} as const;

const int = (range: readonly [number, number]) => z.number().int().min(range[0]).max(range[1]);

/** `organisations.settings.device`: every key optional (missing = DEVICE_CONFIG_DEFAULTS). */
export const deviceSettingsSchema = z
  .object({
    reminderGraceMin: int(R.reminderGraceMin).optional(),
    reminderWindowMin: int(R.reminderWindowMin).optional(),
    quietStartMin: int(R.quietMin).optional(),
    quietEndMin: int(R.quietMin).optional(),
    heartbeatIntervalS: int(R.heartbeatIntervalS).optional(),
    uploadCoalesceS: int(R.uploadCoalesceS).optional(),
    lidDebounceMs: int(R.lidDebounceMs).optional(),
    lidLeftOpenS: int(R.lidLeftOpenS).optional(),
  })
  .strict()
  .refine((s) => (s.quietStartMin === undefined) === (s.quietEndMin === undefined), {
    message: 'quietStartMin and quietEndMin go together',
  });
export type DeviceSettings = z.infer<typeof deviceSettingsSchema>;

export type DeviceConfigErrorCode = 'invalid_device_settings' | 'invalid_regimen' | 'invalid_time_zone';

export class DeviceConfigError extends Error {
  override readonly name = 'DeviceConfigError';
  constructor(
    readonly code: DeviceConfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ConfigPatient {
  timeZone: string;
  regimen: { reminderMinutes?: unknown; [key: string]: unknown };
}

const reminderMinutesSchema = z.array(int(R.reminderMinute)).max(R.maxReminders);

/** Reads `settings.device` from an organisation's settings jsonb (the whole object). */
export function deviceSettingsFrom(orgSettings: unknown): DeviceSettings {
  const raw = orgSettings && typeof orgSettings === 'object' ? (orgSettings as Record<string, unknown>).device : undefined;
  if (raw === undefined || raw === null) return {};
  const parsed = deviceSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DeviceConfigError('invalid_device_settings', `invalid device settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The regimen's reminder minutes, validated against the protocol's ranges, ascending and unique. */
export function reminderMinutesOf(regimen: ConfigPatient['regimen']): number[] {
  const raw = regimen.reminderMinutes ?? [];
  const unique = Array.isArray(raw) ? [...new Set(raw)] : raw;
  const parsed = reminderMinutesSchema.safeParse(unique);
  if (!parsed.success) {
    throw new DeviceConfigError(
      'invalid_regimen',
      `regimen reminderMinutes must be at most ${R.maxReminders} whole minutes after local midnight (0..1439): ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    );
  }
  return parsed.data.sort((a, b) => a - b);
}

/**
 * Builds the config. `configVersion` is left at `options.configVersion` (0 by default): versions are
 * assigned when a config is stored (config-service.ts).
 */
export function deviceConfigFor(patient: ConfigPatient | null, orgSettings: unknown, now: Date, options: { configVersion?: number } = {}): DeviceConfig {
  const settings = deviceSettingsFrom(orgSettings);
  const nowS = Math.floor(now.getTime() / 1000);
  const zone = patient?.timeZone ?? 'UTC';
  let utcOffsetMin: number;
  try {
    utcOffsetMin = utcOffsetMinAt(zone, nowS);
  } catch {
    throw new DeviceConfigError('invalid_time_zone', `"${zone}" is not an IANA time zone`);
  }
  const change = nextOffsetChange(zone, nowS, DST_HORIZON_DAYS);
  const config: DeviceConfig = {
    configVersion: options.configVersion ?? 0,
    reminderMinutes: patient ? reminderMinutesOf(patient.regimen) : [],
    utcOffsetMin,
    reminderGraceMin: settings.reminderGraceMin ?? DEVICE_CONFIG_DEFAULTS.reminderGraceMin,
    reminderWindowMin: settings.reminderWindowMin ?? DEVICE_CONFIG_DEFAULTS.reminderWindowMin,
    heartbeatIntervalS: settings.heartbeatIntervalS ?? DEVICE_CONFIG_DEFAULTS.heartbeatIntervalS,
    uploadCoalesceS: settings.uploadCoalesceS ?? DEVICE_CONFIG_DEFAULTS.uploadCoalesceS,
    lidDebounceMs: settings.lidDebounceMs ?? DEVICE_CONFIG_DEFAULTS.lidDebounceMs,
    lidLeftOpenS: settings.lidLeftOpenS ?? DEVICE_CONFIG_DEFAULTS.lidLeftOpenS,
  };
  if (change) {
    config.nextOffsetChangeUnixS = change.atUnixS;
    config.nextOffsetMin = change.offsetMin;
  }
  if (settings.quietStartMin !== undefined && settings.quietEndMin !== undefined) {
    config.quietStartMin = settings.quietStartMin;
    config.quietEndMin = settings.quietEndMin;
  }
  return config;
}
