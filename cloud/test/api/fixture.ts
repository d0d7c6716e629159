/**
 * Shared world for the API tests: one migrated database per test file, three organisations (the fleet
 * operator "pillcap-ops" and two clinics), a token of every role in each, caps, patients and events.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { issueToken } from '../../src/api/auth/tokens.ts';
import { ROLES, type Role } from '../../src/api/auth/roles.ts';
import { insertUser } from '../../src/repositories/users.ts';
import type { DownlinkPublisher } from '../../src/api/types.ts';
import type { Queryable } from '../../src/db/database.ts';
import type { DownlinkMessage } from '../../../protocol/src/messages.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

export class RecordingDownlink implements DownlinkPublisher {
  readonly sent: { serial: string; message: DownlinkMessage }[] = [];
  fail = false;
  async publish(serial: string, message: DownlinkMessage): Promise<void> {
    if (this.fail) throw new Error('broker unavailable');
    this.sent.push({ serial, message });
  }
}

export type OrgKey = 'ops' | 'clinicA' | 'clinicB';
export const ORG_SLUGS: Record<OrgKey, string> = { ops: 'pillcap-ops', clinicA: 'clinic-a', clinicB: 'clinic-b' };

export interface World {
  db: TestDatabase;
  app: FastifyInstance;
  downlink: RecordingDownlink;
  /** A token of every role in every organisation; clinician and coordinator tokens are personal (bound to `users`). */
  tokens: Record<OrgKey, Record<Role, string>>;
  /** The clinician and the coordinator behind those personal tokens. */
  users: Record<OrgKey, { clinician: string; coordinator: string }>;
  orgIds: Record<OrgKey, string>;
  close(): Promise<void>;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function createWorld(options: { rateLimit?: { max: number | false; timeWindowMs?: number; authFailures?: number } } = {}): Promise<World> {
  const db = await createTestDatabase();
  const orgIds = {} as Record<OrgKey, string>;
  for (const [key, slug] of Object.entries(ORG_SLUGS) as [OrgKey, string][]) {
    const settings = key === 'ops' ? { operator: true } : {};
    const row = await db.query<{ id: string }>('INSERT INTO organisations (slug, name, settings) VALUES ($1, $2, $3) RETURNING id', [slug, `${slug} name`, JSON.stringify(settings)]);
    orgIds[key] = row.rows[0]!.id;
  }
  const tokens = {} as Record<OrgKey, Record<Role, string>>;
  const users = {} as Record<OrgKey, { clinician: string; coordinator: string }>;
  for (const key of Object.keys(ORG_SLUGS) as OrgKey[]) {
    const clinician = await insertUser(db, { orgId: orgIds[key], name: `Dr ${key} Clinician`, email: `clinician@${key}.test`, role: 'clinician', npi: '1234567893' });
    const coordinator = await insertUser(db, { orgId: orgIds[key], name: `${key} Coordinator`, email: `coordinator@${key}.test`, role: 'coordinator' });
    users[key] = { clinician: clinician.id, coordinator: coordinator.id };
    tokens[key] = {} as Record<Role, string>;
    for (const role of ROLES) {
      const userId = role === 'clinician' ? clinician.id : role === 'coordinator' ? coordinator.id : undefined;
      tokens[key][role] = (await issueToken(db, { orgSlug: ORG_SLUGS[key], role, userId, label: `${key}-${role}` })).token;
    }
  }
  const downlink = new RecordingDownlink();
  const app = await buildApp({ db, downlink, logger: false, rateLimit: { max: options.rateLimit?.max ?? false, timeWindowMs: options.rateLimit?.timeWindowMs ?? 60_000, authFailures: options.rateLimit?.authFailures } });
  return {
    db,
    app,
    downlink,
    tokens,
    users,
    orgIds,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** Inserts a registered cap directly (bypassing the API), held by `orgId` (null = stock). */
export async function seedDevice(db: Queryable, serial: string, orgId: string | null): Promise<string> {
  const row = await db.query<{ id: string }>(
    `INSERT INTO devices (serial, org_id, imei, iccid, app_firmware, factory_passed) VALUES ($1, $2, '356938035643809', '8901260882310000001', '1.0.0', true) RETURNING id`,
    [serial, orgId],
  );
  return row.rows[0]!.id;
}

let uplinkCounter = 0;
async function seedUplink(db: Queryable, serial: string, deviceId: string, at: Date): Promise<number> {
  uplinkCounter += 1;
  const row = await db.query<{ id: number }>(
    `INSERT INTO uplinks (received_at, topic, topic_serial, payload, status, device_id, processed_at) VALUES ($1, $2, $3, $4, 'processed', $5, $1) RETURNING id`,
    [at, `pillcap/v1/${serial}/up`, serial, new Uint8Array([0xa0, uplinkCounter & 0xff]), deviceId],
  );
  return row.rows[0]!.id;
}

export interface SeedEvent {
  seq: number;
  kind: number;
  args: number[];
  at: Date;
  source?: 'device' | 'self_report' | 'diagnostic';
}

/** Stores events from a cap as the ingestor would, attributed to `patientId` (or none). */
export async function seedEvents(db: Queryable, serial: string, deviceId: string, patientId: string | null, events: SeedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const uplinkId = await seedUplink(db, serial, deviceId, events[events.length - 1]!.at);
  for (const e of events) {
    await db.query(
      `INSERT INTO events (device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at)
       VALUES ($1, $2, 1, $3, $4, $5, $6, $7, 'device_clock', $8, $9, $7)`,
      [deviceId, e.seq, e.seq * 60, e.kind, e.args, e.source ?? (e.kind === 2 ? 'self_report' : e.kind === 1 ? 'device' : 'diagnostic'), e.at, patientId, uplinkId],
    );
  }
}

export async function seedHeartbeat(db: Queryable, serial: string, deviceId: string, at: Date, metrics: Record<string, unknown>, uptimeS: number): Promise<void> {
  const uplinkId = await seedUplink(db, serial, deviceId, at);
  await db.query(
    `INSERT INTO heartbeats (device_id, boot, uptime_s, sampled_at, received_at, metrics, uplink_id) VALUES ($1, 1, $2, $3, $3, $4, $5)`,
    [deviceId, uptimeS, at, JSON.stringify(metrics), uplinkId],
  );
  await db.query('UPDATE devices SET last_seen_at = GREATEST(COALESCE(last_seen_at, $2), $2) WHERE id = $1', [deviceId, at]);
}

export async function seedPatient(db: Queryable, orgId: string, reference: string, options: { name?: string; zone?: string; start?: string; bodySystem?: string } = {}): Promise<string> {
  const row = await db.query<{ id: string }>(
    `INSERT INTO patients (org_id, reference, name, time_zone, body_system, monitoring_start, period_anchor, billing_practitioner)
     VALUES ($1, $2, $3, $4, $5, $6, $6, 'Dr. Who') RETURNING id`,
    [orgId, reference, options.name ?? `Patient ${reference}`, options.zone ?? 'America/Chicago', options.bodySystem ?? 'musculoskeletal', options.start ?? '2026-10-01'],
  );
  return row.rows[0]!.id;
}

export async function seedAssignment(db: Queryable, deviceId: string, patientId: string, orgId: string, at: Date): Promise<void> {
  await db.query('INSERT INTO device_assignments (device_id, patient_id, org_id, assigned_at) VALUES ($1, $2, $3, $4)', [deviceId, patientId, orgId, at]);
}

/** What the ingestor does after storing events: rebuild the patients' monitored days (C2's refresh). */
export async function rebuildDays(db: TestDatabase, patientIds: string[]): Promise<void> {
  const { rebuildDaysForPatients } = await import('../../src/billing/refresh-days.ts');
  await db.transaction((tx) => rebuildDaysForPatients(tx, patientIds));
}
