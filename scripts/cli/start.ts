/** `pillcap start`: placeholder until the system runner lands (issue 8). */
export async function run(_args: string[]): Promise<number> {
  process.stdout.write('pillcap: the system runner is being built; try `npx pillcap sim --scenario adherent --days 30`\n');
  return 0;
}
