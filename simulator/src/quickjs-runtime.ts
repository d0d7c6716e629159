/**
 * Runs the bundled firmware inside QuickJS (quickjs-emscripten), the stand-in for Moddable XS.
 *
 * Bridge:
 *  - VM -> host: one host function `__host(op, a, b)`; a prelude in the VM builds a `Ports` object whose
 *    methods call it (op numbers below). Bytes cross as ArrayBuffers (copied both ways).
 *  - host -> VM: callbacks the firmware registers (edges, timers, serial bytes, console lines) are kept in a
 *    table inside the VM; the host calls `__dispatch(id, arg, keep)` with the table index.
 *  - Exceptions: a host error (power lost, flash misuse) is rethrown inside the VM with its name and message;
 *    an exception escaping the firmware comes back to the host as an Error (the device treats it as a crash).
 *  - One QuickJS runtime per simulated cap; each boot gets a fresh context (RAM does not survive a reset),
 *    the previous context is disposed.
 *
 * Memory: `memory()` reports QuickJS's own `memory_used_size` (JS_ComputeMemoryUsage), sampled after every
 * callback when `sampleMemory` is on, against the figure for an empty context measured at creation. With
 * sampling on, every sample is followed by a forced cycle collection (COLLECT) and a second reading: the live
 * heap. The live firmware state is that figure minus the same context's reading right after the bundle was
 * loaded and collected (prelude and built-ins included, see MATERIALIZE_BUILTINS). Sampling never changes
 * what the firmware computes: it only reads memory and allocates garbage of its own.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { getQuickJS, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten';
import type { Level, Ports } from '../../firmware/src/ports/ports.ts';
import type { FirmwareInstance, FirmwareRuntime, RuntimeMemory } from './firmware-runtime.ts';
import type { PillcapBootOptions } from './firmware-entry.ts';

const OPS = [
  'lid.read',
  'lid.onEdge',
  'button.read',
  'button.onEdge',
  'led.write',
  'buzzer.write',
  'timers.setTimeout',
  'timers.setInterval',
  'timers.clear',
  'clock.monotonicMs',
  'clock.wallMs',
  'clock.setWallMs',
  'flash.read',
  'flash.write',
  'flash.eraseBlock',
  'power.hardwareResetReason',
  'power.getRetained',
  'power.setRetained',
  'power.batteryMv',
  'power.temperatureDeciC',
  'power.charging',
  'power.reset',
  'power.powerOff',
  'power.startWatchdog',
  'power.feedWatchdog',
  'modem.write',
  'modem.onReadable',
  'modem.setDataTerminalReady',
  'modemPower.pulsePowerKey',
  'modemPower.setSupply',
  'modemPower.status',
  'console.onLine',
  'console.writeLine',
  'log',
] as const;
type Op = (typeof OPS)[number];
const op = (name: Op): number => OPS.indexOf(name);

/** The VM side of the bridge. `B` is the byte view helper, `C` the callback table. */
function prelude(flash: { blockSize: number; blockCount: number; writeAlign: number }, buildInfo: Ports['build']): string {
  const o = (name: Op) => op(name);
  return `(function () {
  var H = globalThis.__host;
  var C = {};
  var next = 1;
  function reg(fn) { var id = next++; C[id] = fn; return id; }
  function ab(u8) {
    if (u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength) return u8.buffer;
    return u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);
  }
  globalThis.__callbackCount = function () { var n = 0; for (var k in C) n++; return n; };
  globalThis.__dispatch = function (id, arg, keep) {
    var fn = C[id];
    if (!fn) return;
    if (!keep) delete C[id];
    fn(arg instanceof ArrayBuffer ? new Uint8Array(arg) : arg);
  };
  function input(r, e) {
    return { read: function () { return H(r); }, onEdge: function (cb) { H(e, reg(cb)); } };
  }
  globalThis.__ports = {
    lid: input(${o('lid.read')}, ${o('lid.onEdge')}),
    button: input(${o('button.read')}, ${o('button.onEdge')}),
    led: { write: function (v) { H(${o('led.write')}, v ? 1 : 0); } },
    buzzer: { write: function (v) { H(${o('buzzer.write')}, v ? 1 : 0); } },
    timers: {
      setTimeout: function (cb, ms) { return H(${o('timers.setTimeout')}, reg(cb), +ms || 0); },
      setInterval: function (cb, ms) { return H(${o('timers.setInterval')}, reg(cb), +ms || 0); },
      clear: function (h) { var id = H(${o('timers.clear')}, +h || 0); if (id) delete C[id]; }
    },
    clock: {
      monotonicMs: function () { return H(${o('clock.monotonicMs')}); },
      wallMs: function () { return H(${o('clock.wallMs')}); },
      setWallMs: function (ms) { H(${o('clock.setWallMs')}, ms); }
    },
    flash: {
      blockSize: ${flash.blockSize}, blockCount: ${flash.blockCount}, writeAlign: ${flash.writeAlign},
      read: function (offset, length) { return new Uint8Array(H(${o('flash.read')}, offset, length)); },
      write: function (offset, data) { H(${o('flash.write')}, offset, ab(data)); },
      eraseBlock: function (block) { H(${o('flash.eraseBlock')}, block); }
    },
    power: {
      hardwareResetReason: function () { return H(${o('power.hardwareResetReason')}); },
      getRetained: function (i) { return H(${o('power.getRetained')}, i); },
      setRetained: function (i, v) { H(${o('power.setRetained')}, i, v); },
      batteryMv: function () { return H(${o('power.batteryMv')}); },
      temperatureDeciC: function () { return H(${o('power.temperatureDeciC')}); },
      charging: function () { return H(${o('power.charging')}) === 1; },
      reset: function () { H(${o('power.reset')}); },
      powerOff: function () { H(${o('power.powerOff')}); },
      startWatchdog: function (ms) { H(${o('power.startWatchdog')}, ms); },
      feedWatchdog: function () { H(${o('power.feedWatchdog')}); }
    },
    modem: {
      write: function (bytes) { H(${o('modem.write')}, ab(bytes)); },
      onReadable: function (cb) { H(${o('modem.onReadable')}, reg(cb)); },
      setDataTerminalReady: function (v) { H(${o('modem.setDataTerminalReady')}, v ? 1 : 0); }
    },
    modemPower: {
      pulsePowerKey: function (ms) { H(${o('modemPower.pulsePowerKey')}, ms); },
      setSupply: function (on) { H(${o('modemPower.setSupply')}, on ? 1 : 0); },
      status: function () { return H(${o('modemPower.status')}); }
    },
    console: {
      onLine: function (cb) { H(${o('console.onLine')}, reg(cb)); },
      writeLine: function (line) { H(${o('console.writeLine')}, String(line)); }
    },
    build: ${JSON.stringify(buildInfo)},
    log: function (line) { H(${o('log')}, String(line)); }
  };
})();`;
}

/**
 * Forces a full cycle collection. quickjs-emscripten exposes no JS_RunGC, and QuickJS collects only when an
 * allocation crosses its threshold, so this allocates self-referencing objects (garbage only the cycle
 * collector can free) until a weakly held one of them is gone. Because the churn is itself garbage, the
 * threshold QuickJS sets afterwards (1.5 x the heap after collection) is the one a natural collection would set.
 */
const COLLECT =
  '(function () { var w = new WeakRef((function () { var o = {}; o.o = o; return o; })()); var n = 0; ' +
  'while (w.deref() !== undefined && n < 10000000) { var a = {}; a.a = a; n++; } })();';

/**
 * QuickJS (2025) creates built-in functions lazily, on first access: a firmware that first calls, say,
 * `Array.prototype.fill` after boot makes QuickJS allocate that C function object then, which would count as
 * firmware state. On Moddable XS every built-in lives in ROM. With memory sampling on, each context reads every
 * built-in once before the bundle loads, so built-ins sit in the loaded baseline, not in the firmware's figure.
 */
const MATERIALIZE_BUILTINS = `(function () {
  var seen = [];
  function walk(o, depth) {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || depth > 4 || seen.indexOf(o) >= 0) return;
    seen.push(o);
    Reflect.ownKeys(o).forEach(function (k) {
      var d = Object.getOwnPropertyDescriptor(o, k);
      if (!d) return;
      if ('value' in d) walk(d.value, depth + 1);
      else { walk(d.get, depth + 1); walk(d.set, depth + 1); }
    });
    walk(Object.getPrototypeOf(o), depth + 1);
  }
  walk(globalThis, 0);
})();`;

let bundlePromise: Promise<string> | undefined;

/** The simulator's firmware entry bundled for QuickJS (cached per process). */
export function simulatorBundle(): Promise<string> {
  bundlePromise ??= build({
    entryPoints: [fileURLToPath(new URL('./quickjs-entry.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2020',
    // Minified like the device bundle: shorter names mean fewer atoms and smaller function objects.
    minify: true,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0].text);
  return bundlePromise;
}

let modulePromise: Promise<QuickJSWASMModule> | undefined;

export class QuickJsRuntime implements FirmwareRuntime {
  readonly name = 'quickjs' as const;
  private context: QuickJSContext | undefined;
  private readonly mem: RuntimeMemory;
  /** Depth of host -> VM calls in progress; a context is never freed while the VM is on the stack. */
  private depth = 0;
  /** True while the bundle itself is being evaluated (not a firmware callback: no sample). */
  private loading = false;
  private readonly doomed: (() => void)[] = [];

  private constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly bundle: string,
    private readonly sampleMemory: boolean,
  ) {
    const empty = runtime.newContext();
    const baseline = this.measure();
    empty.dispose();
    this.mem = { usedBytes: baseline.used, peakUsedBytes: baseline.used, baselineBytes: baseline.used, loadedBytes: 0, loadedAfterGcBytes: 0, codeBytes: 0, samples: 0, gcCycles: 0, peakAfterGcBytes: 0 };
  }

  static async create(options: { memoryLimitBytes?: number; sampleMemory?: boolean } = {}): Promise<QuickJsRuntime> {
    modulePromise ??= getQuickJS();
    const [module, bundle] = await Promise.all([modulePromise, simulatorBundle()]);
    const runtime = module.newRuntime();
    runtime.setMemoryLimit(options.memoryLimitBytes ?? 16 * 1024 * 1024);
    runtime.setMaxStackSize(512 * 1024);
    return new QuickJsRuntime(runtime, bundle, options.sampleMemory ?? false);
  }

  memory(): RuntimeMemory {
    return { ...this.mem };
  }

  /** Callbacks the VM side of the bridge currently holds (a growing figure would be a bridge leak). */
  callbackCount(): number {
    const vm = this.context;
    if (!vm) return 0;
    const result = vm.evalCode('__callbackCount()');
    if (result.error) {
      result.error.dispose();
      return -1;
    }
    const n = vm.getNumber(result.value);
    result.value.dispose();
    return n;
  }

  /** A fresh reading of QuickJS's memory figures (for the bench). */
  measure(): { used: number; code: number; raw: Record<string, number> } {
    const handle = this.runtime.computeMemoryUsage();
    const owner = (this.runtime as unknown as { context: QuickJSContext }).context;
    const raw = owner.dump(handle) as Record<string, number>;
    handle.dispose();
    return { used: raw.memory_used_size, code: raw.js_func_code_size, raw };
  }

  dispose(): void {
    this.flushDoomed();
    this.context?.dispose();
    this.context = undefined;
    this.runtime.dispose();
  }

  boot(ports: Ports, options: PillcapBootOptions): FirmwareInstance {
    this.context?.dispose();
    this.context = undefined;
    const vm = this.runtime.newContext();
    this.context = vm;
    const oneShots = new Map<number, number>();
    const dispatchRef: { fn?: QuickJSHandle } = {};

    const call = (id: number, arg: number | string | Uint8Array | undefined, keep: boolean): void => {
      if (this.context !== vm || !dispatchRef.fn) return;
      const argHandle =
        arg === undefined ? vm.undefined : typeof arg === 'number' ? vm.newNumber(arg) : typeof arg === 'string' ? vm.newString(arg) : vm.newArrayBuffer(arg.slice().buffer);
      const idHandle = vm.newNumber(id);
      this.depth++;
      let result;
      try {
        result = vm.callFunction(dispatchRef.fn, vm.undefined, idHandle, argHandle, keep ? vm.true : vm.false);
      } finally {
        this.depth--;
      }
      if (!vm.alive) return;
      idHandle.dispose();
      if (argHandle !== vm.undefined) argHandle.dispose();
      try {
        this.afterCall(vm, result);
      } finally {
        this.flushDoomed();
      }
    };

    const hostFn = vm.newFunction('__host', (...args: QuickJSHandle[]) => {
      const code = vm.getNumber(args[0]);
      const num = (i: number): number => vm.getNumber(args[i]);
      const bytes = (i: number): Uint8Array => {
        const lifetime = vm.getArrayBuffer(args[i]);
        const copy = lifetime.value.slice();
        lifetime.dispose();
        return copy;
      };
      const ret = (value: number | undefined): QuickJSHandle | undefined => (value === undefined ? undefined : vm.newNumber(value));
      switch (OPS[code]) {
        case 'lid.read':
          return ret(ports.lid.read());
        case 'lid.onEdge': {
          const id = num(1);
          ports.lid.onEdge((level) => call(id, level, true));
          return;
        }
        case 'button.read':
          return ret(ports.button.read());
        case 'button.onEdge': {
          const id = num(1);
          ports.button.onEdge((level) => call(id, level, true));
          return;
        }
        case 'led.write':
          ports.led.write(num(1) as Level);
          return;
        case 'buzzer.write':
          ports.buzzer.write(num(1) as Level);
          return;
        case 'timers.setTimeout': {
          const id = num(1);
          let handle = 0;
          handle = ports.timers.setTimeout(() => {
            oneShots.delete(handle);
            call(id, undefined, false);
          }, num(2));
          oneShots.set(handle, id);
          return ret(handle);
        }
        case 'timers.setInterval': {
          const id = num(1);
          const handle = ports.timers.setInterval(() => call(id, undefined, true), num(2));
          oneShots.set(handle, id);
          return ret(handle);
        }
        case 'timers.clear': {
          const handle = num(1);
          ports.timers.clear(handle);
          const id = oneShots.get(handle) ?? 0;
          oneShots.delete(handle);
          return ret(id);
        }
        case 'clock.monotonicMs':
          return ret(ports.clock.monotonicMs());
        case 'clock.wallMs':
          return ret(ports.clock.wallMs());
        case 'clock.setWallMs':
          ports.clock.setWallMs(num(1));
          return;
        case 'flash.read': {
          const data = ports.flash.read(num(1), num(2));
          return vm.newArrayBuffer(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
        }
        case 'flash.write':
          ports.flash.write(num(1), bytes(2));
          return;
        case 'flash.eraseBlock':
          ports.flash.eraseBlock(num(1));
          return;
        case 'power.hardwareResetReason':
          return ret(ports.power.hardwareResetReason());
        case 'power.getRetained':
          return ret(ports.power.getRetained(num(1)));
        case 'power.setRetained':
          ports.power.setRetained(num(1), num(2));
          return;
        case 'power.batteryMv':
          return ret(ports.power.batteryMv());
        case 'power.temperatureDeciC':
          return ret(ports.power.temperatureDeciC());
        case 'power.charging':
          return ret(ports.power.charging() ? 1 : 0);
        case 'power.reset':
          ports.power.reset();
          return;
        case 'power.powerOff':
          ports.power.powerOff();
          return;
        case 'power.startWatchdog':
          ports.power.startWatchdog(num(1));
          return;
        case 'power.feedWatchdog':
          ports.power.feedWatchdog();
          return;
        case 'modem.write':
          ports.modem.write(bytes(1));
          return;
        case 'modem.onReadable': {
          const id = num(1);
          ports.modem.onReadable((data) => call(id, data, true));
          return;
        }
        case 'modem.setDataTerminalReady':
          ports.modem.setDataTerminalReady(num(1) === 1);
          return;
        case 'modemPower.pulsePowerKey':
          ports.modemPower.pulsePowerKey(num(1));
          return;
        case 'modemPower.setSupply':
          ports.modemPower.setSupply(num(1) === 1);
          return;
        case 'modemPower.status':
          return ret(ports.modemPower.status());
        case 'console.onLine': {
          const id = num(1);
          ports.console.onLine((line) => call(id, line, true));
          return;
        }
        case 'console.writeLine':
          ports.console.writeLine(vm.getString(args[1]));
          return;
        case 'log':
          ports.log(vm.getString(args[1]));
          return;
        default:
          throw new Error(`unknown host op ${code}`);
      }
    });
    vm.setProp(vm.global, '__host', hostFn);
    hostFn.dispose();
    this.evalOrThrow(vm, prelude(ports.flash, ports.build), 'prelude.js');
    if (this.sampleMemory) this.evalOrThrow(vm, MATERIALIZE_BUILTINS, 'builtins.js');
    // Strip mode drops the source and line tables, as a device build without debug info does.
    this.loading = true;
    try {
      this.evalOrThrow(vm, this.bundle, 'pillcap-sim.js', true);
    } finally {
      this.loading = false;
    }
    if (this.mem.loadedBytes === 0) this.mem.loadedBytes = this.measure().used;
    if (this.sampleMemory && this.mem.loadedAfterGcBytes === 0) {
      this.collect(vm);
      this.mem.loadedAfterGcBytes = this.measure().used;
    }
    dispatchRef.fn = vm.getProp(vm.global, '__dispatch');
    const optionsJson = JSON.stringify(options);
    this.evalOrThrow(vm, `globalThis.__fw = pillcapSim.bootPillcap(globalThis.__ports, ${optionsJson});`, 'boot.js');
    return {
      start: () => this.evalOrThrow(vm, '__fw.start();', 'start.js'),
      dispose: () => {
        const free = (): void => {
          if (!vm.alive) return;
          dispatchRef.fn?.dispose();
          dispatchRef.fn = undefined;
          vm.dispose();
        };
        if (this.context === vm) this.context = undefined;
        // Power lost inside a host function: the VM is still on the stack; free it once it has unwound.
        if (this.depth > 0) this.doomed.push(free);
        else free();
      },
    };
  }

  private flushDoomed(): void {
    if (this.depth > 0) return;
    while (this.doomed.length > 0) this.doomed.shift()!();
  }

  private evalOrThrow(vm: QuickJSContext, code: string, filename: string, strip = false): void {
    this.depth++;
    let result;
    try {
      result = vm.evalCode(code, filename, strip ? { strip: true } : undefined);
    } finally {
      this.depth--;
    }
    try {
      if (vm.alive) this.afterCall(vm, result);
    } finally {
      this.flushDoomed();
    }
  }

  private afterCall(vm: QuickJSContext, result: { error?: QuickJSHandle; value?: QuickJSHandle }): void {
    if (result.error) {
      const dumped = vm.dump(result.error) as { name?: string; message?: string; stack?: string } | string;
      result.error.dispose();
      const error = new Error(typeof dumped === 'object' && dumped ? `${dumped.message ?? ''}${dumped.stack ? `\n${dumped.stack}` : ''}` : String(dumped));
      error.name = typeof dumped === 'object' && dumped?.name ? dumped.name : 'QuickJSError';
      throw error;
    }
    result.value?.dispose();
    this.runtime.executePendingJobs();
    if (this.sampleMemory && !this.loading) {
      const m = this.measure();
      this.mem.samples++;
      this.mem.usedBytes = m.used;
      this.mem.codeBytes = m.code;
      if (m.used > this.mem.peakUsedBytes) this.mem.peakUsedBytes = m.used;
      // Then the live heap: what survives a full collection right after the callback. Live <= used, so a
      // reading at or below the peak live figure cannot raise it and needs no collection.
      if (m.used > this.mem.peakAfterGcBytes) {
        this.collect(vm);
        const live = this.measure().used;
        this.mem.gcCycles++;
        if (live > this.mem.peakAfterGcBytes) this.mem.peakAfterGcBytes = live;
      }
    }
  }

  /** A full cycle collection in this context (see COLLECT). */
  private collect(vm: QuickJSContext): void {
    const result = vm.evalCode(COLLECT, 'collect.js');
    if (result.error) {
      result.error.dispose();
      throw new Error('QuickJS: forced collection failed');
    }
    result.value.dispose();
  }
}
