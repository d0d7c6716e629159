/**
 * The commands support can send to a cap (POST /v1/devices/:serial/commands, COMMANDS of the support schema):
 * what each does in plain words, for the confirmation. Typed against the route schema, so a command added or
 * renumbered there breaks the build until it is described here.
 */
import type { In } from '../api/endpoints.ts';
import type * as support from '../../../src/api/routes/support/schemas.ts';

export type CommandName = In<typeof support.SendCommandBody>['command'];

export const COMMAND_CODES: typeof support.COMMANDS = { ping: 1, heartbeat_now: 2, reboot: 3, upload_now: 4 };

export const COMMANDS: readonly { name: CommandName; label: string; explain: string; disruptive: boolean }[] = [
  { name: 'ping', label: 'Ping', explain: 'The cap answers at its next connection; nothing on the cap changes.', disruptive: false },
  { name: 'heartbeat_now', label: 'Heartbeat now', explain: 'The cap sends its health readings (signal, battery, queue) at its next connection.', disruptive: false },
  { name: 'upload_now', label: 'Upload now', explain: 'The cap sends every event it still holds at its next connection.', disruptive: false },
  { name: 'reboot', label: 'Reboot', explain: 'The cap restarts at its next connection. Recorded events stay safe in its memory; it reconnects within a few minutes.', disruptive: true },
];

export function commandLabel(code: number): string {
  const name = (Object.keys(COMMAND_CODES) as CommandName[]).find((key) => COMMAND_CODES[key] === code);
  return COMMANDS.find((c) => c.name === name)?.label ?? `Command ${code}`;
}
