/**
 * bench/firmware: firmware bundle sizes, firmware heap inside QuickJS over a 30-day scenario, and simulation
 * speed. Targets (docs/firmware.md): device bundle <= 64 KiB minified; firmware heap <= 32 KiB: the peak live
 * firmware state above the loaded bundle, after a full collection, during a 30-day scenario with the modem.
 *
 * Sizes come from F1's build (firmware/build: buildFirmware) when it exists; otherwise from bundling the
 * simulator's firmware entry (the same firmware core the simulator runs) with esbuild, and the output says so.
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { simulate } from '../../simulator/src/simulate.ts';

const KIB = 1024;
const BUNDLE_TARGET = 64 * KIB;
const HEAP_TARGET = 32 * KIB;
/** The target's scenario length (issue 3 item 6). */
const HEAP_DAYS = 30;

interface BundleSize {
  name: string;
  rawBytes: number;
  minifiedBytes: number;
  source: string;
  /** Held to the device bundle target. */
  device: boolean;
}

const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const kib = (bytes: number): string => `${(bytes / KIB).toFixed(1)} KiB`;

async function esbuildSize(entry: string, minify: boolean): Promise<number> {
  const result = await build({ entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2020', minify, logLevel: 'silent' });
  return result.outputFiles[0].contents.length;
}

async function bundleSizes(): Promise<BundleSize[]> {
  const buildModule = fileURLToPath(new URL('../../firmware/build/build-firmware.ts', import.meta.url));
  const sizes: BundleSize[] = [];
  if (existsSync(buildModule)) {
    try {
      const mod = (await import(pathToFileURL(buildModule).href)) as typeof import('../../firmware/build/build-firmware.ts');
      const out = await mod.buildFirmware();
      sizes.push({ name: 'device bundle (pillcap-moddable.js)', rawBytes: out.moddable.bytes, minifiedBytes: out.moddable.minifiedBytes, source: "F1's buildFirmware()", device: true });
      sizes.push({ name: 'factory mod (pillcap-factory-mod.js: the console, loaded on the line and on a console line only)', rawBytes: out.factoryMod.bytes, minifiedBytes: out.factoryMod.minifiedBytes, source: "F1's buildFirmware()", device: false });
      sizes.push({ name: 'self-test bundle (pillcap-selftest.js)', rawBytes: out.selftest.bytes, minifiedBytes: out.selftest.minifiedBytes, source: "F1's buildFirmware()", device: false });
    } catch (error) {
      process.stdout.write(`  (F1's buildFirmware failed: ${(error as Error).message.split('\n')[0]})\n`);
    }
  }
  const entry = fileURLToPath(new URL('../../simulator/src/quickjs-entry.ts', import.meta.url));
  sizes.push({
    name: 'simulator firmware entry (core + connectivity, no Moddable port)',
    rawBytes: await esbuildSize(entry, false),
    minifiedBytes: await esbuildSize(entry, true),
    source: 'esbuild of simulator/src/quickjs-entry.ts',
    device: sizes.length === 0,
  });
  return sizes;
}

export async function runBench(): Promise<void> {
  const sizes = await bundleSizes();
  process.stdout.write('bundle sizes\n');
  for (const s of sizes) {
    const target = s.device ? `  target <= ${kib(BUNDLE_TARGET)} minified: ${verdict(s.minifiedBytes <= BUNDLE_TARGET)}` : '';
    process.stdout.write(`  ${s.name}: raw ${s.rawBytes} B (${kib(s.rawBytes)}), minified ${s.minifiedBytes} B (${kib(s.minifiedBytes)})${target}  [${s.source}]\n`);
  }

  // Heap: one cap, 30 days, firmware inside QuickJS with the modem emulator and the embedded broker (the
  // connectivity stack holds buffers and session state). After every callback into the VM the runtime reads
  // memory, and when that reading could be a new peak it forces a full cycle collection and reads again
  // (simulator/src/quickjs-runtime.ts): the peak live heap, exact, not a guess from QuickJS's late collections.
  let heapRun;
  let heapSetup = 'with the modem emulator and the embedded broker';
  try {
    heapRun = await simulate({ scenario: 'adherent', days: HEAP_DAYS, seed: 1, runtime: 'quickjs', sampleMemory: true });
  } catch (error) {
    heapSetup = `WITHOUT a modem (connectivity failed: ${(error as Error).message.split('\n')[0]})`;
    heapRun = await simulate({ scenario: 'adherent', days: HEAP_DAYS, seed: 1, runtime: 'quickjs', connectivity: false, sampleMemory: true });
  }
  const heap = heapRun.quickjsHeap!;
  process.stdout.write(`firmware heap in QuickJS (${HEAP_DAYS} days, scenario adherent, ${heapSetup}; ${heapRun.totals.acknowledged} events acknowledged; ${heap.samples} samples)\n`);
  if (heap.liveAfterGcAboveLoadedBytes !== undefined) {
    const live = heap.liveAfterGcAboveLoadedBytes;
    process.stdout.write(`  TARGET FIGURE: peak live firmware state above the loaded bundle, after GC: ${live} B (${kib(live)}): target <= ${kib(HEAP_TARGET)}: ${verdict(live <= HEAP_TARGET)}\n`);
    process.stdout.write(`    (peak live heap ${heap.liveAfterGcBytes} B over ${heap.gcCycles} forced collections, minus the same context after loading and a collection ${heap.loadedAfterGcBytes} B;\n`);
    process.stdout.write('     the loaded figure holds the code, the simulator\'s port bridge and every built-in, which Moddable XS keeps in flash/ROM)\n');
  } else process.stdout.write('  TARGET FIGURE: not measured (no collection was forced)\n');
  process.stdout.write(`  context figures: empty context ${heap.baselineBytes} B; after loading the bundle ${heap.loadedBytes} B (${heap.codeBytes} B of it bytecode); peak reading ${heap.baselineBytes + heap.peakAboveBaselineBytes} B\n`);
  process.stdout.write(`  peak above an empty context ${heap.peakAboveBaselineBytes} B (${kib(heap.peakAboveBaselineBytes)}): code + built-ins + state + one callback's garbage (not the target: QuickJS keeps code in RAM)\n`);
  process.stdout.write(`  peak reading above the loaded bundle ${heap.peakAboveLoadedBytes} B (${kib(heap.peakAboveLoadedBytes)}): live state plus garbage not yet collected\n`);

  // Speed: simulated days per wall second, per runtime, without and with the modem emulator.
  process.stdout.write('simulation speed (1 cap)\n');
  for (const runtime of ['node', 'quickjs'] as const) {
    const r = await simulate({ scenario: 'adherent', days: 30, seed: 2, runtime, connectivity: false });
    process.stdout.write(`  ${runtime.padEnd(7)} no modem  : ${r.capDaysPerSecond} days/s (${r.totals.recorded} events in ${r.wallSeconds} s)\n`);
  }
  try {
    let vt: { holds: number; heldRealMs: number } | undefined;
    const r = await simulate({ scenario: 'adherent', days: 30, seed: 2, runtime: 'node', onCap: (cap) => (vt = cap.vt) });
    process.stdout.write(
      `  node    with modem: ${r.capDaysPerSecond} days/s (${r.totals.atCommands} AT commands, ${r.totals.acknowledged} acknowledged; ` +
        `${vt?.holds} real MQTT waits took ${Math.round(vt?.heldRealMs ?? 0)} ms of ${Math.round(r.wallSeconds * 1000)} ms)\n`,
    );
  } catch (error) {
    process.stdout.write(`  node    with modem: not measured (${(error as Error).message.split('\n')[0]})\n`);
  }
  const { simulateFleet } = await import('../../simulator/src/simulate.ts');
  const fleet = await simulateFleet({ scenario: 'adherent', days: 30, seed: 3, caps: 5, runtime: 'node', connectivity: false });
  process.stdout.write(`  node    fleet of 5, no modem: ${fleet.capDaysPerSecond} cap-days/s\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench();
