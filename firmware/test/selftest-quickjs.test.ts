import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import vm from 'node:vm';
import { getQuickJS } from 'quickjs-emscripten';
import { buildFirmware } from '../build/build-firmware.ts';

const MEMORY_LIMIT = 4 * 1024 * 1024;

describe('self-test bundle', () => {
  it('builds both bundles without imports and runs the self-test in QuickJS under a 4 MiB memory limit', async () => {
    const built = await buildFirmware();
    const selftest = await readFile(built.selftest.path, 'utf8');
    const device = await readFile(built.moddable.path, 'utf8');
    for (const code of [selftest, device]) {
      expect(code).not.toMatch(/^\s*import\s/m);
      expect(code).not.toMatch(/\brequire\(/);
    }
    expect(device).toContain(built.moddable.imageHash);
    expect(built.moddable.minifiedBytes).toBeLessThan(built.moddable.bytes);

    const QuickJS = await getQuickJS();
    const runtime = QuickJS.newRuntime();
    runtime.setMemoryLimit(MEMORY_LIMIT);
    runtime.setMaxStackSize(512 * 1024);
    const context = runtime.newContext();
    const lines: string[] = [];
    const print = context.newFunction('print', (arg) => {
      lines.push(context.getString(arg));
    });
    context.setProp(context.global, 'print', print);
    print.dispose();
    const result = context.evalCode(selftest, 'pillcap-selftest.js');
    if (result.error) {
      const err = context.dump(result.error);
      result.error.dispose();
      throw new Error(`self-test threw in QuickJS: ${JSON.stringify(err)}\n${lines.join('\n')}`);
    }
    result.value.dispose();
    context.dispose();
    runtime.dispose();

    const last = lines[lines.length - 1];
    const match = /^(\d+) passed, (\d+) failed$/.exec(last);
    expect(match, lines.join('\n')).not.toBeNull();
    expect(lines.filter((l) => l.startsWith('not ok'))).toEqual([]);
    expect(Number(match![2])).toBe(0);
    expect(Number(match![1])).toBeGreaterThanOrEqual(12);
  });

  it('prints through console.log where there is neither print nor trace (Node)', async () => {
    const built = await buildFirmware();
    const selftest = await readFile(built.selftest.path, 'utf8');
    const lines: string[] = [];
    // a bare context: ECMAScript built-ins and a console, as in `node firmware/dist/pillcap-selftest.js`
    vm.runInNewContext(selftest, { console: { log: (line: string) => lines.push(line) } }, { filename: 'pillcap-selftest.js' });
    expect(lines[lines.length - 1], lines.join('\n')).toMatch(/^\d+ passed, 0 failed$/);
  });
});
