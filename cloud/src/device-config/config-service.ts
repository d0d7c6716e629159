/**
 * Which Config a cap should run, and getting it there.
 *
 * desiredConfigFor: the config for whoever holds the cap at `now` (device-config-for.ts), unversioned.
 * pushDeviceConfig: stores it as a new version in device_configs when its content differs from the latest
 *   stored one (migration 005), points devices.config_version at it (the version every Ack carries, key 5),
 *   audits the change, and publishes it: `downlink.updateDesiredConfig` (a retained Config on the MQTT down
 *   topic, the thing shadow on AWS IoT) when the downlink has it, else a plain Config publish.
 *   Publishing failures do not throw: the stored version is the truth, and the cap is offered it again when
 *   its next Hello reports another version (config-sync.ts). Callers: the ingestor's config sync, and the
 *   API after assigning/unassigning a cap or changing a patient's regimen or zone.
 */
import { MessageKind, type DeviceConfig } from '../../../protocol/src/messages.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { Downlink } from '../downlink/downlink.ts';

/** What pushing a config needs from the downlink: a retained/desired config where it has one, else publish. */
export type ConfigDownlink = Pick<Downlink, 'publish' | 'updateDesiredConfig'>;
import { patientForDeviceAt } from '../repositories/assignments.ts';
import { appendAudit } from '../repositories/audit.ts';
import { getOrganisation } from '../repositories/organisations.ts';
import { getPatient } from '../repositories/patients.ts';
import { RepositoryError } from '../repositories/repository-error.ts';
import { deviceConfigFor } from './device-config-for.ts';

/** First key of the per-device advisory lock ("cfg" in ASCII); the second is hashtext(device id). */
const CONFIG_LOCK_SPACE = 0x636667;

export interface DesiredConfig {
  deviceId: string;
  serial: string;
  orgId: string | null;
  /** The patient holding the cap at `now`; null for a cap in stock (or between patients). */
  patientId: string | null;
  /** configVersion is 0: versions are assigned when stored. */
  config: DeviceConfig;
}

export async function desiredConfigFor(q: Queryable, deviceId: string, now: Date): Promise<DesiredConfig> {
  const { rows } = await q.query<{ serial: string; org_id: string | null }>('SELECT serial, org_id FROM devices WHERE id = $1', [deviceId]);
  const device = rows[0];
  if (!device) throw new RepositoryError('not_found', `no device ${deviceId}`);
  const patientId = (await patientForDeviceAt(q, deviceId, now)) ?? null;
  const patient = patientId ? await getPatient(q, patientId) : undefined;
  const orgId = patient?.orgId ?? device.org_id;
  const settings = orgId ? ((await getOrganisation(q, orgId))?.settings ?? {}) : {};
  return {
    deviceId,
    serial: device.serial,
    orgId,
    patientId: patient ? patient.id : null,
    config: deviceConfigFor(patient ? { timeZone: patient.timeZone, regimen: patient.regimen } : null, settings, now),
  };
}

/** The content of a config without its version, with keys in a fixed order (jsonb does not keep order). */
export function configContent(config: DeviceConfig): string {
  const entries = Object.entries(config).filter(([k, v]) => k !== 'configVersion' && v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

export interface StoredDeviceConfig {
  version: number;
  config: DeviceConfig;
  patientId: string | null;
  reason: string;
  createdAt: Date;
}

export async function latestDeviceConfig(q: Queryable, deviceId: string): Promise<StoredDeviceConfig | undefined> {
  const { rows } = await q.query<{ version: number; config: DeviceConfig; patient_id: string | null; reason: string; created_at: Date }>(
    'SELECT version, config, patient_id, reason, created_at FROM device_configs WHERE device_id = $1 ORDER BY version DESC LIMIT 1',
    [deviceId],
  );
  const r = rows[0];
  return r && { version: r.version, config: r.config, patientId: r.patient_id, reason: r.reason, createdAt: r.created_at };
}

export interface PushDeviceConfigOptions {
  /** Audit actor: a token id, 'cli:<user>' or 'ingestor' (default). */
  actor?: string;
  /** Why (stored with the version and in the audit log), e.g. 'assign', 'unassign', 'regimen', 'hello', 'dst'. */
  reason?: string;
  /**
   * The version the cap says it runs (its Hello). When it already runs the resulting version and nothing
   * changed, nothing is published.
   */
  deviceVersion?: number;
}

export interface PushDeviceConfigResult {
  deviceId: string;
  serial: string;
  version: number;
  config: DeviceConfig;
  /** A new version was stored (the content differed from the latest, or there was none). */
  created: boolean;
  published: boolean;
  publishError?: string;
}

/** Stores (if changed), bumps devices.config_version, audits, then publishes the cap's desired config. */
export async function pushDeviceConfig(
  db: Database,
  downlink: ConfigDownlink,
  deviceId: string,
  now: Date,
  options: PushDeviceConfigOptions = {},
): Promise<PushDeviceConfigResult> {
  const reason = options.reason ?? 'sync';
  const stored = await db.transaction(async (tx) => {
    // An advisory lock serialises concurrent pushes (API and ingestors) for one cap. Not the device row: the
    // ingestor's group transactions lock those, and a push holding one would stall a whole group's commit.
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CONFIG_LOCK_SPACE, deviceId]);
    const locked = await tx.query<{ config_version: number }>('SELECT config_version FROM devices WHERE id = $1', [deviceId]);
    if (!locked.rows[0]) throw new RepositoryError('not_found', `no device ${deviceId}`);
    const desired = await desiredConfigFor(tx, deviceId, now);
    const latest = await latestDeviceConfig(tx, deviceId);
    if (latest && configContent(latest.config) === configContent(desired.config)) {
      if (locked.rows[0].config_version !== latest.version) await tx.query('UPDATE devices SET config_version = $2 WHERE id = $1', [deviceId, latest.version]);
      return { desired, version: latest.version, config: { ...latest.config, configVersion: latest.version }, created: false };
    }
    const version = Math.max(latest?.version ?? 0, locked.rows[0].config_version) + 1;
    const config: DeviceConfig = { ...desired.config, configVersion: version };
    await tx.query('INSERT INTO device_configs (device_id, version, config, patient_id, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      deviceId,
      version,
      JSON.stringify(config),
      desired.patientId,
      reason,
      now,
    ]);
    await appendAudit(tx, {
      actor: options.actor ?? 'ingestor',
      orgId: desired.orgId,
      action: 'device.config',
      target: desired.serial,
      detail: {
        version,
        reason,
        patientId: desired.patientId,
        reminderMinutes: config.reminderMinutes,
        utcOffsetMin: config.utcOffsetMin,
        nextOffsetChangeUnixS: config.nextOffsetChangeUnixS ?? null,
        nextOffsetMin: config.nextOffsetMin ?? null,
      },
    });
    // Last, so the device row is locked only for the commit.
    await tx.query('UPDATE devices SET config_version = $2 WHERE id = $1', [deviceId, version]);
    return { desired, version, config, created: true };
  });

  const result: PushDeviceConfigResult = {
    deviceId,
    serial: stored.desired.serial,
    version: stored.version,
    config: stored.config,
    created: stored.created,
    published: false,
  };
  if (!stored.created && options.deviceVersion === stored.version) return result;
  try {
    if (downlink.updateDesiredConfig) await downlink.updateDesiredConfig(result.serial, stored.config);
    else await downlink.publish(result.serial, { ...stored.config, kind: MessageKind.Config, serial: result.serial });
    result.published = true;
  } catch (error) {
    result.publishError = (error as Error).message;
  }
  return result;
}

/**
 * After a patient's regimen or time zone changed: pushes the config of every cap the patient holds at `now`
 * (normally one). Returns one result per cap.
 */
export async function pushConfigsForPatient(
  db: Database,
  downlink: ConfigDownlink,
  patientId: string,
  now: Date,
  options: PushDeviceConfigOptions = {},
): Promise<PushDeviceConfigResult[]> {
  const { rows } = await db.query<{ device_id: string }>(
    `SELECT DISTINCT device_id FROM device_assignments
      WHERE patient_id = $1 AND assigned_at <= $2 AND (unassigned_at IS NULL OR unassigned_at > $2)`,
    [patientId, now],
  );
  const results: PushDeviceConfigResult[] = [];
  for (const r of rows) results.push(await pushDeviceConfig(db, downlink, r.device_id, now, { reason: 'patient', ...options }));
  return results;
}

/** After `organisations.settings.device` changed: pushes the config of every cap the organisation holds. */
export async function pushConfigsForOrganisation(
  db: Database,
  downlink: ConfigDownlink,
  orgId: string,
  now: Date,
  options: PushDeviceConfigOptions = {},
): Promise<PushDeviceConfigResult[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM devices WHERE org_id = $1 ORDER BY id', [orgId]);
  const results: PushDeviceConfigResult[] = [];
  for (const r of rows) results.push(await pushDeviceConfig(db, downlink, r.id, now, { reason: 'settings', ...options }));
  return results;
}
