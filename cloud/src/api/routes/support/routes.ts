/**
 * Field support: diagnostics by serial and commands to the cap through the downlink. Nothing here reads
 * patients; the response schemas list every field, so nothing else can leak through serialisation.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { MessageKind, type CommandCode } from '../../../../../protocol/src/messages.ts';
import { collectDeviceDiagnostics } from '../../../support/device-diagnostics.ts';
import { appendAudit } from '../../../repositories/audit.ts';
import { createCommand, markCommandFailed } from '../../../repositories/commands.ts';
import { auditActor } from '../../auth/roles.ts';
import { ApiError } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { deviceInScope } from '../../scope.ts';
import { ErrorBody, SerialParams } from '../common-schemas.ts';
import { COMMANDS, CommandAccepted, Diagnostics, DiagnosticsQuery, SendCommandBody } from './schemas.ts';

export async function supportRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/devices/:serial/diagnostics',
    {
      schema: { tags: ['support'], summary: 'Device health and a plain-language verdict (no patient data)', params: SerialParams, querystring: DiagnosticsQuery, response: { 200: Diagnostics, 404: ErrorBody } },
      config: { roles: ['support', 'admin'] },
    },
    async (request) => {
      const device = await deviceInScope(app.db, principalOf(request), request.params.serial);
      return collectDeviceDiagnostics(app.db, device, { windowDays: request.query.days });
    },
  );

  r.post(
    '/devices/:serial/commands',
    {
      schema: { tags: ['support'], summary: 'Send ping, heartbeat now, upload now or reboot to the cap', params: SerialParams, body: SendCommandBody, response: { 202: CommandAccepted, 404: ErrorBody, 502: ErrorBody } },
      config: { roles: ['support', 'admin'] },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const device = await deviceInScope(app.db, principal, request.params.serial);
      const code = COMMANDS[request.body.command] as CommandCode;
      const commandId = await app.db.transaction(async (tx) => {
        const actor = auditActor(principal);
        const id = await createCommand(tx, { deviceId: device.id, code, requestedBy: actor.actor });
        await appendAudit(tx, { ...actor, action: 'device.command', target: device.serial, detail: { command: request.body.command, commandId: id } });
        return id;
      });
      try {
        await app.downlink.publish(device.serial, { kind: MessageKind.Command, serial: device.serial, commandId, code });
      } catch (error) {
        request.log.error({ err: error, serial: device.serial, commandId }, 'downlink publish failed');
        await markCommandFailed(app.db, { deviceId: device.id, commandId, detail: `downlink publish failed: ${(error as Error).message}` });
        throw new ApiError(502, 'downlink_failed', 'the command could not be sent to the broker; try again');
      }
      return reply.code(202).send({ serial: device.serial, commandId, command: request.body.command, code, status: 'sent' });
    },
  );
}
