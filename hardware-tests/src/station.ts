/**
 * The manufacturing station: flash, end-of-line test, provisioning, registration, shipping mode, report.
 * Steps run in plan order and stop at the first failure, so each fault is named at its own step and a
 * failed unit is never provisioned or registered.
 */
import type { TranscriptLine } from './console-link.ts';
import type { CredentialIssuer } from './credential-issuer.ts';
import { registerUnit, type RegistrationTarget } from './registration-client.ts';
import { runnerFor, StepFailure, type StepContext } from './steps.ts';
import type { TestPlan } from './test-plan.ts';
import type { StepResult, StepStatus, UnitReport } from './unit-report.ts';
import type { UnitUnderTest } from './unit-under-test.ts';

export interface StationOptions {
  stationId: string;
  plan: TestPlan;
  bundlePath: string;
  factoryBroker: { host: string; port: number };
  credentials: CredentialIssuer;
  /** Serial to give the unit; by default the unit keeps the serial it reports, else one is derived from the IMEI. */
  serialFor?: (facts: Record<string, string | number>) => string;
  registration?: RegistrationTarget;
  log?: (line: string) => void;
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function serialFromImei(facts: Record<string, string | number>): string {
  const imei = String(facts.imei ?? '');
  return `PC-${imei.slice(-10).padStart(10, '0')}`;
}

/** Console lines are at most 256 characters on the device, so files go in chunks of whole base64 quads. */
export const UPLOAD_CHUNK_CHARS = 192;

async function uploadFile(unit: UnitUnderTest, name: string, content: Uint8Array): Promise<void> {
  const text = toBase64(content);
  for (let at = 0; at < text.length; at += UPLOAD_CHUNK_CHARS) {
    const chunk = text.slice(at, at + UPLOAD_CHUNK_CHARS);
    const last = at + UPLOAD_CHUNK_CHARS >= text.length;
    const reply = await unit.console().command(`modem upload ${name} ${chunk}${last ? '' : ' more=1'}`, last ? 30_000 : 3_000);
    if (last && reply.bytes !== content.length) throw new Error(`modem stored ${String(reply.bytes)} bytes of ${name}, expected ${content.length}`);
  }
}

/** Credentials never reach the report: upload lines keep the file name and length only. */
function redact(line: TranscriptLine): TranscriptLine {
  const m = /^(modem upload \S+) (\S+)(.*)$/.exec(line.line);
  return m ? { ...line, line: `${m[1]} <${m[2].length} base64 chars>${m[3]}` } : line;
}

export async function testUnit(unit: UnitUnderTest, options: StationOptions): Promise<UnitReport> {
  const log = options.log ?? (() => {});
  const started = new Date();
  const steps: StepResult[] = options.plan.steps.map((s) => ({ id: s.id, title: s.title, status: 'not-run', value: null, message: '', ms: 0 }));
  const report: UnitReport = {
    unit: unit.label,
    stationId: options.stationId,
    planName: options.plan.name,
    planVersion: options.plan.version,
    startedAt: started.toISOString(),
    finishedAt: '',
    durationMs: 0,
    passed: false,
    failedStep: null,
    serial: null,
    imei: null,
    iccid: null,
    firmware: null,
    modemFirmware: null,
    imageHash: '',
    steps,
    provisioning: { status: 'not-run', message: '' },
    registration: { status: 'not-run', message: '' },
    shipping: { status: 'not-run', message: '' },
    transcript: [],
  };
  const facts: Record<string, string | number> = {};
  const finish = (): UnitReport => {
    report.finishedAt = new Date().toISOString();
    report.durationMs = Date.now() - started.getTime();
    report.imei = facts.imei ? String(facts.imei) : null;
    report.iccid = facts.iccid ? String(facts.iccid) : null;
    report.firmware = facts.firmware ? String(facts.firmware) : null;
    report.modemFirmware = facts.modemFirmware ? String(facts.modemFirmware) : null;
    try {
      report.transcript = unit.console().transcript.map(redact);
    } catch {
      report.transcript = [];
    }
    return report;
  };

  try {
    const flashed = await unit.flash(options.bundlePath);
    report.imageHash = flashed.expectedImageHash;
    log(`${unit.label}: flashed ${flashed.bundleBytes} bytes, image ${flashed.expectedImageHash}`);
  } catch (error) {
    report.failedStep = 'flash-firmware';
    steps.unshift({ id: 'flash-firmware', title: 'write firmware', status: 'fail', value: null, message: (error as Error).message, ms: 0 });
    return finish();
  }

  for (const [index, step] of options.plan.steps.entries()) {
    const t0 = Date.now();
    const ctx: StepContext = { unit, step, expectedImageHash: report.imageHash, factoryBroker: options.factoryBroker, facts };
    try {
      const outcome = await runnerFor(step.id)(ctx);
      steps[index] = { ...steps[index], status: 'pass', value: outcome.value, message: outcome.message, ms: Date.now() - t0 };
      log(`${unit.label}: PASS ${step.id} ${outcome.message}`);
    } catch (error) {
      const message = error instanceof StepFailure ? error.message : `station error: ${(error as Error).message}`;
      steps[index] = { ...steps[index], status: 'fail', value: error instanceof StepFailure ? error.value : null, message, ms: Date.now() - t0 };
      report.failedStep = step.id;
      log(`${unit.label}: FAIL ${step.id} ${message}`);
      return finish();
    }
  }
  report.passed = true;

  const settle = async (part: 'provisioning' | 'registration' | 'shipping', work: () => Promise<string>): Promise<boolean> => {
    try {
      report[part] = { status: 'pass', message: await work() };
      log(`${unit.label}: PASS ${part} ${report[part].message}`);
      return true;
    } catch (error) {
      report[part] = { status: 'fail' as StepStatus, message: (error as Error).message };
      log(`${unit.label}: FAIL ${part} ${report[part].message}`);
      report.passed = false;
      report.failedStep = part;
      return false;
    }
  };

  const provisioned = await settle('provisioning', async () => {
    const serial = facts.serial ? String(facts.serial) : (options.serialFor ?? serialFromImei)(facts);
    await unit.console().command(`provision serial=${serial}`);
    const credentials = await options.credentials.issue(serial);
    for (const file of credentials.files) await uploadFile(unit, file.name, file.content);
    const ident = await unit.console().command('ident');
    if (ident.serial !== serial || ident.provisioned !== true) throw new Error(`unit reports serial ${String(ident.serial)} after provisioning ${serial}`);
    report.serial = serial;
    return `serial ${serial}, ${credentials.files.length} credential files in the modem (${options.credentials.kind})`;
  });
  if (!provisioned) return finish();

  if (options.registration) {
    const registered = await settle('registration', async () => {
      await registerUnit(options.registration!, finish());
      return `registered ${report.serial} at ${options.registration!.apiUrl}`;
    });
    if (!registered) return finish();
  } else {
    report.registration = { status: 'not-run', message: 'no API configured (--api/--token)' };
    log(`${unit.label}: SKIP registration ${report.registration.message}`);
  }

  await settle('shipping', async () => {
    await unit.console().command('modem off', 15_000);
    await unit.console().command('ship');
    return 'modem off; shipping mode: sleeps until the lid opens or the charger is connected';
  });
  return finish();
}
