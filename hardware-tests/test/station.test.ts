/**
 * The station end to end against simulated units: the real device bundle on S1's simulated board, S2's BG95
 * emulator on an embedded factory broker, registration through C3's API on an ephemeral port with a fresh
 * test database and a manufacturing token.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../cloud/src/api/app.ts';
import { issueToken } from '../../cloud/src/api/auth/tokens.ts';
import { createTestDatabase, type TestDatabase } from '../../cloud/test/helpers/test-database.ts';
import { buildFirmware } from '../../firmware/build/build-firmware.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../simulator/src/broker.ts';
import mqtt from 'mqtt';
import { runBatch, type BatchResult } from '../src/batch.ts';
import { run as runCli } from '../src/cli.ts';
import { testUnit } from '../src/station.ts';
import { CREDENTIAL_FILES, DevelopmentIssuer } from '../src/credential-issuer.ts';
import { bundleIdentity, factoryModPathFor } from '../src/image-hash.ts';
import { registerUnit, RegistrationError, type RegistrationTarget } from '../src/registration-client.ts';
import { FAULT_STEP, SIM_FAULTS, SimUnit, type SimFault } from '../src/sim-unit.ts';
import { loadTestPlan, type TestPlan } from '../src/test-plan.ts';
import type { UnitUnderTest } from '../src/unit-under-test.ts';

let work: string;
let bundlePath: string;
let broker: EmbeddedBroker;
let db: TestDatabase;
let api: FastifyInstance;
let registration: RegistrationTarget;
const plan = loadTestPlan();

/** What each fault must say at its own step. */
const FAULT_MESSAGE: Record<SimFault, RegExp> = {
  'dead-lid': /dead lid sensor/,
  'stuck-button': /stuck button/,
  'no-sim': /no SIM.*NOT INSERTED/,
  'weak-signal': /weak signal: RSRP -125 dBm outside >= -115 dBm/,
  'flash-error': /flash error/,
  'wrong-firmware': /wrong firmware: unit reports image [0-9a-f]{32}, expected [0-9a-f]{32}/,
  'console-silent': /console silent: no answer to "ident"/,
};

async function station(units: string[], options: { fault?: SimFault; plan?: TestPlan } = {}): Promise<{ results: BatchResult[]; sims: SimUnit[]; reportDir: string }> {
  const reportDir = mkdtempSync(join(work, 'reports-'));
  const sims: SimUnit[] = [];
  const results = await runBatch({
    units,
    bundlePath,
    plan: options.plan ?? plan,
    reportDir,
    stationId: 'test-station',
    broker: factoryBroker(),
    fault: options.fault,
    credentials: new DevelopmentIssuer(),
    registration,
    onUnit: (unit: UnitUnderTest) => {
      if (unit instanceof SimUnit) sims.push(unit);
    },
  });
  return { results, sims, reportDir };
}

const factoryBroker = (): string => new URL(broker.url).host;

async function deviceCount(): Promise<number> {
  const r = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM devices');
  return Number(r.rows[0]!.n);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pillcap-station-'));
  // The station flashes a copy, so another build of firmware/dist during the run cannot change it under us.
  bundlePath = join(work, 'pillcap-moddable.js');
  for (let attempt = 0; ; attempt++) {
    const built = await buildFirmware();
    copyFileSync(built.moddable.path, bundlePath);
    copyFileSync(built.factoryMod.path, factoryModPathFor(bundlePath));
    try {
      bundleIdentity(readFileSync(bundlePath, 'utf8'));
      break;
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
  // CI runs the factory broker for real (MQTT_URL); a laptop gets an embedded one.
  const real = process.env.MQTT_URL ? new URL(process.env.MQTT_URL) : undefined;
  broker = real ? { url: real.toString().replace(/\/$/, ''), port: Number(real.port || 1883), close: async () => undefined } : await startEmbeddedBroker();
  db = await createTestDatabase();
  await db.query(`INSERT INTO organisations (slug, name, settings) VALUES ('pillcap-ops', 'Pillcap operations', '{"operator":true}')`);
  const token = await issueToken(db, { orgSlug: 'pillcap-ops', role: 'manufacturing', label: 'station test' });
  api = await buildApp({ db, downlink: { publish: async () => undefined }, logger: false, rateLimit: { max: false } });
  const address = await api.listen({ port: 0, host: '127.0.0.1' });
  registration = { apiUrl: address, token: token.token };
}, 60_000);

afterAll(async () => {
  await api?.close();
  await db?.close();
  await broker?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a good simulated unit', () => {
  it('passes every step, is provisioned, registered through the API and shipped, and leaves its records', async () => {
    const { results, sims, reportDir } = await station(['sim']);
    const [{ report, reportPath }] = results;
    const unit = sims[0]!;

    expect(report.failedStep).toBeNull();
    expect(report.passed).toBe(true);
    expect(report.steps.map((s) => [s.id, s.status])).toEqual(plan.steps.map((s) => [s.id, 'pass']));
    expect(report.imageHash).toBe(bundleIdentity(readFileSync(bundlePath, 'utf8')).imageHash);
    expect(report.serial).toMatch(/^PC-\d{10}$/);
    expect(report.serial!.slice(3)).toBe(report.imei!.slice(-10));
    expect(report.provisioning.status).toBe('pass');
    expect(report.registration.status).toBe('pass');
    expect(report.shipping.status).toBe('pass');

    // Credentials landed in the modem's file system through QFUPL, byte for byte.
    const files = unit.modemFiles();
    expect([...files.keys()].sort()).toEqual([CREDENTIAL_FILES.cert, CREDENTIAL_FILES.key].sort());
    expect(new TextDecoder().decode(files.get(CREDENTIAL_FILES.key))).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(unit.emulator.stats().commandsByName['+QFUPL']).toBe(2);
    // ...and never into the report.
    const json = readFileSync(reportPath, 'utf8');
    expect(json).not.toContain('PRIVATE KEY');
    expect(json).not.toContain(Buffer.from(files.get(CREDENTIAL_FILES.key)!).toString('base64').slice(0, 40));

    // Shipping mode: the cap is in System OFF until the lid opens.
    expect(unit.state).toBe('system-off');

    // Registered through the API with its factory report.
    const row = await db.query<{ serial: string; imei: string; iccid: string; image_hash: string; factory_passed: boolean; factory_report: { stationId: string; steps: unknown[] } }>(
      'SELECT serial, imei, iccid, image_hash, factory_passed, factory_report FROM devices WHERE serial = $1',
      [report.serial],
    );
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0]).toMatchObject({ imei: report.imei, iccid: report.iccid, image_hash: report.imageHash, factory_passed: true });
    expect(row.rows[0]!.factory_report.stationId).toBe('test-station');
    expect(row.rows[0]!.factory_report.steps).toHaveLength(plan.steps.length);
    const viaApi = await fetch(new URL(`/v1/devices/${report.serial}`, registration.apiUrl), { headers: { authorization: `Bearer ${registration.token}` } });
    expect(viaApi.status).toBe(200);

    // Report files and station log.
    const stem = reportPath.replace(/\.json$/, '');
    expect(existsSync(`${stem}.txt`)).toBe(true);
    expect(readFileSync(`${stem}.txt`, 'utf8')).toContain(`serial ${report.serial}  PASSED`);
    const log = readFileSync(join(reportDir, 'station.log'), 'utf8').trim().split('\n');
    expect(log).toHaveLength(1);
    expect(log[0]).toContain(`serial=${report.serial} result=PASS`);
  }, 60_000);
});

describe('each injected fault fails at its own step and is not registered', () => {
  for (const fault of SIM_FAULTS) {
    it(`${fault} -> ${FAULT_STEP[fault]}`, async () => {
      const before = await deviceCount();
      // The silent console would otherwise hold the line for the plan's full console timeout.
      const faultPlan: TestPlan = fault === 'console-silent' ? { ...plan, steps: plan.steps.map((s) => (s.id === 'console' ? { ...s, timeoutMs: 800 } : s)) } : plan;
      const { results, sims, reportDir } = await station(['sim'], { fault, plan: faultPlan });
      const [{ report }] = results;

      expect(report.passed).toBe(false);
      expect(report.failedStep).toBe(FAULT_STEP[fault]);
      const failed = report.steps.find((s) => s.status === 'fail')!;
      expect(failed.id).toBe(FAULT_STEP[fault]);
      expect(failed.message).toMatch(FAULT_MESSAGE[fault]);
      // Everything before it passed, nothing after it ran.
      const at = report.steps.indexOf(failed);
      expect(report.steps.slice(0, at).every((s) => s.status === 'pass')).toBe(true);
      expect(report.steps.slice(at + 1).every((s) => s.status === 'not-run')).toBe(true);
      // Never provisioned, registered or shipped.
      expect(report.serial).toBeNull();
      expect(report.provisioning.status).toBe('not-run');
      expect(report.registration.status).toBe('not-run');
      expect(report.shipping.status).toBe('not-run');
      expect(sims[0]!.modemFiles().size).toBe(0);
      expect(await deviceCount()).toBe(before);
      if (report.imei) {
        const byImei = await db.query('SELECT 1 FROM devices WHERE imei = $1', [report.imei]);
        expect(byImei.rows).toHaveLength(0);
      }
      const log = readFileSync(join(reportDir, 'station.log'), 'utf8');
      expect(log).toContain(`result=FAIL step=${FAULT_STEP[fault]}`);
    }, 30_000);
  }
});

describe('batch mode', () => {
  it('runs several simulated units in parallel, each with its own identity and report', async () => {
    const before = await deviceCount();
    const { results, reportDir } = await station(['sim', 'sim', 'sim']);
    expect(results).toHaveLength(3);
    for (const { report } of results) expect(report.passed).toBe(true);
    const serials = results.map((r) => r.report.serial);
    expect(new Set(serials).size).toBe(3);
    expect(await deviceCount()).toBe(before + 3);
    // Parallel, not one after the other: their test windows overlap.
    const windows = results.map((r) => [Date.parse(r.report.startedAt), Date.parse(r.report.finishedAt)] as const);
    expect(Math.max(...windows.map((w) => w[0]))).toBeLessThan(Math.min(...windows.map((w) => w[1])));
    expect(readFileSync(join(reportDir, 'station.log'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(readdirSync(reportDir).filter((f) => f.endsWith('.json'))).toHaveLength(3);
  }, 60_000);
});

describe('registration guards', () => {
  it('the station refuses to register a failed unit, and so does the API', async () => {
    const { results } = await station(['sim'], { fault: 'stuck-button' });
    const failed = { ...results[0]!.report, serial: 'PC-0000000001', imei: '356938035643809', iccid: '8901260882310000001' };
    await expect(registerUnit(registration, failed)).rejects.toThrow(RegistrationError);
    const body = {
      serial: 'PC-0000000001',
      imei: '356938035643809',
      iccid: '8901260882310000001',
      appFirmware: '0.1.0',
      factoryReport: { passed: false, stationId: 'test-station', steps: [{ name: 'button', ok: false, value: null, message: 'stuck button' }] },
    };
    const response = await fetch(new URL('/v1/devices', registration.apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${registration.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(422);
    const row = await db.query('SELECT 1 FROM devices WHERE serial = $1', ['PC-0000000001']);
    expect(row.rows).toHaveLength(0);
  }, 30_000);
});

describe('provisioning and shipping on the simulated unit', () => {
  it('confirms a QFUPL reported as a timeout with QFLST, ships, and the cap connects by itself once opened', async () => {
    const client = await mqtt.connectAsync(broker.url);
    const topics: string[] = [];
    client.on('message', (topic) => topics.push(topic));
    await client.subscribeAsync('pillcap/v1/+/up');
    const unit = new SimUnit('quirky', { brokerUrl: broker.url, modemQuirks: { qfuplReportsTimeout: true } });
    try {
      const report = await testUnit(unit, {
        stationId: 'test-station',
        plan,
        bundlePath,
        factoryBroker: { host: new URL(broker.url).hostname, port: broker.port },
        credentials: new DevelopmentIssuer(),
      });
      expect(report.passed).toBe(true);
      expect(report.registration.status).toBe('not-run');
      const confirmations = report.transcript.filter((t) => t.direction === '<' && t.line.includes('"confirmedBy"'));
      expect(confirmations.map((t) => JSON.parse(t.line).confirmedBy)).toEqual(['QFLST', 'QFLST']);
      expect(unit.modemFiles().size).toBe(2);
      expect(unit.state).toBe('system-off');

      // The patient opens the cap: it wakes from System OFF, is no longer in factory mode, and uploads.
      await unit.fixture.setLid(true);
      await waitUntil(() => unit.state === 'running');
      await unit.fixture.setLid(false);
      // the factory mode boot loaded the mod (the console); the patient's boot does not until a line arrives
      expect(unit.factoryModLoads).toBe(1);
      const ident = await unit.console().command('ident');
      expect(ident).toMatchObject({ serial: report.serial, provisioned: true, bootCount: 2 });
      expect(unit.factoryModLoads).toBe(2);
      // the modem commands are the factory mode's only: connectivity owns the modem now
      expect(await unit.console().request('modem info')).toMatchObject({ ok: false, error: 'unknown_command' });
      // The upload waits out the coalescing delay after the lid closes (virtual time runs 20x real time),
      // so on a loaded CI machine this can take a while in real seconds.
      await waitUntil(() => topics.includes(`pillcap/v1/${report.serial}/up`), 75_000);
    } finally {
      await unit.close();
      await client.endAsync();
    }
  }, 120_000);
});

describe('factory console modem commands', () => {
  it('answer bad input and a dead broker with typed errors, and keep working', async () => {
    // The emulator routes every QMTOPEN to its broker URL; nothing listens on port 1.
    const unit = new SimUnit('console', { brokerUrl: 'mqtt://127.0.0.1:1' });
    try {
      await unit.flash(bundlePath);
      const link = unit.console();
      await waitUntil(() => unit.state === 'running');
      let ident: Record<string, unknown> | undefined;
      while (!ident) ident = await link.request('ident', 300).catch(() => undefined);
      expect(await link.request('modem frob')).toMatchObject({ ok: false, error: 'bad_argument' });
      expect(await link.request('modem mqtt 127.0.0.1 99999')).toMatchObject({ ok: false, error: 'bad_argument' });
      expect(await link.request('modem upload UFS:x.pem !!!!')).toMatchObject({ ok: false, error: 'bad_argument' });
      expect(await link.request('modem upload UFS:x.pem QUJD more=1')).toMatchObject({ ok: true, staged: 4 });
      expect(await link.request('modem upload UFS:x.pem RA==', 10_000)).toMatchObject({ ok: true, bytes: 4 });
      expect(new TextDecoder().decode(unit.modemFiles().get('UFS:x.pem'))).toBe('ABCD');
      let signal = await link.command('modem signal', 10_000);
      while (signal.registered !== true) signal = await link.command('modem signal', 10_000);
      expect(await link.request('modem mqtt 127.0.0.1 1', 20_000)).toMatchObject({ ok: false, error: 'mqtt_failed', stage: 'open' });
      expect(await link.request('battery?')).toMatchObject({ ok: true, mv: expect.any(Number) });
      expect(await link.request('modem time', 10_000)).toMatchObject({ ok: true, source: 'nitz' });
    } finally {
      await unit.close();
    }
  }, 40_000);
});

describe('pillcap factory run', () => {
  it('runs a simulated unit from the command line and exits 0, or 1 when it fails', async () => {
    const reportDir = mkdtempSync(join(work, 'cli-'));
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let good: number;
    let bad: number;
    try {
      good = await runCli(['run', '--unit', 'sim', '--firmware', bundlePath, '--report', reportDir, '--broker', factoryBroker()]);
      bad = await runCli(['run', '--unit', 'sim', '--firmware', bundlePath, '--report', reportDir, '--fault', 'flash-error']);
    } finally {
      process.stdout.write = write;
    }
    expect(good).toBe(0);
    expect(bad).toBe(1);
    const text = out.join('');
    expect(text).toMatch(/sim-1: PASS network-time/);
    expect(text).toMatch(/sim-1 PC-\d{10}: PASS \(\d+\.\d s\) -> .*\.json/);
    expect(text).toMatch(/sim-1: FAIL at flash/);
    expect(readFileSync(join(reportDir, 'station.log'), 'utf8').trim().split('\n')).toHaveLength(2);
  }, 60_000);

  it('exits 2 on a usage error', async () => {
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await runCli(['run'])).toBe(2);
      expect(await runCli(['run', '--unit', 'sim', '--fault', 'gremlins'])).toBe(2);
      expect(await runCli(['run', '--unit', 'sim', '--firmware', join(work, 'missing.js')])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err.join('')).toMatch(/unknown fault "gremlins"/);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
