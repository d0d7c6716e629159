/** Schemas shared by several route groups. */
import { z } from 'zod';
import { SERIAL_PATTERN } from '../../../../protocol/src/messages.ts';

export const Serial = z.string().regex(SERIAL_PATTERN, 'serial: 4 to 32 characters of A-Z, 0-9 and -');
export const SerialParams = z.object({ serial: Serial });
export const PatientParams = z.object({ patientId: z.uuid() });
export const IsoDate = z.iso.date();
export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month: YYYY-MM');
export const Timestamp = z.iso.datetime({ offset: true });

export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  requestId: z.string(),
  details: z.unknown().optional(),
  issues: z.array(z.object({ in: z.string(), path: z.string(), message: z.string(), code: z.string() })).optional(),
});

export const iso = (value: Date | null | undefined): string | null => (value ? new Date(value).toISOString() : null);
