/**
 * Organisation scoping for routes. The repositories put the caller's organisation in the WHERE clause, so
 * another organisation's row is simply "not found"; here that becomes a 404 (never a 403, which would
 * confirm the row exists). Devices: a token sees the devices its organisation holds; a fleet-operator
 * organisation sees all.
 */
import type { Queryable } from '../db/database.ts';
import { findDeviceInScope, type Device } from '../repositories/devices.ts';
import { findPatientInOrg, type Patient } from '../repositories/patients.ts';
import type { Principal } from './auth/roles.ts';
import { notFound } from './errors.ts';

export async function patientInOrg(db: Queryable, principal: Principal, patientId: string): Promise<Patient> {
  const patient = await findPatientInOrg(db, principal.orgId, patientId);
  if (!patient) throw notFound('patient');
  return patient;
}

export async function deviceInScope(db: Queryable, principal: Principal, serial: string): Promise<Device> {
  const device = await findDeviceInScope(db, principal, serial);
  if (!device) throw notFound('device');
  return device;
}
