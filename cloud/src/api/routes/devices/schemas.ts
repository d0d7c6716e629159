import { z } from 'zod';
import { SIGNAL_BANDS } from '../../../support/cap-health.ts';
import { Serial, Timestamp } from '../common-schemas.ts';

export const FactoryStep = z.object({
  name: z.string().min(1).max(40),
  ok: z.boolean(),
  value: z.number().nullable().default(null),
  message: z.string().max(200).default(''),
});

export const RegisterDeviceBody = z.object({
  serial: Serial,
  imei: z.string().regex(/^\d{15}$/, 'imei: 15 digits'),
  iccid: z.string().regex(/^\d{18,22}$/, 'iccid: 18 to 22 digits'),
  appFirmware: z.string().min(1).max(64),
  modemFirmware: z.string().min(1).max(64).optional(),
  imageHash: z.string().regex(/^[0-9a-f]{16,64}$/, 'imageHash: 8 to 32 bytes as lowercase hex').optional(),
  factoryReport: z.object({
    passed: z.boolean(),
    stationId: z.string().min(1).max(64),
    testedAt: Timestamp.optional(),
    steps: z.array(FactoryStep).min(1).max(64),
  }),
  /** Organisation (slug) that receives the cap; fleet operators only. Omitted: stock (operator) or own org. */
  organisation: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/).optional(),
});

export const Device = z.object({
  serial: z.string(),
  imei: z.string().nullable(),
  iccid: z.string().nullable(),
  appFirmware: z.string().nullable(),
  modemFirmware: z.string().nullable(),
  factoryPassed: z.boolean(),
  registeredAt: z.string(),
  lastSeenAt: z.string().nullable(),
  organisation: z.string().nullable(),
  assigned: z.boolean(),
});

/** One unit with its health for clinic staff: last report, battery and signal band (no field diagnostics). */
export const DeviceDetail = Device.extend({
  health: z.object({
    lastHeartbeatAt: z.string().nullable(),
    batteryPct: z.number().nullable(),
    batteryLow: z.boolean(),
    signal: z.enum(SIGNAL_BANDS),
  }),
});

export const DeviceList = z.object({ devices: z.array(Device), next: z.string().nullable() });
export const ListDevicesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), after: Serial.optional() });
export const ShipDeviceBody = z.object({ organisation: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/).nullable() });
