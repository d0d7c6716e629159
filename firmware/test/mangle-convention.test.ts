import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FIRMWARE_DIR, MANGLED_PROPS } from '../build/build-firmware.ts';

/*
 * The device build shortens every property named with a trailing underscore (firmware/build/build-firmware.ts).
 * That is only sound while such names stay inside the bundle's own code: a string spelling one (a computed key,
 * an `in` test, a JSON field) would keep the long name while the code around it uses the short one.
 */
describe('trailing-underscore names (shortened by the device build)', () => {
  it('never appear as string literals in the device bundle sources', async () => {
    const entry = join(FIRMWARE_DIR, 'ports', 'moddable', 'entry.ts');
    const result = await build({ entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'neutral', metafile: true, logLevel: 'silent' });
    const offenders: string[] = [];
    for (const file of Object.keys(result.metafile.inputs)) {
      const text = readFileSync(join(FIRMWARE_DIR, '..', file), 'utf8');
      for (const m of text.matchAll(/['"`]([A-Za-z][A-Za-z0-9]*_)['"`]/g)) if (MANGLED_PROPS.test(m[1]!)) offenders.push(`${file}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('do not match public-looking names', () => {
    expect(MANGLED_PROPS.test('gen_')).toBe(true);
    expect(MANGLED_PROPS.test('writeOffset_')).toBe(true);
    for (const name of ['gen', '_k', '__PILLCAP_VERSION__', 'seq', 'ackSeq']) expect(MANGLED_PROPS.test(name)).toBe(false);
  });
});
