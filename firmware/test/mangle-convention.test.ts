import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FIRMWARE_DIR, INTERNAL_PROPS, MANGLED_PROPS } from '../build/build-firmware.ts';
import * as messages from '../../protocol/src/messages.ts';
import { CONFIG_RANGES } from '../../protocol/src/limits.ts';
import { DEFAULT_CONFIG } from '../src/config.ts';

/*
 * The firmware builds shorten every property named with a trailing underscore and the names listed in
 * INTERNAL_PROPS (firmware/build/build-firmware.ts). That is only sound while such names stay inside the
 * bundle's own code: a string spelling one (a computed key, an `in` test, a JSON field) would keep the long
 * name while the code around it uses the short one, and a host object, a wire table or stored JSON would
 * still use the long one.
 */
const ROOT = join(FIRMWARE_DIR, '..');
const ENTRIES = [
  join(FIRMWARE_DIR, 'ports', 'moddable', 'entry.ts'),
  join(FIRMWARE_DIR, 'ports', 'moddable', 'factory-mod-entry.ts'),
  join(FIRMWARE_DIR, 'src', 'testing', 'selftest-main.ts'),
];

async function bundleSources(): Promise<Map<string, string>> {
  const result = await build({ entryPoints: ENTRIES, bundle: true, write: false, outdir: 'out', format: 'iife', platform: 'neutral', metafile: true, logLevel: 'silent' });
  const sources = new Map<string, string>();
  for (const file of Object.keys(result.metafile.inputs)) sources.set(file, readFileSync(join(ROOT, file), 'utf8'));
  return sources;
}

describe('shortened property names (trailing underscore, INTERNAL_PROPS)', () => {
  it('never appear as string literals in the firmware bundle sources', async () => {
    const offenders: string[] = [];
    for (const [file, source] of await bundleSources()) {
      const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''); // comments quote names in prose
      for (const m of text.matchAll(/['"`]([A-Za-z][A-Za-z0-9]*)\??['"`]/g)) if (MANGLED_PROPS.test(m[1]!)) offenders.push(`${file}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('are not wire fields, stored config fields or console reply keys', () => {
    const wire = new Set<string>();
    for (const [name, value] of Object.entries(messages)) {
      if (name.endsWith('Key') && typeof value === 'object') for (const key of Object.keys(value)) wire.add(key);
    }
    for (const key of [...Object.keys(DEFAULT_CONFIG), ...Object.keys(CONFIG_RANGES)]) wire.add(key);
    const consoles = ['firmware/src/console/factory-console.ts', 'firmware/src/console/modem-console.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    // every reply object literal starts with `ok:` (step objects are shorthand: name, ok, value, message)
    const replies = [...consoles.matchAll(/\{\s*ok:[^{}]*\}/g)].map((m) => m[0]).join('\n');
    const replyKeys = new Set([...replies.matchAll(/[{,]\s*([A-Za-z][A-Za-z0-9]*):/g)].map((m) => m[1]!));
    expect(INTERNAL_PROPS.filter((name) => wire.has(name) || replyKeys.has(name))).toEqual([]);
  });

  it('are not members of the Moddable host objects the port uses', () => {
    // ports-moddable.ts implements the ports on the host: its member reads are of host objects and the board map.
    const port = readFileSync(join(FIRMWARE_DIR, 'ports', 'moddable', 'ports-moddable.ts'), 'utf8');
    const hostMembers = new Set([...port.matchAll(/\.([A-Za-z][A-Za-z0-9]*)/g)].map((m) => m[1]!));
    expect(INTERNAL_PROPS.filter((name) => hostMembers.has(name))).toEqual([]);
  });

  it('do not match public-looking names', () => {
    expect(MANGLED_PROPS.test('gen_')).toBe(true);
    expect(MANGLED_PROPS.test('writeOffset_')).toBe(true);
    expect(MANGLED_PROPS.test('monotonicMs')).toBe(true);
    for (const name of ['gen', '_k', '__PILLCAP_VERSION__', 'seq', 'ackSeq', 'monotonicMsX', 'buildUnixS']) expect(MANGLED_PROPS.test(name)).toBe(false);
  });
});
