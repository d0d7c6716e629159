/**
 * Who made an export, as staff read it: the audit actor ("user:<id>", "cli:<login>", "token:<id>") turned
 * into the person's name when the clinic's staff list knows them.
 */
export function actorName(actor: string, staff: readonly { id: string; name: string }[]): string {
  const [kind, id] = [actor.slice(0, actor.indexOf(':')), actor.slice(actor.indexOf(':') + 1)];
  if (kind === 'user') return staff.find((u) => u.id === id)?.name ?? 'a former staff member';
  if (kind === 'cli') return `${id} (command line)`;
  if (kind === 'token') return 'an API integration';
  return actor;
}
