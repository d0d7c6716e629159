/**
 * `pillcap` command dispatcher. Each sub-command lives beside the code it drives and exports
 * `run(args: string[]): Promise<number>` (the exit code). Modules load lazily so `pillcap sim` never pays
 * for Fastify or PGlite.
 */
type CommandModule = { run(args: string[]): Promise<number> };

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

export const commands: Record<string, CommandEntry> = {
  start: { summary: 'run the whole system on embedded defaults (broker, database, ingestor, API, demo fleet)', load: () => import('./start.ts') },
  sim: { summary: 'run simulated caps over virtual days: pillcap sim --scenario <name|file> --days N --seed S', load: () => import('../../simulator/src/cli.ts') },
  'build-firmware': { summary: 'build the device and self-test bundles into firmware/dist', load: () => import('../../firmware/build/cli.ts') },
  'build-dashboard': { summary: 'bundle the clinic workspace into cloud/dashboard/dist (also done by the server when stale)', load: () => import('../../cloud/dashboard/build/cli.ts') },
  migrate: { summary: 'apply database migrations (DATABASE_URL, else embedded PGlite under ./data)', load: () => import('../../cloud/src/cli/migrate.ts') },
  ingest: { summary: 'run one ingestor process (DATABASE_URL, MQTT_URL)', load: () => import('../../cloud/src/cli/ingest.ts') },
  devices: { summary: 'devices register <serial>...', load: () => import('../../cloud/src/cli/devices.ts') },
  patients: { summary: 'patients enrol --org <org> --ref <ref> --zone <IANA> ...', load: () => import('../../cloud/src/cli/patients.ts') },
  token: { summary: 'token create --role <role> --org <org> | --user <email> --org <org>', load: () => import('../../cloud/src/cli/token.ts') },
  users: { summary: 'users create|list|reset-password|disable --org <org> [--email <email>] (staff accounts)', load: () => import('../../cloud/src/cli/users.ts') },
  support: { summary: 'support diag <serial>', load: () => import('../../cloud/src/cli/support.ts') },
  clinical: { summary: 'clinical run | evaluate: the alert engine, escalation and work queue outside pillcap start', load: () => import('../../cloud/src/cli/clinical.ts') },
  billing: { summary: 'billing export --month YYYY-MM [--org <org>] [--format csv|json]', load: () => import('../../cloud/src/cli/billing.ts') },
  factory: { summary: 'factory run --unit sim|<serial-port> [--firmware <bundle>] [--report <dir>]', load: () => import('../../hardware-tests/src/cli.ts') },
  bench: { summary: 'run the benchmarks in bench/ and print their figures', load: () => import('../../bench/run.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return `usage: pillcap <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`pillcap: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  let module: CommandModule;
  try {
    module = await entry.load();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write(`pillcap ${name}: not available in this build (${(error as Error).message})\n`);
      return 2;
    }
    throw error;
  }
  return module.run(rest);
}
