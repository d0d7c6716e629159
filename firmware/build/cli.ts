/**
 * `pillcap build-firmware [--json]`: builds firmware/dist/pillcap-moddable.js and pillcap-selftest.js.
 */
import { buildFirmware, describeBuild } from './build-firmware.ts';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('usage: pillcap build-firmware [--json]\n  builds firmware/dist/pillcap-moddable.js (device) and firmware/dist/pillcap-selftest.js\n');
    return 0;
  }
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    process.stderr.write(`pillcap build-firmware: unknown option ${unknown[0]}\n`);
    return 2;
  }
  try {
    const result = await buildFirmware();
    process.stdout.write(args.includes('--json') ? `${JSON.stringify(result)}\n` : `${describeBuild(result)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`pillcap build-firmware: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
