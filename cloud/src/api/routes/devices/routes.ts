/**
 * Device registry. Manufacturing registers units that passed the end-of-line test (a failed factory report
 * is refused with 422) and lists them; fleet operators ship a unit to a clinic organisation. Device views
 * carry no patient identity, only whether the unit is currently assigned.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { audit } from '../../audit.ts';
import { ApiError, conflict, notFound, unprocessable } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { deviceInScope } from '../../scope.ts';
import { ErrorBody, SerialParams, iso } from '../common-schemas.ts';
import { Device, DeviceList, ListDevicesQuery, RegisterDeviceBody, ShipDeviceBody } from './schemas.ts';

interface DeviceListRow {
  serial: string;
  imei: string | null;
  iccid: string | null;
  app_firmware: string | null;
  modem_firmware: string | null;
  factory_passed: boolean;
  registered_at: Date;
  last_seen_at: Date | null;
  org_slug: string | null;
  assigned: boolean;
}

const LIST_SQL = `SELECT d.serial, d.imei, d.iccid, d.app_firmware, d.modem_firmware, d.factory_passed, d.registered_at,
        d.last_seen_at, o.slug AS org_slug,
        EXISTS (SELECT 1 FROM device_assignments a WHERE a.device_id = d.id AND a.unassigned_at IS NULL) AS assigned
   FROM devices d LEFT JOIN organisations o ON o.id = d.org_id`;

const toDevice = (row: DeviceListRow) => ({
  serial: row.serial,
  imei: row.imei,
  iccid: row.iccid,
  appFirmware: row.app_firmware,
  modemFirmware: row.modem_firmware,
  factoryPassed: row.factory_passed,
  registeredAt: iso(row.registered_at)!,
  lastSeenAt: iso(row.last_seen_at),
  organisation: row.org_slug,
  assigned: row.assigned,
});

export async function deviceRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/devices',
    {
      schema: { tags: ['manufacturing'], summary: 'Register a unit that passed its factory test', body: RegisterDeviceBody, response: { 201: Device, 409: ErrorBody, 422: ErrorBody } },
      config: { roles: ['manufacturing', 'admin'] },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const failedSteps = body.factoryReport.steps.filter((step) => !step.ok).map((step) => step.name);
      if (!body.factoryReport.passed || failedSteps.length > 0) {
        throw unprocessable('factory_test_failed', `unit ${body.serial} failed its factory test and cannot be registered`, { failedSteps });
      }
      let orgId: string | null = principal.fleet ? null : principal.orgId;
      if (body.organisation !== undefined && body.organisation !== principal.orgSlug) {
        if (!principal.fleet) throw new ApiError(403, 'forbidden', 'only the fleet operator can register units for another organisation');
        const org = await app.db.query<{ id: string }>('SELECT id FROM organisations WHERE slug = $1', [body.organisation]);
        if (!org.rows[0]) throw unprocessable('unknown_organisation', `no organisation "${body.organisation}"`);
        orgId = org.rows[0].id;
      } else if (body.organisation === principal.orgSlug) {
        orgId = principal.orgId;
      }
      const inserted = await app.db.transaction(async (tx) => {
        const result = await tx.query<{ id: string }>(
          `INSERT INTO devices (serial, org_id, imei, iccid, app_firmware, modem_firmware, image_hash, factory_passed, factory_report)
           VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8) ON CONFLICT (serial) DO NOTHING RETURNING id`,
          [body.serial, orgId, body.imei, body.iccid, body.appFirmware, body.modemFirmware ?? null, body.imageHash ?? null, JSON.stringify(body.factoryReport)],
        );
        if (result.rows[0]) await audit(tx, principal, 'device.register', body.serial, { stationId: body.factoryReport.stationId });
        return result.rows[0];
      });
      if (!inserted) throw conflict(`unit ${body.serial} is already registered`);
      const row = await app.db.query<DeviceListRow>(`${LIST_SQL} WHERE d.id = $1`, [inserted.id]);
      return reply.code(201).send(toDevice(row.rows[0]!));
    },
  );

  r.get(
    '/devices',
    {
      schema: { tags: ['manufacturing', 'support', 'clinic'], summary: 'List units visible to the caller (by serial, paged)', querystring: ListDevicesQuery, response: { 200: DeviceList } },
      config: { roles: ['manufacturing', 'support', 'clinic', 'admin'] },
    },
    async (request) => {
      const principal = principalOf(request);
      const { limit, after } = request.query;
      const rows = await app.db.query<DeviceListRow>(
        `${LIST_SQL} WHERE ($1::boolean OR d.org_id = $2) AND ($3::text IS NULL OR d.serial > $3) ORDER BY d.serial LIMIT $4`,
        [principal.fleet, principal.orgId, after ?? null, limit + 1],
      );
      const page = rows.rows.slice(0, limit);
      return { devices: page.map(toDevice), next: rows.rows.length > limit ? page[page.length - 1]!.serial : null };
    },
  );

  r.get(
    '/devices/:serial',
    {
      schema: { tags: ['manufacturing', 'support', 'clinic'], summary: 'One unit', params: SerialParams, response: { 200: Device, 404: ErrorBody } },
      config: { roles: ['manufacturing', 'support', 'clinic', 'admin'] },
    },
    async (request) => {
      const device = await deviceInScope(app.db, principalOf(request), request.params.serial);
      const row = await app.db.query<DeviceListRow>(`${LIST_SQL} WHERE d.id = $1`, [device.id]);
      return toDevice(row.rows[0]!);
    },
  );

  r.put(
    '/devices/:serial/organisation',
    {
      schema: { tags: ['manufacturing'], summary: 'Ship a unit to a clinic organisation (null: back to stock); fleet operator only', params: SerialParams, body: ShipDeviceBody, response: { 200: Device, 404: ErrorBody, 409: ErrorBody } },
      config: { roles: ['manufacturing', 'admin'] },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!principal.fleet) throw new ApiError(403, 'forbidden', 'only the fleet operator can ship units');
      const device = await deviceInScope(app.db, principal, request.params.serial);
      let orgId: string | null = null;
      if (request.body.organisation !== null) {
        const org = await app.db.query<{ id: string }>('SELECT id FROM organisations WHERE slug = $1', [request.body.organisation]);
        if (!org.rows[0]) throw notFound('organisation');
        orgId = org.rows[0].id;
      }
      await app.db.transaction(async (tx) => {
        const open = await tx.query('SELECT 1 FROM device_assignments WHERE device_id = $1 AND unassigned_at IS NULL', [device.id]);
        if (open.rowCount > 0) throw conflict(`unit ${device.serial} is assigned to a patient; unassign it first`);
        await tx.query('UPDATE devices SET org_id = $2 WHERE id = $1', [device.id, orgId]);
        await audit(tx, principal, 'device.ship', device.serial, { organisation: request.body.organisation });
      });
      const row = await app.db.query<DeviceListRow>(`${LIST_SQL} WHERE d.id = $1`, [device.id]);
      return toDevice(row.rows[0]!);
    },
  );
}
