/**
 * Builds firmware/dist/pillcap-selftest-espruino.js: the firmware self-test for Espruino, whose parser stops at
 * roughly ES5 (its Linux build fails on Map, Set, Symbol, destructuring, spread/rest, default parameters,
 * computed keys, generators, Number.isInteger, Array.from and `class extends Error`).
 *
 * Pipeline: esbuild bundles the same entry as pillcap-selftest.js (ES2022, same defines and property
 * mangling) -> `extends Error` becomes `extends PillcapError` (a plain ES5 constructor from the prelude whose
 * prototype chains to Error.prototype; SWC would otherwise emit its wrap-native-super helper, which needs
 * Reflect.construct or Map) -> SWC lowers to ES5 in loose mode (no Symbol-based helpers: arrays spread with
 * concat, for-of over arrays by index or over the prelude's "@@iterator") -> the polyfill prelude
 * (espruino-prelude.js) goes in front. The result is checked with findNonEs5Syntax and the build fails if
 * anything newer than ES5 is left, or if SWC needed regenerator (there are no generators in the firmware).
 *
 * BigInt: protocol/src/cbor.ts only touches BigInt for integers beyond 2^53 and checks
 * `typeof BigInt !== 'function'` first, throwing CborError('unsupported'), so no build-time switch is needed.
 */
import { transform } from 'esbuild';
import { transform as swcTransform } from '@swc/core';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseOptions, buildDefines, bundleText, DIST_DIR, FIRMWARE_DIR } from './build-firmware.ts';
import type { BundleInfo } from './build-firmware.ts';
import { findNonEs5Syntax } from './es5-syntax.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const ESPRUINO_SELFTEST_BUNDLE = join(DIST_DIR, 'pillcap-selftest-espruino.js');
export const ESPRUINO_PRELUDE = join(here, 'espruino-prelude.js');
const SELFTEST_ENTRY = join(FIRMWARE_DIR, 'src', 'testing', 'selftest-main.ts');
const HASH_PLACEHOLDER = '0'.repeat(32);

export interface EspruinoBundleInfo extends BundleInfo {
  /** bytes of the polyfill prelude included in `bytes` */
  preludeBytes: number;
}


function bundleModern(entry: string, define: Record<string, string>): Promise<string> {
  return bundleText(baseOptions(entry, define));
}

/** Lowers one bundled ES2022 script to ES5 and puts the prelude in front. Throws if ES2015+ syntax remains. */
export async function lowerToEs5(modern: string): Promise<{ code: string; preludeBytes: number }> {
  const substituted = modern.replace(/\bextends Error\b/g, 'extends PillcapError');
  const lowered = await swcTransform(substituted, {
    jsc: { target: 'es5', loose: true, parser: { syntax: 'ecmascript' }, externalHelpers: false },
    isModule: false,
    sourceMaps: false,
    minify: false,
  });
  if (/regeneratorRuntime|_ts_generator|_async_to_generator/.test(lowered.code)) {
    throw new Error('ES5 lowering needed a generator/async runtime; the firmware must not use generators or async');
  }
  const prelude = await readFile(ESPRUINO_PRELUDE, 'utf8');
  const code = `${prelude}\n${lowered.code}`;
  const leftovers = findNonEs5Syntax(code);
  if (leftovers.length > 0) {
    const first = leftovers[0]!;
    throw new Error(`ES5 lowering left ${leftovers.length} newer construct(s), first ${first.construct} at ${first.offset}: ${first.excerpt}`);
  }
  return { code, preludeBytes: Buffer.byteLength(prelude) + 1 };
}

/** Builds the ES5 bundle of any firmware entry (no file written); also returns its minified size. */
export async function buildEs5Bundle(entry: string, define: Record<string, string>): Promise<{ code: string; preludeBytes: number; minifiedBytes: number }> {
  const { code, preludeBytes } = await lowerToEs5(await bundleModern(entry, define));
  const minified = await transform(code, { minify: true, target: 'es5', charset: 'ascii', legalComments: 'none' });
  return { code, preludeBytes, minifiedBytes: Buffer.byteLength(minified.code) };
}

/** Writes firmware/dist/pillcap-selftest-espruino.js. */
export async function buildEspruino(): Promise<EspruinoBundleInfo> {
  await mkdir(DIST_DIR, { recursive: true });
  const { version, defines } = await buildDefines();
  const draft = await bundleModern(SELFTEST_ENTRY, defines(HASH_PLACEHOLDER));
  const imageHash = createHash('sha256').update(draft).digest('hex').slice(0, 32);
  const built = await buildEs5Bundle(SELFTEST_ENTRY, defines(imageHash));
  const header = `/* pillcap firmware self-test ${version} for Espruino: ES5 + polyfill prelude; prints "N passed, N failed" */\n`;
  const text = header + built.code;
  await writeFile(ESPRUINO_SELFTEST_BUNDLE, text);
  return { path: ESPRUINO_SELFTEST_BUNDLE, bytes: Buffer.byteLength(text), minifiedBytes: built.minifiedBytes, preludeBytes: built.preludeBytes };
}
