/**
 * pillcap factory run --unit sim|<serial-port> [--unit ...] [--firmware <bundle>] [--report <dir>]
 *                     [--api <url> --token <manufacturing token>] [--broker host:port] [--station <id>]
 *                     [--fault <name>] [--credentials <dir>] [--plan <test-plan.json>]
 *
 * Several --unit options (or a comma list) run as a batch, in parallel. Exit code 0 when every unit passed,
 * 1 when any failed, 2 on a usage error.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DevelopmentIssuer, DirectoryIssuer } from './credential-issuer.ts';
import { factoryModPathFor } from './image-hash.ts';
import { runBatch } from './batch.ts';
import { SIM_FAULTS, type SimFault } from './sim-unit.ts';
import { loadTestPlan } from './test-plan.ts';

const USAGE = `usage: pillcap factory run --unit sim|<serial-port> [--unit ...] [--firmware <bundle>] [--report <dir>]
       [--api <url> --token <token>] [--broker host:port] [--station <id>] [--fault <${SIM_FAULTS.join('|')}>]
       [--credentials <dir>] [--plan <test-plan.json>]\n`;

export async function run(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === '--help' || verb === '-h' || verb === 'help' || (verb === 'run' && (rest.includes('--help') || rest.includes('-h')))) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (verb !== 'run') {
    process.stderr.write(USAGE);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        unit: { type: 'string', multiple: true },
        firmware: { type: 'string' },
        report: { type: 'string', default: 'reports/factory' },
        api: { type: 'string' },
        token: { type: 'string' },
        broker: { type: 'string' },
        station: { type: 'string', default: 'station-1' },
        fault: { type: 'string' },
        credentials: { type: 'string' },
        plan: { type: 'string' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const units = (values.unit ?? []).flatMap((u) => u.split(',')).filter(Boolean);
  if (units.length === 0) {
    process.stderr.write(`--unit is required\n${USAGE}`);
    return 2;
  }
  if (values.fault && !SIM_FAULTS.includes(values.fault as SimFault)) {
    process.stderr.write(`unknown fault "${values.fault}"; known: ${SIM_FAULTS.join(', ')}\n`);
    return 2;
  }
  if (values.fault && units.some((u) => u !== 'sim' && !u.startsWith('sim:'))) {
    process.stderr.write('--fault applies to simulated units only (--unit sim)\n');
    return 2;
  }
  if ((values.api && !values.token) || (!values.api && values.token)) {
    process.stderr.write('--api and --token go together\n');
    return 2;
  }
  const firmware = values.firmware ? resolve(values.firmware) : fileURLToPath(new URL('../../firmware/dist/pillcap-moddable.js', import.meta.url));
  if (!existsSync(firmware) || (!values.firmware && (bundleIsStale(firmware) || !existsSync(factoryModPathFor(firmware))))) {
    if (values.firmware) {
      process.stderr.write(`firmware bundle not found: ${firmware}\n`);
      return 2;
    }
    process.stdout.write(`building the firmware bundle (${firmware})\n`);
    const { buildFirmware } = await import('../../firmware/build/build-firmware.ts');
    await buildFirmware();
  }
  let plan;
  try {
    plan = loadTestPlan(values.plan ? resolve(values.plan) : undefined);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  let results;
  try {
    results = await runBatch({
      units,
      bundlePath: firmware,
      plan,
      reportDir: resolve(values.report!),
      stationId: values.station!,
      broker: values.broker,
      fault: values.fault as SimFault | undefined,
      credentials: values.credentials ? new DirectoryIssuer(values.credentials) : new DevelopmentIssuer(),
      registration: values.api ? { apiUrl: values.api, token: values.token! } : undefined,
      log: (line) => process.stdout.write(`${line}\n`),
    });
  } catch (error) {
    process.stderr.write(`pillcap factory: ${(error as Error).message}\n`);
    return 1;
  }
  for (const { report, reportPath } of results) {
    process.stdout.write(
      `${report.unit}${report.serial ? ` ${report.serial}` : ''}: ${report.passed ? 'PASS' : `FAIL at ${report.failedStep}`} ` +
        `(${(report.durationMs / 1000).toFixed(1)} s) -> ${reportPath} (+ .txt, station.log)\n`,
    );
  }
  return results.every((r) => r.report.passed) ? 0 : 1;
}

/** The default bundle is rebuilt when any firmware or protocol source is newer than it. */
function bundleIsStale(bundle: string): boolean {
  const built = statSync(bundle).mtimeMs;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return newer(path);
      return /\.(ts|js|json)$/.test(entry.name) && statSync(path).mtimeMs > built;
    });
  return ['firmware/src', 'firmware/ports', 'protocol/src'].some((dir) => existsSync(join(root, dir)) && newer(join(root, dir)));
}
