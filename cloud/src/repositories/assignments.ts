/**
 * Device assignments: a cap belongs to a patient over [assignedAt, unassignedAt). Intervals of one cap never
 * overlap (checked under a lock on the device row, so concurrent assigns cannot both succeed). Events
 * belong to the patient who had the cap at the moment they happened.
 */
import type { Queryable } from '../db/database.ts';
import { RepositoryError } from './repository-error.ts';

export interface Assignment {
  id: string;
  deviceId: string;
  patientId: string;
  orgId: string;
  assignedAt: Date;
  unassignedAt: Date | null;
}

interface AssignmentRow {
  id: string;
  device_id: string;
  patient_id: string;
  org_id: string;
  assigned_at: Date;
  unassigned_at: Date | null;
}

const COLUMNS = 'id, device_id, patient_id, org_id, assigned_at, unassigned_at';
const toAssignment = (r: AssignmentRow): Assignment => ({
  id: r.id,
  deviceId: r.device_id,
  patientId: r.patient_id,
  orgId: r.org_id,
  assignedAt: r.assigned_at,
  unassignedAt: r.unassigned_at,
});

/**
 * Gives the cap to the patient from `at` (until `until`, or open-ended). Fails with 'assignment_overlap' if
 * the cap is already assigned during any part of that interval; the cap joins the patient's organisation if
 * it was in stock, and 'organisation_mismatch' if it belongs to another clinic.
 * The device row is locked FOR NO KEY UPDATE (only org_id, not a key, changes): it does not wait for the KEY
 * SHARE locks that ingest transactions' event inserts hold, which may be waiting for the patient day locks a
 * caller took first (billing/patient-day-lock.ts).
 */
export async function assignDevice(
  q: Queryable,
  input: { deviceId: string; patientId: string; at: Date; until?: Date | null },
): Promise<Assignment> {
  if (input.until && input.until <= input.at) throw new RepositoryError('conflict', 'an assignment must end after it starts');
  const device = await q.query<{ org_id: string | null }>('SELECT org_id FROM devices WHERE id = $1 FOR NO KEY UPDATE', [input.deviceId]);
  if (!device.rows[0]) throw new RepositoryError('not_found', `no device ${input.deviceId}`);
  const patient = await q.query<{ org_id: string }>('SELECT org_id FROM patients WHERE id = $1', [input.patientId]);
  if (!patient.rows[0]) throw new RepositoryError('not_found', `no patient ${input.patientId}`);
  const orgId = patient.rows[0].org_id;
  const deviceOrg = device.rows[0].org_id;
  if (deviceOrg !== null && deviceOrg !== orgId) {
    throw new RepositoryError('organisation_mismatch', 'the cap belongs to another organisation');
  }
  const overlap = await q.query<{ id: string }>(
    `SELECT id FROM device_assignments
      WHERE device_id = $1 AND ($3::timestamptz IS NULL OR assigned_at < $3) AND (unassigned_at IS NULL OR unassigned_at > $2)
      LIMIT 1`,
    [input.deviceId, input.at, input.until ?? null],
  );
  if (overlap.rows[0]) throw new RepositoryError('assignment_overlap', 'the cap is already assigned during that time; unassign it first');
  if (deviceOrg === null) await q.query('UPDATE devices SET org_id = $2 WHERE id = $1', [input.deviceId, orgId]);
  const { rows } = await q.query<AssignmentRow>(
    `INSERT INTO device_assignments (device_id, patient_id, org_id, assigned_at, unassigned_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [input.deviceId, input.patientId, orgId, input.at, input.until ?? null],
  );
  return toAssignment(rows[0]!);
}

/** Ends the cap's open assignment at `at`. Returns it, or undefined when the cap had no open assignment. */
export async function unassignDevice(q: Queryable, input: { deviceId: string; at: Date }): Promise<Assignment | undefined> {
  await q.query('SELECT 1 FROM devices WHERE id = $1 FOR NO KEY UPDATE', [input.deviceId]);
  const open = await q.query<AssignmentRow>(`SELECT ${COLUMNS} FROM device_assignments WHERE device_id = $1 AND unassigned_at IS NULL`, [
    input.deviceId,
  ]);
  const current = open.rows[0];
  if (!current) return undefined;
  if (input.at <= current.assigned_at) throw new RepositoryError('conflict', 'cannot unassign before the assignment started');
  const { rows } = await q.query<AssignmentRow>(`UPDATE device_assignments SET unassigned_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [
    current.id,
    input.at,
  ]);
  return toAssignment(rows[0]!);
}

export async function patientForDeviceAt(q: Queryable, deviceId: string, at: Date): Promise<string | undefined> {
  const { rows } = await q.query<{ patient_id: string }>(
    `SELECT patient_id FROM device_assignments
      WHERE device_id = $1 AND assigned_at <= $2 AND (unassigned_at IS NULL OR unassigned_at > $2)
      ORDER BY assigned_at DESC LIMIT 1`,
    [deviceId, at],
  );
  return rows[0]?.patient_id;
}

/**
 * Batch form for the ingestor: the patient for each (device, instant); result[i] answers lookups[i]. One
 * query fetches the (few) assignments of the devices involved; the instants are matched in memory.
 */
export async function patientsForDevicesAt(q: Queryable, lookups: readonly { deviceId: string; at: Date }[]): Promise<(string | null)[]> {
  if (lookups.length === 0) return [];
  const { rows } = await q.query<{ device_id: string; patient_id: string; assigned_at: Date; unassigned_at: Date | null }>(
    `SELECT device_id, patient_id, assigned_at, unassigned_at FROM device_assignments
      WHERE device_id = ANY($1::uuid[]) ORDER BY device_id, assigned_at DESC`,
    [[...new Set(lookups.map((l) => l.deviceId))]],
  );
  const byDevice = new Map<string, typeof rows>();
  for (const r of rows) {
    let list = byDevice.get(r.device_id);
    if (!list) byDevice.set(r.device_id, (list = []));
    list.push(r);
  }
  return lookups.map((l) => {
    const t = l.at.getTime();
    const hit = byDevice.get(l.deviceId)?.find((a) => a.assigned_at.getTime() <= t && (a.unassigned_at === null || a.unassigned_at.getTime() > t));
    return hit?.patient_id ?? null;
  });
}

export async function currentAssignment(q: Queryable, deviceId: string): Promise<Assignment | undefined> {
  const { rows } = await q.query<AssignmentRow>(`SELECT ${COLUMNS} FROM device_assignments WHERE device_id = $1 AND unassigned_at IS NULL`, [
    deviceId,
  ]);
  return rows[0] && toAssignment(rows[0]);
}

export async function listAssignmentsForDevice(q: Queryable, deviceId: string): Promise<Assignment[]> {
  const { rows } = await q.query<AssignmentRow>(`SELECT ${COLUMNS} FROM device_assignments WHERE device_id = $1 ORDER BY assigned_at`, [deviceId]);
  return rows.map(toAssignment);
}

export async function listAssignmentsForPatient(q: Queryable, patientId: string): Promise<Assignment[]> {
  const { rows } = await q.query<AssignmentRow>(`SELECT ${COLUMNS} FROM device_assignments WHERE patient_id = $1 ORDER BY assigned_at`, [
    patientId,
  ]);
  return rows.map(toAssignment);
}

/** The caps a patient of `orgId` has held over time, by serial, oldest first (empty for another organisation's patient). */
export async function listPatientCapHistoryInOrg(
  q: Queryable,
  orgId: string,
  patientId: string,
): Promise<{ serial: string; assignedAt: Date; unassignedAt: Date | null }[]> {
  const { rows } = await q.query<{ serial: string; assigned_at: Date; unassigned_at: Date | null }>(
    `SELECT d.serial, a.assigned_at, a.unassigned_at FROM device_assignments a JOIN devices d ON d.id = a.device_id
      WHERE a.patient_id = $1 AND a.org_id = $2 ORDER BY a.assigned_at`,
    [patientId, orgId],
  );
  return rows.map((r) => ({ serial: r.serial, assignedAt: r.assigned_at, unassignedAt: r.unassigned_at }));
}
