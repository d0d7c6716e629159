import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
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
    const vm = runtime.newContext();
    const lines: string[] = [];
    const print = vm.newFunction('print', (arg) => {
      lines.push(vm.getString(arg));
    });
    vm.setProp(vm.global, 'print', print);
    print.dispose();
    const result = vm.evalCode(selftest, 'pillcap-selftest.js');
    if (result.error) {
      const err = vm.dump(result.error);
      result.error.dispose();
      throw new Error(`self-test threw in QuickJS: ${JSON.stringify(err)}\n${lines.join('\n')}`);
    }
    result.value.dispose();
    vm.dispose();
    runtime.dispose();

    const last = lines[lines.length - 1];
    const match = /^(\d+) passed, (\d+) failed$/.exec(last);
    expect(match, lines.join('\n')).not.toBeNull();
    expect(lines.filter((l) => l.startsWith('not ok'))).toEqual([]);
    expect(Number(match![2])).toBe(0);
    expect(Number(match![1])).toBeGreaterThanOrEqual(12);
  });
});
