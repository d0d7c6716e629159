/**
 * Organisation scoping. Every lookup by an identifier goes through here and includes the caller's
 * organisation in the WHERE clause, so another organisation's row is simply "not found" (404).
 * Devices: a token sees the devices its organisation holds; a fleet-operator organisation sees all.
 */
import type { Queryable } from '../db/database.ts';
import type { Principal } from './auth/roles.ts';
import { notFound } from './errors.ts';

export interface PatientRow {
  id: string;
  org_id: string;
  reference: string;
  name: string;
  time_zone: string;
  body_system: 'respiratory' | 'musculoskeletal' | 'cbt';
  monitoring_start: string;
  period_anchor: string;
  episode: number;
  billing_practitioner: string;
  created_at: Date;
}

export interface DeviceRow {
  id: string;
  serial: string;
  org_id: string | null;
  imei: string | null;
  iccid: string | null;
  app_firmware: string | null;
  modem_firmware: string | null;
  factory_passed: boolean;
  registered_at: Date;
  last_seen_at: Date | null;
  ack_seq: number;
  log_tail_seq: number;
  dropped_total: number;
  boot_count: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function patientInOrg(db: Queryable, principal: Principal, patientId: string): Promise<PatientRow> {
  if (!UUID.test(patientId)) throw notFound('patient');
  const result = await db.query<PatientRow>(
    `SELECT id, org_id, reference, name, time_zone, body_system, monitoring_start::text AS monitoring_start,
            period_anchor::text AS period_anchor, episode, billing_practitioner, created_at
       FROM patients WHERE id = $1 AND org_id = $2`,
    [patientId, principal.orgId],
  );
  const row = result.rows[0];
  if (!row) throw notFound('patient');
  return row;
}

const DEVICE_COLUMNS = `id, serial, org_id, imei, iccid, app_firmware, modem_firmware, factory_passed, registered_at,
  last_seen_at, ack_seq, log_tail_seq, dropped_total, boot_count`;

export async function deviceInScope(db: Queryable, principal: Principal, serial: string): Promise<DeviceRow> {
  const result = await db.query<DeviceRow>(
    `SELECT ${DEVICE_COLUMNS} FROM devices WHERE serial = $1 AND ($2::boolean OR org_id = $3)`,
    [serial, principal.fleet, principal.orgId],
  );
  const row = result.rows[0];
  if (!row) throw notFound('device');
  return row;
}
