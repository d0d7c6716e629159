/** Runs the station on several units at once (one per port or simulated unit) and writes their reports. */
import type { CredentialIssuer } from './credential-issuer.ts';
import type { RegistrationTarget } from './registration-client.ts';
import { SerialUnit } from './serial-unit.ts';
import { SimUnit, type SimFault } from './sim-unit.ts';
import { testUnit } from './station.ts';
import type { TestPlan } from './test-plan.ts';
import { writeUnitReport, type UnitReport } from './unit-report.ts';
import type { UnitUnderTest } from './unit-under-test.ts';

export interface BatchOptions {
  units: string[]; // "sim" (or "sim:<name>") for a simulated unit, else a serial port path
  bundlePath: string;
  plan: TestPlan;
  reportDir: string;
  stationId: string;
  broker?: string; // host:port of the factory broker; an embedded one is started when absent
  fault?: SimFault; // injected into every simulated unit
  credentials: CredentialIssuer;
  registration?: RegistrationTarget;
  log?: (line: string) => void;
  /** Firmware and modem traces of simulated units (debugging). */
  trace?: (line: string) => void;
  /** Called with each unit before it is tested (tests keep the simulated units to inspect them). */
  onUnit?: (unit: UnitUnderTest) => void;
}

export interface BatchResult {
  report: UnitReport;
  reportPath: string;
}

export async function runBatch(options: BatchOptions): Promise<BatchResult[]> {
  let closeBroker: (() => Promise<void>) | undefined;
  let broker = options.broker;
  if (!broker) {
    const { startEmbeddedBroker } = await import('../../simulator/src/broker.ts');
    const embedded = await startEmbeddedBroker();
    closeBroker = () => embedded.close();
    broker = new URL(embedded.url).host;
  }
  const [host, portText] = broker.split(':');
  const factoryBroker = { host, port: Number(portText ?? 1883) };
  try {
    return await Promise.all(
      options.units.map(async (name, index) => {
        const unit: UnitUnderTest = name === 'sim' || name.startsWith('sim:')
          ? new SimUnit(name === 'sim' ? `sim-${index + 1}` : name.slice(4), { fault: options.fault, brokerUrl: `mqtt://${broker}`, log: options.trace })
          : new SerialUnit(name);
        options.onUnit?.(unit);
        try {
          const report = await testUnit(unit, {
            stationId: options.stationId,
            plan: options.plan,
            bundlePath: options.bundlePath,
            factoryBroker,
            credentials: options.credentials,
            registration: options.registration,
            log: options.log,
          });
          return { report, reportPath: writeUnitReport(options.reportDir, report) };
        } finally {
          // A unit that cannot be closed cleanly must not lose the other units' reports.
          await unit.close().catch((error: Error) => options.log?.(`${unit.label}: close failed: ${error.message}`));
        }
      }),
    );
  } finally {
    await closeBroker?.();
  }
}
