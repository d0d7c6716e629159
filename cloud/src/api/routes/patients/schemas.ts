import { z } from 'zod';
import { isValidTimeZone } from '../../../repositories/patients.ts';
import { IsoDate, Serial, Timestamp } from '../common-schemas.ts';

export const TimeZone = z.string().max(64).refine(isValidTimeZone, { message: 'timeZone: an IANA time zone such as America/Chicago' });

export const EnrolPatientBody = z.object({
  reference: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  timeZone: TimeZone,
  bodySystem: z.enum(['respiratory', 'musculoskeletal', 'cbt']),
  monitoringStart: IsoDate,
  billingPractitioner: z.string().trim().min(1).max(200),
  diagnosis: z.string().trim().max(200).optional(),
});

export const CurrentPeriod = z.object({
  index: z.number(),
  startDate: z.string(),
  endDate: z.string(),
  monitoredDays: z.number(),
  deviceActiveDays: z.number(),
  supplyCode: z.string().nullable(),
  status: z.string(),
});

export const Patient = z.object({
  id: z.string(),
  reference: z.string(),
  name: z.string(),
  timeZone: z.string(),
  bodySystem: z.string(),
  monitoringStart: z.string(),
  periodAnchor: z.string(),
  episode: z.number(),
  billingPractitioner: z.string(),
  diagnosis: z.string().nullable(),
  device: z.string().nullable(),
});

export const PatientSummary = Patient.extend({ currentPeriod: CurrentPeriod.nullable() });
export const PatientList = z.object({ patients: z.array(PatientSummary), next: z.string().nullable(), thresholds: z.object({ low: z.number(), high: z.number() }) });
export const ListPatientsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), after: z.string().max(64).optional() });

export const AssignBody = z.object({ serial: Serial, at: Timestamp.optional() });
export const UnassignParams = z.object({ patientId: z.uuid(), serial: Serial });
export const UnassignQuery = z.object({ at: Timestamp.optional() });
export const Assignment = z.object({ serial: z.string(), assignedAt: z.string(), unassignedAt: z.string().nullable() });
export const AssignmentList = z.object({ assignments: z.array(Assignment) });
