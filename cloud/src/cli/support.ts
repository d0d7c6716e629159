/**
 * pillcap support diag <serial> [--days <n>] [--json]
 *
 * The same diagnostics and verdict as GET /v1/devices/{serial}/diagnostics, for field support at a terminal.
 * Device data only: the report never reads patients.
 */
import { SERIAL_PATTERN } from '../../../protocol/src/messages.ts';
import { findDeviceBySerial } from '../repositories/devices.ts';
import { collectDeviceDiagnostics, type DeviceDiagnostics } from '../support/device-diagnostics.ts';
import { parseUsage, processIo, runActions, UsageError, withDatabase, type CliIo } from './cli-io.ts';

const USAGE = `usage:
  pillcap support diag <serial> [--days <n>] [--json]
`;

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export function formatDiagnostics(d: DeviceDiagnostics): string {
  const p = d.diagnosis.primary;
  const lines = [
    `cap ${d.serial}  status: ${d.diagnosis.status.toUpperCase()}`,
    '',
    `verdict:        ${p.title}`,
    `why:            ${p.detail}`,
    `next step:      ${p.nextStep}`,
    `tell the caller: ${p.tellCaller}`,
    '',
    `last seen:      ${d.lastSeenAt ?? 'never'}`,
    `signal:         ${d.signal.rsrpDbm === null ? 'unknown' : `${d.signal.rsrpDbm} dBm (${d.signal.band})`}${d.signal.sinrDb === null ? '' : `, SINR ${d.signal.sinrDb} dB`}${d.signal.ceLevel === null ? '' : `, CE ${d.signal.ceLevel}`}`,
    `battery:        ${d.battery.pct === null ? 'unknown' : `${d.battery.pct}%`}${d.battery.mv === null ? '' : ` (${d.battery.mv} mV)`}${d.battery.dropPctPerDay === null ? '' : `, -${d.battery.dropPctPerDay}%/day`}`,
    `queue:          ${d.queue.depth === null ? 'unknown' : `${d.queue.depth} waiting`}${d.queue.oldestAgeS ? `, oldest ${Math.round(d.queue.oldestAgeS / 3600)} h` : ''}; acked to seq ${d.queue.ackSeq}`,
    `uploads:        ${d.uploads.successRatio === null ? 'no attempts recorded' : `${Math.round(d.uploads.successRatio * 100)}% ok (${d.uploads.ok} ok, ${d.uploads.failed} failed)`}, ${d.uploads.attachFailures} attach failure(s), ${d.uploads.connectionLosses} connection loss(es)`,
    `missing events: ${d.seqGaps.missing}${d.seqGaps.ranges.length ? ` (${d.seqGaps.ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(', ')})` : ''}; dropped on the cap: ${d.queue.droppedTotal}`,
    `reboots:        ${d.reboots.unexpected} unexpected, ${d.reboots.powerLosses} after power loss in ${d.windowDays} days${d.reboots.recent.length ? `; last: ${d.reboots.recent[0]!.reasonName}` : ''}`,
    `clock:          ${d.clock.correctionsInWindow} correction(s) in ${d.windowDays} days`,
    `firmware:       ${d.firmware.app ?? '?'} / modem ${d.firmware.modem ?? '?'}`,
  ];
  const others = d.diagnosis.verdicts.filter((v) => v.code !== p.code);
  if (others.length) lines.push('', 'also:', ...others.map((v) => `  - [${v.severity}] ${v.title}: ${v.nextStep}`));
  return `${lines.join('\n')}\n`;
}

export async function runWith(args: string[], io: CliIo): Promise<number> {
  return runActions(io, USAGE, args, { diag: (rest) => diagnose(rest, io) });
}

async function diagnose(rest: string[], io: CliIo): Promise<number> {
  const parsed = parseUsage({ args: rest, options: { days: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const serial = parsed.positionals[0]?.toUpperCase();
  if (!serial || !SERIAL_PATTERN.test(serial)) throw new UsageError('a cap serial (4 to 32 characters of A-Z, 0-9 and -) is required');
  const days = parsed.values.days === undefined ? 14 : Number(parsed.values.days);
  if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError('--days must be a whole number from 1 to 90');
  return withDatabase(io, async (db) => {
    const device = await findDeviceBySerial(db, serial);
    if (!device) {
      io.stderr(`no cap with serial ${serial} is registered\n`);
      return 1;
    }
    const diagnostics = await collectDeviceDiagnostics(db, device, { windowDays: days });
    io.stdout(parsed.values.json ? `${JSON.stringify(diagnostics, null, 2)}\n` : formatDiagnostics(diagnostics));
    return 0;
  });
}
