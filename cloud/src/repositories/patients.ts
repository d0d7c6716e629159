/**
 * Patients: enrolment with an IANA time zone (validated with Intl), body system, monitoring start, period
 * anchor (start of the first 30-day supply period; defaults to the monitoring start), billing practitioner
 * and regimen.
 */
import type { Queryable } from '../db/database.ts';
import { RepositoryError } from './repository-error.ts';

export const BODY_SYSTEMS = ['respiratory', 'musculoskeletal', 'cbt'] as const;
export type BodySystem = (typeof BODY_SYSTEMS)[number];

export interface Regimen {
  dosesPerDay: number;
  reminderMinutes: number[];
  [key: string]: unknown;
}

export interface Patient {
  id: string;
  orgId: string;
  reference: string;
  name: string;
  timeZone: string;
  bodySystem: BodySystem;
  monitoringStart: string; // YYYY-MM-DD
  periodAnchor: string; // YYYY-MM-DD
  episode: number;
  billingPractitioner: string;
  diagnosis: string | null;
  rpmActive: boolean;
  regimen: Regimen;
  createdAt: Date;
}

interface PatientRow {
  id: string;
  org_id: string;
  reference: string;
  name: string;
  time_zone: string;
  body_system: BodySystem;
  monitoring_start: string;
  period_anchor: string;
  episode: number;
  billing_practitioner: string;
  diagnosis: string | null;
  rpm_active: boolean;
  regimen: Regimen;
  created_at: Date;
}

const COLUMNS = `id, org_id, reference, name, time_zone, body_system, monitoring_start, period_anchor, episode,
  billing_practitioner, diagnosis, rpm_active, regimen, created_at`;

const toPatient = (r: PatientRow): Patient => ({
  id: r.id,
  orgId: r.org_id,
  reference: r.reference,
  name: r.name,
  timeZone: r.time_zone,
  bodySystem: r.body_system,
  monitoringStart: r.monitoring_start,
  periodAnchor: r.period_anchor,
  episode: r.episode,
  billingPractitioner: r.billing_practitioner,
  diagnosis: r.diagnosis,
  rpmActive: r.rpm_active,
  regimen: r.regimen,
  createdAt: r.created_at,
});

/** True for IANA zone names the runtime knows ("Europe/Paris", "UTC"); offsets like "+01:00" are refused. */
export function isValidTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(zone: string): void {
  if (!isValidTimeZone(zone)) throw new RepositoryError('invalid_time_zone', `"${zone}" is not an IANA time zone (e.g. America/Chicago)`);
}

export function isValidDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function assertDate(value: string, what: string): void {
  if (!isValidDate(value)) throw new RepositoryError('invalid_date', `${what} "${value}" is not a calendar date YYYY-MM-DD`);
}

export function assertBodySystem(value: string): asserts value is BodySystem {
  if (!(BODY_SYSTEMS as readonly string[]).includes(value)) {
    throw new RepositoryError('invalid_body_system', `body system "${value}" must be one of ${BODY_SYSTEMS.join(', ')}`);
  }
}

export interface EnrolPatientInput {
  orgId: string;
  reference: string;
  name: string;
  timeZone: string;
  bodySystem: string;
  monitoringStart: string;
  periodAnchor?: string;
  billingPractitioner: string;
  diagnosis?: string | null;
  rpmActive?: boolean;
  regimen?: Regimen;
  episode?: number;
}

export async function enrolPatient(q: Queryable, input: EnrolPatientInput): Promise<Patient> {
  assertTimeZone(input.timeZone);
  assertBodySystem(input.bodySystem);
  assertDate(input.monitoringStart, 'monitoring start');
  if (input.periodAnchor !== undefined) assertDate(input.periodAnchor, 'period anchor');
  if (!input.reference.trim()) throw new RepositoryError('conflict', 'patient reference must not be empty');
  const { rows } = await q.query<PatientRow>(
    `INSERT INTO patients (org_id, reference, name, time_zone, body_system, monitoring_start, period_anchor, episode,
                           billing_practitioner, diagnosis, rpm_active, regimen)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, COALESCE($12::jsonb, '{"dosesPerDay": 1, "reminderMinutes": [480]}'::jsonb))
     ON CONFLICT (org_id, reference) DO NOTHING RETURNING ${COLUMNS}`,
    [
      input.orgId,
      input.reference,
      input.name,
      input.timeZone,
      input.bodySystem,
      input.monitoringStart,
      input.periodAnchor ?? input.monitoringStart,
      input.episode ?? 1,
      input.billingPractitioner,
      input.diagnosis ?? null,
      input.rpmActive ?? false,
      input.regimen ? JSON.stringify(input.regimen) : null,
    ],
  );
  if (!rows[0]) throw new RepositoryError('conflict', `patient reference "${input.reference}" is already enrolled in this organisation`);
  return toPatient(rows[0]);
}

export async function getPatient(q: Queryable, id: string): Promise<Patient | undefined> {
  const { rows } = await q.query<PatientRow>(`SELECT ${COLUMNS} FROM patients WHERE id = $1`, [id]);
  return rows[0] && toPatient(rows[0]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The patient only if it belongs to `orgId`: organisation isolation lives in the WHERE clause, so another
 * tenant's patient is indistinguishable from a missing one. Ids that are not UUIDs never reach SQL.
 */
export async function findPatientInOrg(q: Queryable, orgId: string, id: string): Promise<Patient | undefined> {
  if (!UUID.test(id)) return undefined;
  const { rows } = await q.query<PatientRow>(`SELECT ${COLUMNS} FROM patients WHERE id = $1 AND org_id = $2`, [id, orgId]);
  return rows[0] && toPatient(rows[0]);
}

/** What a clinic sees in its patient list: the patient plus the serial of the cap they hold now (if any). */
export interface PatientSummary extends Omit<Patient, 'orgId' | 'rpmActive' | 'regimen' | 'createdAt'> {
  device: string | null;
}

type SummaryRow = PatientRow & { serial: string | null };

const SELECT_SUMMARIES = `SELECT ${COLUMNS.split(',').map((column) => `p.${column.trim()}`).join(', ')},
        (SELECT d.serial FROM device_assignments a JOIN devices d ON d.id = a.device_id
          WHERE a.patient_id = p.id AND a.unassigned_at IS NULL ORDER BY a.assigned_at DESC LIMIT 1) AS serial
   FROM patients p`;

const toSummary = (r: SummaryRow): PatientSummary => {
  const { orgId, rpmActive, regimen, createdAt, ...shown } = toPatient(r);
  return { ...shown, device: r.serial };
};

export async function findPatientSummaryInOrg(q: Queryable, orgId: string, id: string): Promise<PatientSummary | undefined> {
  if (!UUID.test(id)) return undefined;
  const { rows } = await q.query<SummaryRow>(`${SELECT_SUMMARIES} WHERE p.id = $1 AND p.org_id = $2`, [id, orgId]);
  return rows[0] && toSummary(rows[0]);
}

/** One page of the organisation's patients by reference, starting after `after` (keyset paging). */
export async function listPatientSummaries(q: Queryable, orgId: string, page: { after?: string | null; limit: number }): Promise<PatientSummary[]> {
  const { rows } = await q.query<SummaryRow>(
    `${SELECT_SUMMARIES} WHERE p.org_id = $1 AND ($2::text IS NULL OR p.reference > $2) ORDER BY p.reference LIMIT $3`,
    [orgId, page.after ?? null, page.limit],
  );
  return rows.map(toSummary);
}

export async function findPatientByReference(q: Queryable, orgId: string, reference: string): Promise<Patient | undefined> {
  const { rows } = await q.query<PatientRow>(`SELECT ${COLUMNS} FROM patients WHERE org_id = $1 AND reference = $2`, [orgId, reference]);
  return rows[0] && toPatient(rows[0]);
}

export async function listPatients(q: Queryable, orgId: string): Promise<Patient[]> {
  const { rows } = await q.query<PatientRow>(`SELECT ${COLUMNS} FROM patients WHERE org_id = $1 ORDER BY reference`, [orgId]);
  return rows.map(toPatient);
}

export interface PatientUpdate {
  name?: string;
  timeZone?: string;
  bodySystem?: string;
  monitoringStart?: string;
  periodAnchor?: string;
  billingPractitioner?: string;
  diagnosis?: string | null;
  rpmActive?: boolean;
  regimen?: Regimen;
  episode?: number;
}

/** Updates only the fields given, validating each as enrolment does. */
export async function updatePatient(q: Queryable, id: string, update: PatientUpdate): Promise<Patient> {
  if (update.timeZone !== undefined) assertTimeZone(update.timeZone);
  if (update.bodySystem !== undefined) assertBodySystem(update.bodySystem);
  if (update.monitoringStart !== undefined) assertDate(update.monitoringStart, 'monitoring start');
  if (update.periodAnchor !== undefined) assertDate(update.periodAnchor, 'period anchor');
  const { rows } = await q.query<PatientRow>(
    `UPDATE patients SET
        name = COALESCE($2, name), time_zone = COALESCE($3, time_zone), body_system = COALESCE($4, body_system),
        monitoring_start = COALESCE($5::date, monitoring_start), period_anchor = COALESCE($6::date, period_anchor),
        billing_practitioner = COALESCE($7, billing_practitioner),
        diagnosis = CASE WHEN $8::boolean THEN $9 ELSE diagnosis END,
        rpm_active = COALESCE($10, rpm_active), regimen = COALESCE($11::jsonb, regimen), episode = COALESCE($12, episode)
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      update.name ?? null,
      update.timeZone ?? null,
      update.bodySystem ?? null,
      update.monitoringStart ?? null,
      update.periodAnchor ?? null,
      update.billingPractitioner ?? null,
      update.diagnosis !== undefined,
      update.diagnosis ?? null,
      update.rpmActive ?? null,
      update.regimen ? JSON.stringify(update.regimen) : null,
      update.episode ?? null,
    ],
  );
  if (!rows[0]) throw new RepositoryError('not_found', `no patient ${id}`);
  return toPatient(rows[0]);
}
