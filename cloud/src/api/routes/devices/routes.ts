/**
 * Device registry. Manufacturing registers units that passed the end-of-line test (a failed factory report
 * is refused with 422) and lists them; fleet operators ship a unit to a clinic organisation. Device views
 * carry no patient identity, only whether the unit is currently assigned.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { currentAssignment } from '../../../repositories/assignments.ts';
import { appendAudit } from '../../../repositories/audit.ts';
import { getDeviceSummary, listDeviceSummaries, registerTestedUnit, setDeviceOrganisation, type DeviceSummary } from '../../../repositories/devices.ts';
import { findOrganisationBySlug } from '../../../repositories/organisations.ts';
import { CLINICAL_ROLES, auditActor } from '../../auth/roles.ts';
import { ApiError, conflict, notFound, unprocessable } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { deviceInScope } from '../../scope.ts';
import { capHealth } from '../../../support/cap-health.ts';
import { ErrorBody, SerialParams, iso } from '../common-schemas.ts';
import { Device, DeviceDetail, DeviceList, ListDevicesQuery, RegisterDeviceBody, ShipDeviceBody } from './schemas.ts';

const toDevice = (d: DeviceSummary) => ({ ...d, registeredAt: iso(d.registeredAt)!, lastSeenAt: iso(d.lastSeenAt) });

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
        const org = await findOrganisationBySlug(app.db, body.organisation);
        if (!org) throw unprocessable('unknown_organisation', `no organisation "${body.organisation}"`);
        orgId = org.id;
      } else if (body.organisation === principal.orgSlug) {
        orgId = principal.orgId;
      }
      const insertedId = await app.db.transaction(async (tx) => {
        const id = await registerTestedUnit(tx, { ...body, orgId });
        if (id) await appendAudit(tx, { ...auditActor(principal), action: 'device.register', target: body.serial, detail: { stationId: body.factoryReport.stationId } });
        return id;
      });
      if (!insertedId) throw conflict(`unit ${body.serial} is already registered`);
      return reply.code(201).send(toDevice((await getDeviceSummary(app.db, insertedId))!));
    },
  );

  r.get(
    '/devices',
    {
      schema: { tags: ['manufacturing', 'support', 'clinic'], summary: 'List units visible to the caller (by serial, paged)', querystring: ListDevicesQuery, response: { 200: DeviceList } },
      config: { roles: ['manufacturing', 'support', ...CLINICAL_ROLES] },
    },
    async (request) => {
      const principal = principalOf(request);
      const { limit, after } = request.query;
      const rows = await listDeviceSummaries(app.db, principal, { after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { devices: page.map(toDevice), next: rows.length > limit ? page[page.length - 1]!.serial : null };
    },
  );

  r.get(
    '/devices/:serial',
    {
      schema: { tags: ['manufacturing', 'support', 'clinic'], summary: 'One unit, with its health (last report, battery, signal)', params: SerialParams, response: { 200: DeviceDetail, 404: ErrorBody } },
      config: { roles: ['manufacturing', 'support', ...CLINICAL_ROLES] },
    },
    async (request) => {
      const device = await deviceInScope(app.db, principalOf(request), request.params.serial);
      return { ...toDevice((await getDeviceSummary(app.db, device.id))!), health: await capHealth(app.db, device.id) };
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
        const org = await findOrganisationBySlug(app.db, request.body.organisation);
        if (!org) throw notFound('organisation');
        orgId = org.id;
      }
      await app.db.transaction(async (tx) => {
        if (await currentAssignment(tx, device.id)) throw conflict(`unit ${device.serial} is assigned to a patient; unassign it first`);
        await setDeviceOrganisation(tx, device.id, orgId);
        await appendAudit(tx, { ...auditActor(principal), action: 'device.ship', target: device.serial, detail: { organisation: request.body.organisation } });
      });
      return toDevice((await getDeviceSummary(app.db, device.id))!);
    },
  );
}
