import { z } from 'zod';
import { ACTIVATION_STATUSES } from '../../../enrolment/activation-status.ts';
import { Serial } from '../common-schemas.ts';

export const StockQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(100), after: Serial.optional() });
export const StockCap = z.object({ serial: z.string(), appFirmware: z.string().nullable(), factoryPassed: z.boolean(), registeredAt: z.string(), lastSeenAt: z.string().nullable() });
export const StockList = z.object({ caps: z.array(StockCap), next: z.string().nullable() });

export const ShipmentBody = z.object({ addressNote: z.string().trim().min(1, 'addressNote: where the cap goes (an address or a note)').max(500) });
export const CapShipment = z.object({
  id: z.number(),
  patientId: z.string(),
  requestedBy: z.object({ id: z.string(), name: z.string() }),
  requestedAt: z.string(),
  addressNote: z.string(),
});
export const ShipmentList = z.object({ shipments: z.array(CapShipment) });

export const ActivationStatus = z.enum(ACTIVATION_STATUSES);
export const Activation = z.object({
  patientId: z.string(),
  reference: z.string(),
  name: z.string(),
  timeZone: z.string(),
  enrolledAt: z.string(),
  status: ActivationStatus,
  consent: z.object({ at: z.string(), by: z.string(), method: z.string().nullable() }).nullable(),
  cap: z.object({ serial: z.string(), assignedAt: z.string() }).nullable(),
  latestShipment: z.object({ id: z.number(), requestedAt: z.string(), requestedBy: z.string() }).nullable(),
  firstDataAt: z.string().nullable(),
});
export const PendingQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
export const PendingEnrolments = z.object({ enrolments: z.array(Activation) });
