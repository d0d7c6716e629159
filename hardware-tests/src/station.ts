/**
 * The manufacturing station: flash, end-of-line test, provisioning, registration, shipping mode, report.
 * Steps run in plan order and stop at the first failure, so each fault is named at its own step and a
 * failed unit is never provisioned or registered.
 */
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
    try {
      report.transcript = unit.console().transcript;
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
      return true;
    } catch (error) {
      report[part] = { status: 'fail' as StepStatus, message: (error as Error).message };
      report.passed = false;
      report.failedStep = part;
      return false;
    }
  };

  const provisioned = await settle('provisioning', async () => {
    const serial = (options.serialFor ?? serialFromImei)(facts);
    await unit.console().command(`provision serial=${serial}`);
    const credentials = await options.credentials.issue(serial);
    for (const file of credentials.files) {
      await unit.console().command(`modem upload ${file.name} ${toBase64(file.content)}`, 15_000);
    }
    const ident = await unit.console().command('ident');
    if (ident.serial !== serial) throw new Error(`unit reports serial ${String(ident.serial)} after provisioning ${serial}`);
    report.serial = serial;
    return `serial ${serial}, ${credentials.files.length} credential files (${options.credentials.kind})`;
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
  }

  await settle('shipping', async () => {
    await unit.console().command('ship');
    return 'shipping mode: sleeps until the lid opens or the charger is connected';
  });
  return finish();
}
