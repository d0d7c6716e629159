import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FIRMWARE_DIR, INTERNAL_PROPS, MANGLED_PROPS, WIRE_PROPS } from '../build/build-firmware.ts';
import * as messages from '../../protocol/src/messages.ts';
import { HEARTBEAT_METRIC_RULES } from '../../protocol/src/limits.ts';
import { decodeCbor } from '../../protocol/src/cbor.ts';
import { DEFAULT_CONFIG, storeConfig } from '../src/config.ts';
import { BlobStore } from '../src/storage/blob-store.ts';
import { FakeFlash } from '../src/testing/fake-ports.ts';

/*
 * The firmware builds shorten every property named with a trailing underscore and the names listed in
 * INTERNAL_PROPS and WIRE_PROPS (firmware/build/build-firmware.ts). That is only sound while such names stay
 * inside the bundle's own code: a string spelling one (a computed key, an `in` test, an array of names)
 * would keep the long name while the code around it uses the short one, and a host object or a console
 * reply would still use the long one. Wire fields may be shortened because the wire carries integer keys
 * and the config is stored by ConfigKey, never by name.
 */
const LISTED = [...INTERNAL_PROPS, ...WIRE_PROPS];
const ROOT = join(FIRMWARE_DIR, '..');
const ENTRIES = [
  join(FIRMWARE_DIR, 'ports', 'moddable', 'entry.ts'),
  join(FIRMWARE_DIR, 'ports', 'moddable', 'factory-mod-entry.ts'),
  join(FIRMWARE_DIR, 'src', 'testing', 'selftest-main.ts'),
];

async function bundleSources(): Promise<Map<string, string>> {
  const result = await build({ entryPoints: ENTRIES, bundle: true, write: false, outdir: 'out', format: 'iife', platform: 'neutral', metafile: true, logLevel: 'silent' });
  const sources = new Map<string, string>();
  // The self-test's golden vectors (.json) are data: it reads only their `name`, `direction` and `hex`.
  for (const file of Object.keys(result.metafile.inputs)) if (!file.endsWith('.json')) sources.set(file, readFileSync(join(ROOT, file), 'utf8'));
  return sources;
}

describe('shortened property names (trailing underscore, INTERNAL_PROPS, WIRE_PROPS)', () => {
  it('never appear as string literals in the firmware bundle sources', async () => {
    const offenders: string[] = [];
    for (const [file, source] of await bundleSources()) {
      const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''); // comments quote names in prose
      for (const m of text.matchAll(/['"`]([A-Za-z][A-Za-z0-9]*)\??['"`]/g)) if (MANGLED_PROPS.test(m[1]!)) offenders.push(`${file}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('are not console reply keys', () => {
    const consoles = ['firmware/src/console/factory-console.ts', 'firmware/src/console/modem-console.ts', 'firmware/ports/moddable/factory-mod.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    // every reply object literal starts with `ok:` (step objects are shorthand: name, ok, value, message)
    const replies = [...consoles.matchAll(/\{\s*ok:[^{}]*\}/g)].map((m) => m[0]).join('\n');
    const replyKeys = new Set([...replies.matchAll(/[{,]\s*([A-Za-z][A-Za-z0-9]*):/g)].map((m) => m[1]!));
    // members of what replies carry: the `time` reply's TimeAnchor, the self-test's steps
    for (const key of ['boot', 'uptimeS', 'unixS', 'source', 'name', 'ok', 'value', 'message']) replyKeys.add(key);
    expect(LISTED.filter((name) => replyKeys.has(name))).toEqual([]);
  });

  it('WIRE_PROPS holds wire fields only, and no header field', () => {
    const wire = new Set<string>([...Object.keys(HEARTBEAT_METRIC_RULES), ...Object.keys(DEFAULT_CONFIG), ...Object.keys(messages.ConfigKey)]);
    for (const [name, value] of Object.entries(messages)) {
      if (name.endsWith('Key') && name !== 'HeaderKey' && typeof value === 'object') for (const key of Object.keys(value)) wire.add(key);
    }
    expect(WIRE_PROPS.filter((name) => !wire.has(name) || name in messages.HeaderKey)).toEqual([]);
  });

  it('the stored config carries no field names: a CBOR map keyed by ConfigKey', () => {
    const flash = new FakeFlash(2);
    storeConfig(new BlobStore(flash, 0), { ...DEFAULT_CONFIG, configVersion: 7, reminderMinutes: [480], quietStartMin: 1320 });
    const text = new BlobStore(flash, 0).read()!;
    for (const name of Object.keys(messages.ConfigKey)) expect(text).not.toContain(name);
    const stored = decodeCbor(Uint8Array.from(text, (c) => c.charCodeAt(0)));
    expect(stored).toBeInstanceOf(Map);
    const keys = [...(stored as Map<unknown, unknown>).keys()];
    expect(keys.every((k) => Number.isInteger(k))).toBe(true);
    expect(keys).toContain(messages.ConfigKey.quietStartMin);
  });

  it('are not members of the Moddable host objects the port uses', () => {
    // ports-moddable.ts implements the ports on the host: its member reads are of host objects and the board map.
    const port = readFileSync(join(FIRMWARE_DIR, 'ports', 'moddable', 'ports-moddable.ts'), 'utf8');
    const hostMembers = new Set([...port.matchAll(/\.([A-Za-z][A-Za-z0-9]*)/g)].map((m) => m[1]!));
    expect(LISTED.filter((name) => hostMembers.has(name))).toEqual([]);
  });

  it('are not members of ECMAScript built-ins or of the globals a bundle may call', () => {
    // esbuild shortens a listed name on every object: `ports.console` and `globalThis.console` alike.
    const builtins: object[] = [globalThis, Math, JSON, Reflect, Object, Array, String, Number, Promise, Date, Object.prototype];
    for (const ctor of [Array, String, Number, Uint8Array, DataView, ArrayBuffer, Map, Set, WeakMap, Promise, Date, Error, RegExp, Function]) builtins.push(ctor.prototype);
    builtins.push(Object.getPrototypeOf(Uint8Array.prototype), console);
    const members = new Set(['print', 'trace']); // QuickJS and Moddable XS globals the self-test prints through
    for (const o of builtins) for (const key of Object.getOwnPropertyNames(o)) members.add(key);
    expect(LISTED.filter((name) => members.has(name))).toEqual([]);
  });

  it('do not match public-looking names', () => {
    expect(MANGLED_PROPS.test('gen_')).toBe(true);
    expect(MANGLED_PROPS.test('writeOffset_')).toBe(true);
    expect(MANGLED_PROPS.test('monotonicMs')).toBe(true);
    expect(MANGLED_PROPS.test('reminderMinutes')).toBe(true);
    for (const name of ['gen', '_k', '__PILLCAP_VERSION__', 'seq', 'ackSeq', 'imageHash', 'bootCount', 'uptimeS', 'serial', 'kind', 'monotonicMsX', 'buildUnixS']) expect(MANGLED_PROPS.test(name)).toBe(false);
  });
});
