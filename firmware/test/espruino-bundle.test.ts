import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { getQuickJS } from 'quickjs-emscripten';
import type { QuickJSWASMModule } from 'quickjs-emscripten';
import { ESPRUINO_PRELUDE, buildEs5Bundle, buildEspruino } from '../build/build-espruino.ts';
import { findNonEs5Syntax } from '../build/es5-syntax.ts';

/*
 * No Espruino interpreter exists on npm or in Debian, so this is the closest stand-in: QuickJS stripped of
 * every built-in Espruino's Linux build lacks (or may lack), plus a syntax check that the bundle is ES5.
 */
const MEMORY_LIMIT = 4 * 1024 * 1024;

/** Removed before the bundle runs; the prelude must supply what the firmware needs of these. */
const STRIP = `
  var global = globalThis;
  var names = ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol', 'Reflect', 'Proxy',
    'BigInt', 'BigInt64Array', 'BigUint64Array', 'Promise', 'AggregateError'];
  for (var i = 0; i < names.length; i++) delete global[names[i]];
  delete Number.isInteger; delete Number.isSafeInteger; delete Number.isFinite; delete Number.isNaN;
  delete Array.from; delete Array.of;
  delete Object.entries; delete Object.values; delete Object.assign; delete Object.fromEntries;
  delete Math.imul; delete Math.trunc; delete Math.sign; delete Math.clz32;
  delete Math.fround; delete String.fromCodePoint; delete Date.UTC; delete Object.setPrototypeOf;
  var typed = Object.getPrototypeOf(Uint8Array.prototype);
  delete typed.fill; delete typed.slice; delete typed.copyWithin;
  delete globalThis;
  [typeof Map, typeof Set, typeof Symbol, typeof BigInt, typeof Reflect, typeof Number.isInteger, typeof Array.from,
   typeof Object.assign, typeof Math.imul, typeof globalThis, typeof Math.fround, typeof Date.UTC,
   typeof new Uint8Array(1).slice].join(',');
`;

function runEspruinoLike(QuickJS: QuickJSWASMModule, code: string, file: string): string[] {
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(MEMORY_LIMIT);
  runtime.setMaxStackSize(512 * 1024);
  const vm = runtime.newContext();
  const lines: string[] = [];
  try {
    const print = vm.newFunction('print', (arg) => {
      lines.push(vm.getString(arg));
    });
    vm.setProp(vm.global, 'print', print);
    print.dispose();
    const stripped = vm.unwrapResult(vm.evalCode(STRIP, 'strip.js'));
    expect(vm.getString(stripped)).toBe(Array(13).fill('undefined').join(','));
    stripped.dispose();
    const result = vm.evalCode(code, file);
    if (result.error) {
      const err = vm.dump(result.error);
      result.error.dispose();
      throw new Error(`${file} threw in the Espruino-like context: ${JSON.stringify(err)}\n${lines.join('\n')}`);
    }
    result.value.dispose();
  } finally {
    vm.dispose();
    runtime.dispose();
  }
  return lines;
}

describe('Espruino bundle', () => {
  it('is ES5 only and its self-test passes in QuickJS without the built-ins Espruino lacks', async () => {
    const built = await buildEspruino();
    const code = await readFile(built.path, 'utf8');
    expect(findNonEs5Syntax(code)).toEqual([]);
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toMatch(/\bextends Error\b/);
    expect(built.minifiedBytes).toBeLessThan(built.bytes);

    const lines = runEspruinoLike(await getQuickJS(), code, 'pillcap-selftest-espruino.js');
    const last = lines[lines.length - 1];
    const match = /^(\d+) passed, (\d+) failed$/.exec(last ?? '');
    expect(match, lines.join('\n')).not.toBeNull();
    expect(lines.filter((l) => l.startsWith('not ok'))).toEqual([]);
    expect(Number(match![2])).toBe(0);
    expect(Number(match![1])).toBeGreaterThanOrEqual(12);
  });

  it('rejects 64-bit integers beyond 2^53 with CborError when BigInt is absent; the rest of CBOR still works', async () => {
    const probe = await buildEs5Bundle(join(import.meta.dirname, 'fixtures', 'espruino-cbor-probe.ts'), {});
    expect(findNonEs5Syntax(probe.code)).toEqual([]);
    const lines = runEspruinoLike(await getQuickJS(), probe.code, 'espruino-cbor-probe.js');
    expect(JSON.parse(lines[lines.length - 1] ?? 'null')).toEqual({
      hasBigInt: false,
      big: 'unsupported',
      bigNegative: 'unsupported',
      bignum: 'unsupported',
      safe64: 9007199254740991,
      mapSize: 2,
      mapValue: 'a',
      mapRoundTrip: [0xa2, 0x01, 0x61, 0x61, 0x02, 0x80].join(','),
      duplicateKey: 'duplicate_key',
    });
  });

  it('the device core with connectivity (the Moddable entry) lowers to ES5 and initialises without those built-ins', async () => {
    // Not runnable on Espruino without an Espruino port of the Ports interface; this proves only that the
    // whole device code lowers and that its module-level code runs in the stripped context.
    const defines = { __PILLCAP_VERSION__: '"0.0.0"', __PILLCAP_IMAGE_HASH__: JSON.stringify('0'.repeat(32)), __PILLCAP_BUILD_UNIX_S__: '0' };
    const device = await buildEs5Bundle(join(import.meta.dirname, '..', 'ports', 'moddable', 'entry.ts'), defines);
    expect(findNonEs5Syntax(device.code)).toEqual([]);
    const lines = runEspruinoLike(await getQuickJS(), `${device.code}\nprint(typeof pillcapMain);`, 'pillcap-device-es5.js');
    expect(lines).toEqual(['function']);
  });

  it('the prelude polyfills agree with the native built-ins on what the firmware relies on', async () => {
    // Each expression runs natively in Node and, after the prelude, in the stripped context.
    const probes = `[
      (function () { var m = new Map([[1, 'a'], ['1', 'b']]); m.set(NaN, 'n').set(1, 'c'); m['delete']('1');
        var seen = []; m.forEach(function (v, k) { seen.push([k, v]); });
        return [m.size, m.get(1), m.get(NaN), m.has('1'), seen, Array.from(m.entries()), Array.from(m.keys())]; })(),
      (function () { var s = new Set([3, 1, 3]); s.add(2); s['delete'](1); return [s.size, s.has(3), Array.from(s)]; })(),
      [Number.isInteger(3), Number.isInteger(3.5), Number.isInteger(Infinity), Number.isInteger('3'), Number.MAX_SAFE_INTEGER],
      [Array.from([1, 2], function (x) { return x * 2; }), Array.from({ length: 2, 0: 'x', 1: 'y' }), Array.from('ab')],
      [Object.entries({ a: 1, b: 2 }), Object.values({ a: 1 }), Object.assign({ a: 1 }, null, { b: 2 }, { a: 3 })],
      [Math.imul(3, 4), Math.imul(-5, 12), Math.imul(0xffffffff, 5), Math.imul(0x7fffffff, 0x7fffffff), Math.imul(16777619, 2166136261)],
      [Math.fround(1.5), Math.fround(0.1), Math.fround(1e40)],
      [Date.UTC(1970, 0, 1), Date.UTC(2026, 5, 1, 6, 0, 0), Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2026, 0, 1), Date.UTC(1969, 11, 31), Date.UTC(2100, 2, 1)],
      [Array.from(new Uint8Array([1, 2, 3, 4, 5]).copyWithin(0, 2, 4)), Array.from(new Uint8Array([1, 2, 3, 4, 5]).copyWithin(1, 0, 3)),
       Array.from(new Uint8Array(4).fill(255, 1, 3)), Array.from(new Uint8Array([1, 2, 3]).slice(-2)), new Uint8Array([1, 2]).slice(1) instanceof Uint8Array],
      (function () { function E(c, m) { PillcapError.call(this, m); this.code = c; this.name = 'E'; }
        E.prototype = Object.create(PillcapError.prototype); var e = new E('x', 'boom');
        return [e instanceof Error, e.message, String(e), e.code]; })()
    ]`;
    const nativePillcapError = `function PillcapError(m) { this.message = m; } PillcapError.prototype = Object.create(Error.prototype); PillcapError.prototype.name = 'Error';`;
    const expected = JSON.stringify(new Function(`${nativePillcapError} return ${probes};`)());
    const prelude = await readFile(ESPRUINO_PRELUDE, 'utf8');
    const lines = runEspruinoLike(await getQuickJS(), `${prelude}\nprint(JSON.stringify(${probes}));`, 'prelude-probe.js');
    expect(lines[lines.length - 1]).toBe(expected);
  });

  it('the ES5 check finds what Espruino would not parse', () => {
    const found = (src: string): string[] => findNonEs5Syntax(src).map((f) => f.construct);
    expect(found('var a = 1; var o = { get x() { return a; } }; try {} catch (e) {} l: for (;;) break l;')).toEqual([]);
    expect(found('const a = 1; let b = 2;')).toEqual(['const declaration', 'let declaration']);
    expect(found('var f = () => `x${1}`;')).toEqual(['ArrowFunctionExpression', 'TemplateLiteral']);
    expect(found('class A extends Error {}')).toEqual(['ClassDeclaration']);
    expect(found('var o = { a, [k]: 1, m() {} };')).toEqual(['shorthand property', 'computed key', 'MethodProperty']);
    expect(found('function f(a = 1, ...r) { var { x } = a; var [y] = r; g(...r); }')).toEqual([
      'AssignmentPattern',
      'RestElement',
      'ObjectPattern',
      'AssignmentPatternProperty',
      'ArrayPattern',
      'spread argument',
    ]);
    expect(found('for (var x of y) {} function* g() {} async function h() {}')).toEqual(['ForOfStatement', 'generator', 'async function']);
    expect(found('a ?? b; a?.b; a ** 2; var n = 10n; var r = /x/u; try {} catch {}')).toEqual([
      'operator ??',
      'OptionalChainingExpression',
      'operator **',
      'BigIntLiteral',
      'regex flags /u',
      'optional catch binding',
    ]);
  });
});
