/**
 * Manufacturing station throughput on simulated units: time per unit (flash to shipping mode), a parallel
 * batch, and each injected fault, with the embedded broker and development credentials. No registration
 * (the API's cost is measured by bench/api).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../firmware/build/build-firmware.ts';
import { startEmbeddedBroker } from '../../simulator/src/broker.ts';
import { runBatch } from '../../hardware-tests/src/batch.ts';
import { DevelopmentIssuer } from '../../hardware-tests/src/credential-issuer.ts';
import { SIM_FAULTS, type SimFault } from '../../hardware-tests/src/sim-unit.ts';
import { loadTestPlan } from '../../hardware-tests/src/test-plan.ts';
import { factoryModPathFor } from '../../hardware-tests/src/image-hash.ts';

export async function runBench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'pillcap-bench-factory-'));
  const bundlePath = join(work, 'pillcap-moddable.js');
  const built = await buildFirmware();
  copyFileSync(built.moddable.path, bundlePath);
  copyFileSync(built.factoryMod.path, factoryModPathFor(bundlePath));
  const broker = await startEmbeddedBroker();
  const plan = loadTestPlan();
  const batch = async (units: string[], fault?: SimFault) => {
    const t0 = performance.now();
    const results = await runBatch({
      units,
      bundlePath,
      plan,
      reportDir: join(work, 'reports'),
      stationId: 'bench',
      broker: `127.0.0.1:${broker.port}`,
      fault,
      credentials: new DevelopmentIssuer(),
    });
    return { wallMs: performance.now() - t0, results };
  };
  try {
    const singles: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { results } = await batch(['sim']);
      if (!results[0]!.report.passed) throw new Error(`good unit failed at ${results[0]!.report.failedStep}`);
      singles.push(results[0]!.report.durationMs);
    }
    singles.sort((a, b) => a - b);
    console.log(`good unit, flash to shipping mode: median ${(singles[1]! / 1000).toFixed(2)} s (runs: ${singles.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s)`);
    for (const n of [3, 6]) {
      const { wallMs, results } = await batch(Array.from({ length: n }, () => 'sim'));
      const passed = results.filter((r) => r.report.passed).length;
      console.log(`batch of ${n} in parallel: ${(wallMs / 1000).toFixed(2)} s wall, ${(wallMs / n / 1000).toFixed(2)} s per unit, ${passed}/${n} passed`);
    }
    for (const fault of SIM_FAULTS) {
      const { results } = await batch(['sim'], fault);
      const r = results[0]!.report;
      console.log(`fault ${fault.padEnd(15)} fails at ${String(r.failedStep).padEnd(14)} after ${(r.durationMs / 1000).toFixed(2)} s`);
    }
  } finally {
    await broker.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench();
