/**
 * A small clinic for the alert engine's database tests: one organisation with a clinician and a
 * coordinator, and patients with a cap and a care plan (consent recorded unless asked otherwise).
 */
import { saveCarePlan, type CarePlanInput } from '../../src/clinical/care-plan-repository.ts';
import { insertUser } from '../../src/repositories/users.ts';
import { seedAssignment, seedDevice, seedPatient } from '../api/fixture.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

export interface Clinic {
  db: TestDatabase;
  orgId: string;
  clinician: string;
  coordinator: string;
}

let clinicNo = 0;
let capNo = 0;

export async function createClinic(db?: TestDatabase, settings: Record<string, unknown> = {}): Promise<Clinic> {
  const database = db ?? (await createTestDatabase());
  clinicNo += 1;
  const { rows } = await database.query<{ id: string }>('INSERT INTO organisations (slug, name, settings) VALUES ($1, $2, $3) RETURNING id', [
    `clinic-${clinicNo}-${Math.random().toString(36).slice(2, 8)}`,
    `Clinic ${clinicNo}`,
    JSON.stringify(settings),
  ]);
  const orgId = rows[0]!.id;
  const clinician = await insertUser(database, { orgId, name: 'Dr Owner', email: `owner${clinicNo}-${orgId.slice(0, 6)}@clinic.test`, role: 'clinician', npi: '1234567893' });
  const coordinator = await insertUser(database, { orgId, name: 'Coordinator', email: `coord${clinicNo}-${orgId.slice(0, 6)}@clinic.test`, role: 'coordinator' });
  return { db: database, orgId, clinician: clinician.id, coordinator: coordinator.id };
}

export interface MonitoredPatient {
  patientId: string;
  deviceId: string;
  serial: string;
}

export async function monitoredPatient(
  clinic: Clinic,
  options: {
    zone?: string;
    start?: string;
    assignedAt?: Date;
    consentAt?: Date | null;
    plan?: Partial<CarePlanInput>;
    now?: Date;
  } = {},
): Promise<MonitoredPatient> {
  const start = options.start ?? '2026-10-01';
  capNo += 1;
  const reference = `P-${capNo}-${Math.random().toString(36).slice(2, 7)}`;
  const patientId = await seedPatient(clinic.db, clinic.orgId, reference, { zone: options.zone ?? 'America/Chicago', start });
  const serial = `CLIN-${String(capNo).padStart(4, '0')}-${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  const deviceId = await seedDevice(clinic.db, serial, clinic.orgId);
  const assignedAt = options.assignedAt ?? new Date(`${start}T00:00:00Z`);
  await seedAssignment(clinic.db, deviceId, patientId, clinic.orgId, assignedAt);
  const consentAt = options.consentAt === undefined ? assignedAt : options.consentAt;
  await saveCarePlan(clinic.db, {
    orgId: clinic.orgId,
    patientId,
    userId: clinic.clinician,
    now: options.now ?? new Date('2030-01-01T00:00:00Z'),
    plan: {
      monitors: 'both',
      dosesPerDay: 1,
      doseTimes: ['08:00'],
      toleranceMinutes: 60,
      category: 'musculoskeletal',
      clinicalOwnerId: clinic.clinician,
      coordinatorId: clinic.coordinator,
      consent: consentAt ? { by: 'the patient', method: 'verbal', at: consentAt } : null,
      goal: 'keep taking the tablets',
      ...options.plan,
    },
  });
  return { patientId, deviceId, serial };
}

export interface AlertRow {
  id: number;
  rule: string;
  episode_key: string;
  severity: string;
  status: string;
  assignee_id: string | null;
  closed_by: string | null;
  outcome: string | null;
  note: string | null;
  evidence: Record<string, unknown>;
  escalated_at: Date | null;
  escalated_to: string | null;
  last_seen_at: Date;
  raised_at: Date;
}

export async function alertsOf(db: TestDatabase, patientId: string): Promise<AlertRow[]> {
  const { rows } = await db.query<AlertRow>('SELECT * FROM alerts WHERE patient_id = $1 ORDER BY id', [patientId]);
  return rows;
}

export async function historyOf(db: TestDatabase, alertId: number): Promise<{ action: string; user_id: string | null; note: string | null }[]> {
  const { rows } = await db.query<{ action: string; user_id: string | null; note: string | null }>('SELECT action, user_id, note FROM alert_history WHERE alert_id = $1 ORDER BY id', [alertId]);
  return rows;
}
