/**
 * Where the firmware runs: in this Node process (the TypeScript modules imported directly) or inside a
 * QuickJS VM (the bundled firmware, ports bridged through host functions; quickjs-runtime.ts).
 * Both boot the same entry (firmware-entry.ts) so the wiring is identical and runs can be compared byte
 * for byte.
 */
import type { Ports } from '../../firmware/src/ports/ports.ts';
import { bootPillcap, type PillcapBootOptions } from './firmware-entry.ts';
import type { Firmware } from '../../firmware/src/app.ts';

export type RuntimeName = 'node' | 'quickjs';

export interface FirmwareInstance {
  /** Start the firmware (recovery, boot event, timers). Runs inside the device's crash wrapper. */
  start(): void;
  /** Release what this boot holds (the QuickJS context). */
  dispose(): void;
}

export interface RuntimeMemory {
  /** QuickJS memory_used_size of the runtime now, and the highest sample seen. */
  usedBytes: number;
  peakUsedBytes: number;
  /** The same figure for an empty context, measured once when the runtime was created. */
  baselineBytes: number;
  /**
   * memory_used_size right after the bundle was evaluated in a fresh context, before the firmware was
   * created: the loaded code (function objects, bytecode, atoms, shapes). On Moddable XS this part is
   * preloaded into flash, so peak minus this figure is the firmware's RAM state.
   */
  loadedBytes: number;
  /**
   * The same context right after loading, after a forced cycle collection, with the simulator's port prelude
   * and every built-in materialised (0 unless sampling memory): the baseline of the live firmware state.
   */
  loadedAfterGcBytes: number;
  /** Bytecode of the loaded functions (on a Moddable device this lives in flash, not RAM). */
  codeBytes: number;
  /** Number of samples taken. */
  samples: number;
  /** Cycle collections forced by sampling (after a callback whose reading could raise the live peak). */
  gcCycles: number;
  /** Highest reading right after a forced cycle collection: the peak live heap (0 unless sampling memory). */
  peakAfterGcBytes: number;
}

export interface FirmwareRuntime {
  readonly name: RuntimeName;
  boot(ports: Ports, options: PillcapBootOptions): FirmwareInstance;
  /** QuickJS only: memory figures (undefined for node). */
  memory(): RuntimeMemory | undefined;
  dispose(): void;
}

export class NodeRuntime implements FirmwareRuntime {
  readonly name = 'node' as const;
  /** Called with every booted firmware before start() (tests subscribe to its bus). */
  constructor(private readonly observe?: (firmware: Firmware) => void) {}
  boot(ports: Ports, options: PillcapBootOptions): FirmwareInstance {
    const fw = bootPillcap(ports, options);
    this.observe?.(fw.firmware);
    return { start: () => fw.start(), dispose: () => undefined };
  }
  memory(): undefined {
    return undefined;
  }
  dispose(): void {}
}

export async function createRuntime(name: RuntimeName, options: { memoryLimitBytes?: number; sampleMemory?: boolean } = {}): Promise<FirmwareRuntime> {
  if (name === 'node') return new NodeRuntime();
  const { QuickJsRuntime } = await import('./quickjs-runtime.ts');
  return QuickJsRuntime.create(options);
}
