/**
 * pillcap patients enrol --org <slug> --ref <ref> --name <name> --zone <IANA> --body-system <system>
 *                        --start YYYY-MM-DD --practitioner <name> [--period-anchor YYYY-MM-DD]
 *                        [--doses-per-day N] [--device <serial> [--assigned-at <ISO instant>]]
 *
 * Creates the organisation if missing. With --device the cap is registered if needed and assigned to the
 * patient from --assigned-at (default: local midnight of the monitoring start in the patient's zone).
 */
import { instantOfLocalTime } from '../billing/local-date.ts';
import { assignDevice } from '../repositories/assignments.ts';
import { appendAudit } from '../repositories/audit.ts';
import { registerDevice } from '../repositories/devices.ts';
import { ensureOrganisation } from '../repositories/organisations.ts';
import { BODY_SYSTEMS, enrolPatient, isValidDate, isValidTimeZone } from '../repositories/patients.ts';
import { RepositoryError } from '../repositories/repository-error.ts';
import { cliActor, parseUsage, processIo, runActions, UsageError, withDatabase, type CliIo } from './cli-io.ts';

const USAGE = `usage:
  pillcap patients enrol --org <slug> --ref <ref> --name <name> --zone <IANA zone> --body-system <${BODY_SYSTEMS.join('|')}>
                         --start YYYY-MM-DD --practitioner <name> [--period-anchor YYYY-MM-DD] [--doses-per-day N]
                         [--device <serial> [--assigned-at <ISO instant>]]
`;

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export async function runWith(args: string[], io: CliIo): Promise<number> {
  return runActions(io, USAGE, args, { enrol: (rest) => enrol(rest, io) });
}

async function enrol(rest: string[], io: CliIo): Promise<number> {
  const v = parseUsage({
    args: rest,
    options: {
      org: { type: 'string' },
      ref: { type: 'string' },
      name: { type: 'string' },
      zone: { type: 'string' },
      'body-system': { type: 'string' },
      start: { type: 'string' },
      practitioner: { type: 'string' },
      'period-anchor': { type: 'string' },
      'doses-per-day': { type: 'string' },
      device: { type: 'string' },
      'assigned-at': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
  if (v.help) {
    io.stdout(USAGE);
    return 0;
  }
  const required = ['org', 'ref', 'name', 'zone', 'body-system', 'start', 'practitioner'] as const;
  const missing = required.filter((k) => !v[k]);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
  if (!isValidTimeZone(v.zone!)) throw new UsageError(`--zone "${v.zone}" is not an IANA time zone (e.g. America/Chicago)`);
  if (!isValidDate(v.start!)) throw new UsageError(`--start "${v.start}" is not a date YYYY-MM-DD`);
  if (!(BODY_SYSTEMS as readonly string[]).includes(v['body-system']!)) {
    throw new UsageError(`--body-system must be one of ${BODY_SYSTEMS.join(', ')}`);
  }
  const doses = v['doses-per-day'] === undefined ? 1 : Number(v['doses-per-day']);
  if (!Number.isInteger(doses) || doses < 1 || doses > 8) throw new UsageError('--doses-per-day must be an integer 1..8');
  let assignedAt: Date | undefined;
  if (v['assigned-at'] !== undefined) {
    assignedAt = new Date(v['assigned-at']);
    if (Number.isNaN(assignedAt.getTime())) throw new UsageError(`--assigned-at "${v['assigned-at']}" is not an ISO instant`);
  }
  return withDatabase(io, (db) =>
    db.transaction(async (tx) => {
      const { organisation, created } = await ensureOrganisation(tx, v.org!);
      if (created) io.stderr(`created organisation ${organisation.slug}\n`);
      // Doses spread evenly between 08:00 and 22:00 local time; the clinic refines them later.
      const reminderMinutes = doses === 1 ? [480] : Array.from({ length: doses }, (_, i) => 480 + Math.round((i * 840) / (doses - 1)));
      const patient = await enrolPatient(tx, {
        orgId: organisation.id,
        reference: v.ref!,
        name: v.name!,
        timeZone: v.zone!,
        bodySystem: v['body-system']!,
        monitoringStart: v.start!,
        periodAnchor: v['period-anchor'],
        billingPractitioner: v.practitioner!,
        regimen: { dosesPerDay: doses, reminderMinutes },
      });
      await appendAudit(tx, { actor: cliActor(), orgId: organisation.id, action: 'patient.enrol', target: patient.id, detail: { reference: patient.reference } });
      let line = `enrolled ${patient.reference} (${patient.id}) in ${organisation.slug}`;
      if (v.device) {
        const { device } = await registerDevice(tx, { serial: v.device });
        const at = assignedAt ?? instantOfLocalTime(patient.monitoringStart, 0, patient.timeZone);
        try {
          await assignDevice(tx, { deviceId: device.id, patientId: patient.id, at });
        } catch (error) {
          if (error instanceof RepositoryError) throw new UsageError(`cannot assign ${v.device}: ${error.message}`);
          throw error;
        }
        await appendAudit(tx, { actor: cliActor(), orgId: organisation.id, action: 'device.assign', target: v.device, detail: { patientId: patient.id, at: at.toISOString() } });
        line += `, cap ${device.serial} assigned from ${at.toISOString()}`;
      }
      io.stdout(`${line}\n`);
      return 0;
    }),
  );
}
