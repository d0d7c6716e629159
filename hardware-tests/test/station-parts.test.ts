/** The station's parts on their own: bundle identity, plan validation, line transport, console client, base64. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../firmware/src/console/modem-console.ts';
import { uploadChecksum } from '../../firmware/src/modem/commands/file.ts';
import { qfuplChecksum } from '../../simulator/src/modem/commands/files-ssl.ts';
import { ConsoleLink, ConsoleReplyError, ConsoleSilentError } from '../src/console-link.ts';
import { BundleError, bundleIdentity, expectedImageHash } from '../src/image-hash.ts';
import { StreamLineTransport } from '../src/stream-line-transport.ts';
import { loadTestPlan, STEP_IDS } from '../src/test-plan.ts';

/** A bundle built the way firmware/build/build-firmware.ts builds one. */
function fakeBundle(code: (hash: string) => string): string {
  const hash = createHash('sha256').update(code('0'.repeat(32))).digest('hex').slice(0, 32);
  return `/* pillcap firmware 9.9.9 image ${hash} (Moddable XS, ES2020) */\n${code(hash)}`;
}
const code = (hash: string) => `(() => { const build = { version: "9.9.9", imageHash: ${JSON.stringify(hash)}, buildUnixS: 1767225600 }; })();\n`;

describe('image hash', () => {
  it('recomputes the build hash from the code and reads the build identity', () => {
    const text = fakeBundle(code);
    const id = bundleIdentity(text);
    expect(id.imageHash).toMatch(/^[0-9a-f]{32}$/);
    expect(id).toMatchObject({ version: '9.9.9', buildUnixS: 1767225600 });
    const dir = mkdtempSync(join(tmpdir(), 'pillcap-hash-'));
    writeFileSync(join(dir, 'b.js'), text);
    expect(expectedImageHash(join(dir, 'b.js'))).toBe(id.imageHash);
  });

  it('rejects a bundle whose code was changed after the build, and files that are no bundle', () => {
    const tampered = fakeBundle(code).replace('1767225600', '1767225601');
    expect(() => bundleIdentity(tampered)).toThrow(BundleError);
    expect(() => bundleIdentity(tampered)).toThrow(/corrupt bundle/);
    expect(() => bundleIdentity('console.log("hello")\n')).toThrow(/not a pillcap device bundle/);
  });
});

describe('test plan', () => {
  it('loads the line plan with every step once', () => {
    const plan = loadTestPlan();
    expect(plan.steps.map((s) => s.id).sort()).toEqual([...STEP_IDS].sort());
    expect(plan.steps.find((s) => s.id === 'rsrp')?.limits).toEqual({ min: -115, unit: 'dBm' });
  });

  it('names the bad field of an invalid plan', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pillcap-plan-'));
    const path = join(dir, 'plan.json');
    writeFileSync(path, JSON.stringify({ name: 'x', version: 1, steps: [{ id: 'teleport', title: 't' }] }));
    expect(() => loadTestPlan(path)).toThrow(/steps\.0\.id/);
  });
});

function cable(): { station: Duplex; unitIn: PassThrough; unitOut: PassThrough } {
  const unitIn = new PassThrough();
  const unitOut = new PassThrough();
  const station = new Duplex({
    read() {},
    write(chunk, _encoding, callback) {
      unitIn.write(chunk);
      callback();
    },
  });
  unitOut.on('data', (chunk) => station.push(chunk));
  return { station, unitIn, unitOut };
}

describe('line transport and console client', () => {
  it('assembles lines across chunks, drops CR, skips traces and matches replies', async () => {
    const { station, unitIn, unitOut } = cable();
    const link = new ConsoleLink(new StreamLineTransport(station));
    unitIn.setEncoding('utf8');
    unitIn.on('data', (line: string) => {
      if (line === 'ident\r\n') {
        unitOut.write('boot: pillcap 0.1.0\r\n{"tr');
        setTimeout(() => unitOut.write('ace":1}\r\n{"ok":true,"serial":"PC-0001"}\r\n'), 5);
      } else unitOut.write('{"ok":false,"error":"unknown_command"}\n');
    });
    await expect(link.command('ident')).resolves.toEqual({ ok: true, serial: 'PC-0001' });
    await expect(link.command('frobnicate')).rejects.toThrow(ConsoleReplyError);
    expect(link.transcript.map((t) => `${t.direction}${t.line}`)).toContain('<boot: pillcap 0.1.0');
    await link.close();
  });

  it('reports a silent console as ConsoleSilentError', async () => {
    const { station } = cable();
    const link = new ConsoleLink(new StreamLineTransport(station));
    await expect(link.request('ident', 50)).rejects.toThrow(ConsoleSilentError);
    await link.close();
  });
});

describe('firmware helpers used by the station', () => {
  it('decodes base64 exactly as Node does, and refuses anything else', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 241]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 0xff);
      const text = Buffer.from(bytes).toString('base64');
      if (n > 0) expect(decodeBase64(text)).toEqual(bytes);
    }
    expect(decodeBase64('abc')).toBeUndefined();
    expect(decodeBase64('ab=c')).toBeUndefined();
    expect(decodeBase64('a-b_')).toBeUndefined();
  });

  it('computes the QFUPL checksum the emulator reports', () => {
    const data = new TextEncoder().encode('-----BEGIN CERTIFICATE-----\nabc\n');
    expect(uploadChecksum(data)).toBe(qfuplChecksum(data));
    expect(uploadChecksum(data.subarray(0, 7))).toBe(qfuplChecksum(data.subarray(0, 7)));
  });
});
