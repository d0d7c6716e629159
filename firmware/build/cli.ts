/**
 * `pillcap build-firmware [--json]`: builds firmware/dist/pillcap-moddable.js, pillcap-selftest.js and
 * pillcap-selftest-espruino.js (the self-test lowered to ES5 for Espruino, see build-espruino.ts).
 */
import { relative } from 'node:path';
import { buildFirmware, describeBuild } from './build-firmware.ts';
import { buildEspruino } from './build-espruino.ts';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      'usage: pillcap build-firmware [--json]\n  builds firmware/dist/pillcap-moddable.js (device), firmware/dist/pillcap-selftest.js and\n  firmware/dist/pillcap-selftest-espruino.js (ES5 + polyfills)\n',
    );
    return 0;
  }
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    process.stderr.write(`pillcap build-firmware: unknown option ${unknown[0]}\n`);
    return 2;
  }
  try {
    const result = await buildFirmware();
    const espruino = await buildEspruino();
    if (args.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ ...result, espruino })}\n`);
    } else {
      const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
      const line = `${relative(process.cwd(), espruino.path) || espruino.path}  ${kib(espruino.bytes)} (minified ${kib(espruino.minifiedBytes)}, prelude ${kib(espruino.preludeBytes)})`;
      process.stdout.write(`${describeBuild(result)}\n${line}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`pillcap build-firmware: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
