/**
 * Protocol benchmark: bytes per message kind (CBOR as the device writes it vs the same content as JSON),
 * the daily payload budget, encode/decode rates of the device codec against cbor-x in the same run, and the
 * minified size of the device-side codec. Prints tables; never fails on a figure.
 */
import { build } from 'esbuild';
import { Decoder, Encoder } from 'cbor-x';
import { decodeCbor, encodeCbor } from '../../protocol/src/cbor.ts';
import { decodeUplink } from '../../protocol/src/cloud-codec.ts';
import { decodeDownlink, decodeUplinkDevice, encodeDownlink, encodeUplink } from '../../protocol/src/device-codec.ts';
import { messageToJson } from '../../protocol/src/json-form.ts';
import type { DownlinkMessage, Message, UplinkMessage } from '../../protocol/src/messages.ts';
import * as s from '../../protocol/src/samples.ts';

const isUplink = (m: Message): m is UplinkMessage => m.kind < 16;
const encode = (m: Message): Uint8Array => (isUplink(m) ? encodeUplink(m) : encodeDownlink(m as DownlinkMessage));

function table(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Runs `fn` for about `ms` after a warm-up and returns operations per second. */
function rate(fn: () => unknown, ms = 300): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    elapsed = performance.now() - start;
  }
  return (n / elapsed) * 1000;
}
const k = (x: number): string => `${(x / 1000).toFixed(1)}k`;

async function minifiedBytes(contents: string): Promise<number> {
  const out = await build({
    stdin: { contents, resolveDir: new URL('../../protocol/src/', import.meta.url).pathname, loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    target: 'es2020',
  });
  return out.outputFiles[0]!.contents.length;
}

export async function runBench(): Promise<void> {
  const messages: [string, Message][] = [
    ['EventBatch (day: 8 openings + 1 symptom)', s.dailyBatch({ symptoms: 1 })],
    ['EventBatch (empty)', { ...s.dailyBatch(), events: [] }],
    ['Heartbeat (daily set)', s.dailyHeartbeat()],
    ['Heartbeat (every metric)', s.fullHeartbeat()],
    ['Hello', s.sampleHello()],
    ['CommandResult', s.sampleCommandResult()],
    ['FactoryReport', s.sampleFactoryReport()],
    ['Ack', s.sampleAck()],
    ['Config', s.sampleConfig()],
    ['Command', s.sampleCommand()],
  ];
  console.log('Bytes per message kind (CBOR = device codec; JSON = the same message as JSON with field names)');
  table(
    ['message', 'CBOR', 'JSON', 'CBOR/JSON'],
    messages.map(([name, m]) => {
      const cbor = encode(m).length;
      const json = Buffer.byteLength(JSON.stringify(messageToJson(m)));
      return [name, cbor, json, `${((cbor / json) * 100).toFixed(0)}%`];
    }),
  );

  const days = Array.from({ length: 30 }, (_, i) => s.dailyBatch({ seed: i + 1 }));
  const marginal = days.map((b) => (encodeUplink(b).length - encodeUplink({ ...b, events: b.events.slice(0, 1) }).length) / 7);
  const allIn = days.map((b) => (encodeUplink(b).length - encodeUplink({ ...b, events: [] }).length) / 8);
  const dayTotals = days.map((_, i) => encodeUplink(s.dailyBatch({ seed: i + 1, symptoms: 1 })).length + encodeUplink(s.dailyHeartbeat()).length);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log('\nDaily budget over 30 simulated days (8 openings 5..40 s open, 07:00-22:00)');
  table(
    ['figure', 'mean', 'max', 'budget'],
    [
      ['bytes per opening, marginal (kind + dt + duration)', mean(marginal).toFixed(2), Math.max(...marginal).toFixed(2), '6'],
      ['bytes per opening, all-in (incl. CONTEXT marker)', mean(allIn).toFixed(2), Math.max(...allIn).toFixed(2), '-'],
      ['whole day: batch (8 + 1 symptom) + heartbeat', mean(dayTotals).toFixed(1), Math.max(...dayTotals), '200'],
    ],
  );

  const cborxEncoder = new Encoder({ mapsAsObjects: false, useRecords: false });
  const cborxDecoder = new Decoder({ mapsAsObjects: false, useRecords: false });
  console.log('\nRates, same run (ops/s; higher is better)');
  const rows: (string | number)[][] = [];
  for (const [name, m] of [messages[0]!, messages[3]!] as [string, UplinkMessage][]) {
    const bytes = encodeUplink(m);
    const wire = decodeCbor(bytes); // the integer-keyed map the device encodes
    rows.push([`${name}: encode`, k(rate(() => encodeUplink(m))), k(rate(() => encodeCbor(wire))), k(rate(() => cborxEncoder.encode(wire)))]);
    rows.push([`${name}: decode`, k(rate(() => decodeUplinkDevice(bytes))), k(rate(() => decodeCbor(bytes))), k(rate(() => cborxDecoder.decode(bytes)))]);
    rows.push([`${name}: cloud decodeUplink (cbor-x + zod)`, '-', '-', k(rate(() => decodeUplink(bytes)))]);
  }
  const config = encodeDownlink(s.sampleConfig());
  rows.push(['Config: device decodeDownlink', k(rate(() => decodeDownlink(config))), k(rate(() => decodeCbor(config))), k(rate(() => cborxDecoder.decode(config)))]);
  table(['operation', 'device codec', 'device CBOR only', 'cbor-x'], rows);

  const firmwareSubset = await minifiedBytes("export { encodeUplink, decodeDownlink } from './device-codec.ts';");
  const cborOnly = await minifiedBytes("export { encodeCbor, decodeCbor } from './cbor.ts';");
  const everything = await minifiedBytes("export * from './device-codec.ts'; export * from './cbor.ts';");
  console.log('\nDevice code size (esbuild --minify, bytes)');
  table(
    ['bundle', 'bytes'],
    [
      ['cbor.ts (encodeCbor + decodeCbor)', cborOnly],
      ['firmware subset: encodeUplink + decodeDownlink (+ cbor, messages, limits)', firmwareSubset],
      ['all of device-codec.ts + cbor.ts', everything],
    ],
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench();
