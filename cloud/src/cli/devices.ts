/**
 * pillcap devices register <serial>... [--org <slug>]   register caps (idempotent); --org ships them to a
 *                                                        clinic (the organisation is created if missing)
 * pillcap devices show <serial>                          the cap's registry and ack state as JSON
 */
import { appendAudit } from '../repositories/audit.ts';
import { assertSerial, findDeviceBySerial, registerDevice, setDeviceOrganisation } from '../repositories/devices.ts';
import { ensureOrganisation } from '../repositories/organisations.ts';
import { cliActor, parseUsage, processIo, runCommand, UsageError, withDatabase, type CliIo } from './cli-io.ts';

const USAGE = `usage:
  pillcap devices register <serial>... [--org <slug>]
  pillcap devices show <serial>
`;

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export async function runWith(args: string[], io: CliIo): Promise<number> {
  return runCommand(io, USAGE, async () => {
    const [action, ...rest] = args;
    const parsed = parseUsage({ args: rest, options: { org: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (parsed.values.help || action === '--help' || action === '-h') {
      io.stdout(USAGE);
      return 0;
    }
    const serials = parsed.positionals;
    if (action === 'register') {
      if (serials.length === 0) throw new UsageError('give at least one serial');
      for (const serial of serials) {
        try {
          assertSerial(serial);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
      }
      return withDatabase(io, (db) =>
        db.transaction(async (tx) => {
          const org = parsed.values.org ? (await ensureOrganisation(tx, parsed.values.org)).organisation : undefined;
          for (const serial of serials) {
            const { device, created } = await registerDevice(tx, { serial, orgId: org?.id ?? null });
            if (!created && org && device.orgId !== org.id) await setDeviceOrganisation(tx, device.id, org.id);
            await appendAudit(tx, { actor: cliActor(), orgId: org?.id ?? null, action: created ? 'device.register' : 'device.reregister', target: serial });
            io.stdout(`${created ? 'registered' : 'already registered'} ${serial}${org ? ` (${org.slug})` : ''}\n`);
          }
          return 0;
        }),
      );
    }
    if (action === 'show') {
      if (serials.length !== 1) throw new UsageError('give exactly one serial');
      return withDatabase(io, async (db) => {
        const device = await findDeviceBySerial(db, serials[0]!);
        if (!device) {
          io.stderr(`no device ${serials[0]}\n`);
          return 1;
        }
        io.stdout(`${JSON.stringify(device, null, 2)}\n`);
        return 0;
      });
    }
    throw new UsageError(action ? `unknown action "${action}"` : 'give an action');
  });
}
