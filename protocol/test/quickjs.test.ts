/**
 * The device codec must run unchanged in a small engine: bundle cbor.ts + device-codec.ts (no imports left)
 * and run them in QuickJS with a memory limit; the bytes must match the Node run exactly.
 */
import { build } from 'esbuild';
import { getQuickJS } from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';
import { encodeDownlink, encodeUplink } from '../src/device-codec.ts';
import * as samples from '../src/samples.ts';
import { toHex } from './support/shared-vectors.ts';

const entry = `
import { decodeCbor, encodeCbor, CborError } from './cbor.ts';
import { decodeDownlink, decodeUplinkDevice, encodeDownlink, encodeUplink } from './device-codec.ts';
import { ProtocolError } from './protocol-error.ts';
import * as samples from './samples.ts';
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const errorOf = (fn) => { try { fn(); return 'none'; } catch (e) { return (e instanceof CborError ? 'CborError:' : e instanceof ProtocolError ? 'ProtocolError:' : 'other:') + e.code; } };
const batch = samples.dailyBatch({ symptoms: 1 });
const out = {
  batch: hex(encodeUplink(batch)),
  heartbeat: hex(encodeUplink(samples.fullHeartbeat())),
  hello: hex(encodeUplink(samples.sampleHello())),
  factory: hex(encodeUplink(samples.sampleFactoryReport())),
  config: hex(encodeDownlink(samples.sampleConfig())),
  roundTrip: JSON.stringify(decodeUplinkDevice(encodeUplink(batch))) === JSON.stringify(batch),
  downlink: decodeDownlink(encodeDownlink(samples.sampleConfig())).lidLeftOpenS,
  floats: hex(encodeCbor([1.5, 100000.5, 1.1, -0, 2n ** 70n, 'ü水𐅑'])),
  cborError: errorOf(() => decodeCbor(Uint8Array.of(0x5f, 0x01))),
  protocolError: errorOf(() => decodeDownlink(Uint8Array.of(0xa0))),
};
globalThis.result = JSON.stringify(out);
`;

describe('device codec in QuickJS', () => {
  it('produces the same bytes as in Node and throws typed errors', async () => {
    const bundle = await build({
      stdin: { contents: entry, resolveDir: new URL('../src/', import.meta.url).pathname, loader: 'ts' },
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2020',
    });
    const QuickJS = await getQuickJS();
    const runtime = QuickJS.newRuntime();
    runtime.setMemoryLimit(8 * 1024 * 1024);
    const vm = runtime.newContext();
    try {
      vm.unwrapResult(vm.evalCode(bundle.outputFiles[0]!.text)).dispose();
      const handle = vm.unwrapResult(vm.evalCode('globalThis.result'));
      const result = JSON.parse(vm.getString(handle)) as Record<string, unknown>;
      handle.dispose();
      expect(result).toEqual({
        batch: toHex(encodeUplink(samples.dailyBatch({ symptoms: 1 }))),
        heartbeat: toHex(encodeUplink(samples.fullHeartbeat())),
        hello: toHex(encodeUplink(samples.sampleHello())),
        factory: toHex(encodeUplink(samples.sampleFactoryReport())),
        config: toHex(encodeDownlink(samples.sampleConfig())),
        roundTrip: true,
        downlink: 600,
        floats: '86f93e00fa47c35040fb3ff199999999999af98000c249400000000000000000' + '69c3bce6b0b4f0908591',
        cborError: 'CborError:bad_chunk',
        protocolError: 'ProtocolError:invalid_field',
      });
    } finally {
      vm.dispose();
      runtime.dispose();
    }
  });
});
