/**
 * Devices (caps): registration by serial, lookup, and what the ingestor learns from uplinks (ack state,
 * log tail, dropped counter, Hello info, factory report).
 */
import { SERIAL_PATTERN, type Hello } from '../../../protocol/src/messages.ts';
import type { Queryable } from '../db/database.ts';
import { RepositoryError } from './repository-error.ts';

export interface Device {
  id: string;
  serial: string;
  orgId: string | null;
  imei: string | null;
  iccid: string | null;
  appFirmware: string | null;
  modemFirmware: string | null;
  imageHash: string | null;
  hwRevision: string | null;
  factoryPassed: boolean;
  registeredAt: Date;
  lastSeenAt: Date | null;
  ackSeq: number;
  logTailSeq: number;
  droppedTotal: number;
  configVersion: number;
  deviceConfigVersion: number | null;
  bootCount: number | null;
  lastResetReason: number | null;
}

interface DeviceRow {
  id: string;
  serial: string;
  org_id: string | null;
  imei: string | null;
  iccid: string | null;
  app_firmware: string | null;
  modem_firmware: string | null;
  image_hash: string | null;
  hw_revision: string | null;
  factory_passed: boolean;
  registered_at: Date;
  last_seen_at: Date | null;
  ack_seq: number;
  log_tail_seq: number;
  dropped_total: number;
  config_version: number;
  device_config_version: number | null;
  boot_count: number | null;
  last_reset_reason: number | null;
}

const COLUMNS = `id, serial, org_id, imei, iccid, app_firmware, modem_firmware, image_hash, hw_revision, factory_passed,
  registered_at, last_seen_at, ack_seq, log_tail_seq, dropped_total, config_version, device_config_version, boot_count,
  last_reset_reason`;

const toDevice = (r: DeviceRow): Device => ({
  id: r.id,
  serial: r.serial,
  orgId: r.org_id,
  imei: r.imei,
  iccid: r.iccid,
  appFirmware: r.app_firmware,
  modemFirmware: r.modem_firmware,
  imageHash: r.image_hash,
  hwRevision: r.hw_revision,
  factoryPassed: r.factory_passed,
  registeredAt: r.registered_at,
  lastSeenAt: r.last_seen_at,
  ackSeq: r.ack_seq,
  logTailSeq: r.log_tail_seq,
  droppedTotal: r.dropped_total,
  configVersion: r.config_version,
  deviceConfigVersion: r.device_config_version,
  bootCount: r.boot_count,
  lastResetReason: r.last_reset_reason,
});

export function assertSerial(serial: string): void {
  if (!SERIAL_PATTERN.test(serial)) {
    throw new RepositoryError('invalid_serial', `serial "${serial}" must be 4-32 characters of A-Z, 0-9 and '-'`);
  }
}

export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Registers a cap; registering an existing serial again returns it unchanged (created: false). */
export async function registerDevice(
  q: Queryable,
  input: { serial: string; orgId?: string | null },
): Promise<{ device: Device; created: boolean }> {
  assertSerial(input.serial);
  const inserted = await q.query<DeviceRow>(
    `INSERT INTO devices (serial, org_id) VALUES ($1, $2) ON CONFLICT (serial) DO NOTHING RETURNING ${COLUMNS}`,
    [input.serial, input.orgId ?? null],
  );
  if (inserted.rows[0]) return { device: toDevice(inserted.rows[0]), created: true };
  const existing = await findDeviceBySerial(q, input.serial);
  if (!existing) throw new RepositoryError('not_found', `device ${input.serial} vanished while being registered`);
  return { device: existing, created: false };
}

export async function findDeviceBySerial(q: Queryable, serial: string): Promise<Device | undefined> {
  const { rows } = await q.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE serial = $1`, [serial]);
  return rows[0] && toDevice(rows[0]);
}

export async function findDevicesBySerials(q: Queryable, serials: readonly string[]): Promise<Map<string, Device>> {
  if (serials.length === 0) return new Map();
  const { rows } = await q.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE serial = ANY($1::text[])`, [[...new Set(serials)]]);
  return new Map(rows.map((r) => [r.serial, toDevice(r)]));
}

export async function getDevice(q: Queryable, id: string): Promise<Device | undefined> {
  const { rows } = await q.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE id = $1`, [id]);
  return rows[0] && toDevice(rows[0]);
}

/** Moves a cap to a clinic (or back to stock with null). */
export async function setDeviceOrganisation(q: Queryable, deviceId: string, orgId: string | null): Promise<void> {
  const { rowCount } = await q.query('UPDATE devices SET org_id = $2 WHERE id = $1', [deviceId, orgId]);
  if (rowCount === 0) throw new RepositoryError('not_found', `no device ${deviceId}`);
}

/**
 * Locks the device rows (in id order, so concurrent ingestors cannot deadlock on them) and returns their
 * ack state. FOR NO KEY UPDATE: only non-key columns change, and it leaves the KEY SHARE locks of concurrent
 * event inserts (foreign key) alone. Used by the ingestor inside its transaction.
 */
export async function lockDevices(q: Queryable, deviceIds: readonly string[]): Promise<Map<string, { ackSeq: number; logTailSeq: number; configVersion: number }>> {
  if (deviceIds.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; ack_seq: number; log_tail_seq: number; config_version: number }>(
    'SELECT id, ack_seq, log_tail_seq, config_version FROM devices WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE',
    [[...new Set(deviceIds)]],
  );
  return new Map(rows.map((r) => [r.id, { ackSeq: r.ack_seq, logTailSeq: r.log_tail_seq, configVersion: r.config_version }]));
}

/** Records what an event batch told us and what we acked. Counters never go backwards. */
export async function updateDeviceAckState(
  q: Queryable,
  deviceId: string,
  state: { ackSeq: number; logTailSeq: number; droppedTotal: number; seenAt: Date },
): Promise<void> {
  await q.query(
    `UPDATE devices SET ack_seq = GREATEST(ack_seq, $2), log_tail_seq = GREATEST(log_tail_seq, $3),
            dropped_total = GREATEST(dropped_total, $4), last_seen_at = GREATEST(last_seen_at, $5)
      WHERE id = $1`,
    [deviceId, state.ackSeq, state.logTailSeq, state.droppedTotal, state.seenAt],
  );
}

/** Batch form of updateDeviceAckState: one statement for all devices of a group commit. */
export async function updateDevicesAckState(
  q: Queryable,
  states: readonly { deviceId: string; ackSeq: number; logTailSeq: number; droppedTotal: number; seenAt: Date }[],
): Promise<void> {
  if (states.length === 0) return;
  await q.query(
    `UPDATE devices d SET ack_seq = GREATEST(d.ack_seq, u.ack_seq), log_tail_seq = GREATEST(d.log_tail_seq, u.log_tail_seq),
            dropped_total = GREATEST(d.dropped_total, u.dropped_total), last_seen_at = GREATEST(d.last_seen_at, u.seen_at)
       FROM unnest($1::uuid[], $2::int8[], $3::int8[], $4::int8[], $5::timestamptz[]) AS u(id, ack_seq, log_tail_seq, dropped_total, seen_at)
      WHERE d.id = u.id`,
    [states.map((s) => s.deviceId), states.map((s) => s.ackSeq), states.map((s) => s.logTailSeq), states.map((s) => s.droppedTotal), states.map((s) => s.seenAt)],
  );
}

export async function touchDevices(q: Queryable, deviceIds: readonly string[], seenAt: Date): Promise<void> {
  if (deviceIds.length === 0) return;
  await q.query('UPDATE devices SET last_seen_at = GREATEST(last_seen_at, $2) WHERE id = ANY($1::uuid[])', [[...new Set(deviceIds)], seenAt]);
}

/** The static device info a Hello carries (protocol/src/messages.ts). */
export type HelloInfo = Omit<Hello, 'kind' | 'serial' | 'anchor'>;

/** Static info from a Hello; optional fields the device left out keep their previous values. */
export async function updateHelloInfo(q: Queryable, deviceId: string, hello: HelloInfo): Promise<void> {
  await q.query(
    `UPDATE devices SET app_firmware = $2, image_hash = $3, modem_firmware = COALESCE($4, modem_firmware),
            imei = COALESCE($5, imei), iccid = COALESCE($6, iccid), hw_revision = COALESCE($7, hw_revision),
            boot_count = $8, last_reset_reason = $9, device_config_version = $10
      WHERE id = $1`,
    [
      deviceId,
      hello.appFirmware,
      toHex(hello.imageHash),
      hello.modemFirmware ?? null,
      hello.imei ?? null,
      hello.iccid ?? null,
      hello.hwRevision ?? null,
      hello.bootCount,
      hello.resetReason,
      hello.configVersion,
    ],
  );
}

/** Heartbeat metrics that also describe the device (firmware, identity) are sent only on change. */
export async function updateIdentityFromHeartbeat(
  q: Queryable,
  deviceId: string,
  info: { appFirmware?: string; modemFirmware?: string; imei?: string; iccid?: string; bootCount?: number; lastResetReason?: number },
): Promise<void> {
  await q.query(
    `UPDATE devices SET app_firmware = COALESCE($2, app_firmware), modem_firmware = COALESCE($3, modem_firmware),
            imei = COALESCE($4, imei), iccid = COALESCE($5, iccid), boot_count = COALESCE($6, boot_count),
            last_reset_reason = COALESCE($7, last_reset_reason)
      WHERE id = $1`,
    [deviceId, info.appFirmware ?? null, info.modemFirmware ?? null, info.imei ?? null, info.iccid ?? null, info.bootCount ?? null, info.lastResetReason ?? null],
  );
}

export async function recordFactoryReport(
  q: Queryable,
  deviceId: string,
  report: { passed: boolean; appFirmware: string; imageHash: Uint8Array; stationId: string; steps: unknown[] },
): Promise<void> {
  await q.query(
    `UPDATE devices SET factory_passed = $2, factory_report = $3, app_firmware = COALESCE(app_firmware, $4),
            image_hash = COALESCE(image_hash, $5)
      WHERE id = $1`,
    [
      deviceId,
      report.passed,
      JSON.stringify({ passed: report.passed, stationId: report.stationId, appFirmware: report.appFirmware, imageHash: toHex(report.imageHash), steps: report.steps }),
      report.appFirmware,
      toHex(report.imageHash),
    ],
  );
}

/** The config version the cloud wants the device to run (sent in every Ack). */
export async function setDesiredConfigVersion(q: Queryable, deviceId: string, configVersion: number): Promise<void> {
  await q.query('UPDATE devices SET config_version = $2 WHERE id = $1', [deviceId, configVersion]);
}

/** Whose devices a caller may see: its organisation's, or every device for the fleet operator. */
export interface DeviceScope {
  orgId: string;
  fleet: boolean;
}

/** The device only if it is within `scope`; another organisation's cap is indistinguishable from a missing one. */
export async function findDeviceInScope(q: Queryable, scope: DeviceScope, serial: string): Promise<Device | undefined> {
  const { rows } = await q.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE serial = $1 AND ($2::boolean OR org_id = $3)`, [
    serial,
    scope.fleet,
    scope.orgId,
  ]);
  return rows[0] && toDevice(rows[0]);
}

/** A unit as the registry lists it: no patient identity, only whether it is assigned right now. */
export interface DeviceSummary {
  serial: string;
  imei: string | null;
  iccid: string | null;
  appFirmware: string | null;
  modemFirmware: string | null;
  factoryPassed: boolean;
  registeredAt: Date;
  lastSeenAt: Date | null;
  organisation: string | null;
  assigned: boolean;
}

type SummaryRow = Pick<DeviceRow, 'serial' | 'imei' | 'iccid' | 'app_firmware' | 'modem_firmware' | 'factory_passed' | 'registered_at' | 'last_seen_at'> & {
  org_slug: string | null;
  assigned: boolean;
};

const SELECT_SUMMARIES = `SELECT d.serial, d.imei, d.iccid, d.app_firmware, d.modem_firmware, d.factory_passed, d.registered_at,
        d.last_seen_at, o.slug AS org_slug,
        EXISTS (SELECT 1 FROM device_assignments a WHERE a.device_id = d.id AND a.unassigned_at IS NULL) AS assigned
   FROM devices d LEFT JOIN organisations o ON o.id = d.org_id`;

const toSummary = (r: SummaryRow): DeviceSummary => ({
  serial: r.serial,
  imei: r.imei,
  iccid: r.iccid,
  appFirmware: r.app_firmware,
  modemFirmware: r.modem_firmware,
  factoryPassed: r.factory_passed,
  registeredAt: r.registered_at,
  lastSeenAt: r.last_seen_at,
  organisation: r.org_slug,
  assigned: r.assigned,
});

export async function getDeviceSummary(q: Queryable, id: string): Promise<DeviceSummary | undefined> {
  const { rows } = await q.query<SummaryRow>(`${SELECT_SUMMARIES} WHERE d.id = $1`, [id]);
  return rows[0] && toSummary(rows[0]);
}

/** One page of the units within `scope` by serial, starting after `after` (keyset paging). */
export async function listDeviceSummaries(q: Queryable, scope: DeviceScope, page: { after?: string | null; limit: number }): Promise<DeviceSummary[]> {
  const { rows } = await q.query<SummaryRow>(
    `${SELECT_SUMMARIES} WHERE ($1::boolean OR d.org_id = $2) AND ($3::text IS NULL OR d.serial > $3) ORDER BY d.serial LIMIT $4`,
    [scope.fleet, scope.orgId, page.after ?? null, page.limit],
  );
  return rows.map(toSummary);
}

export interface TestedUnit {
  serial: string;
  orgId: string | null;
  imei: string;
  iccid: string;
  appFirmware: string;
  modemFirmware?: string | null;
  imageHash?: string | null;
  factoryReport: unknown;
}

/**
 * Registers a unit that passed its end-of-line test, with its identity and factory report. Returns the new
 * device id, or undefined when the serial is already registered (nothing is changed then).
 */
export async function registerTestedUnit(q: Queryable, unit: TestedUnit): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO devices (serial, org_id, imei, iccid, app_firmware, modem_firmware, image_hash, factory_passed, factory_report)
     VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8) ON CONFLICT (serial) DO NOTHING RETURNING id`,
    [unit.serial, unit.orgId, unit.imei, unit.iccid, unit.appFirmware, unit.modemFirmware ?? null, unit.imageHash ?? null, JSON.stringify(unit.factoryReport)],
  );
  return rows[0]?.id;
}

/** Caps held by the organisation with this slug. */
export async function countDevicesOfOrganisation(q: Queryable, orgSlug: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM devices d JOIN organisations o ON o.id = d.org_id WHERE o.slug = $1',
    [orgSlug],
  );
  return rows[0]?.n ?? 0;
}
