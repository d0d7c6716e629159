/**
 * Programmatic API: run one cap or a fleet of caps over virtual days and summarise.
 *
 *   const result = await simulateFleet({ scenario: 'adherent', days: 45, caps: 20, seed: 1,
 *                                        onProgress: (p) => ... });
 *
 * All caps share one VirtualTime. With connectivity each cap gets a BG95 emulator (S2) on its UART, all
 * bridged to one MQTT broker: an embedded Aedes broker by default (with S2's acknowledging peer, so events
 * get acked without a cloud), or `broker: 'mqtt://...'` where a real cloud is assumed to listen (add
 * `ackPeer: true` to bring the peer along). `connectivity: false` (or a scenario with connectivity false)
 * runs without a modem: nothing is uploaded.
 */
import { EventKind } from '../../protocol/src/messages.ts';
import { createHash } from 'node:crypto';
import { Prng } from './prng.ts';
import { loadScenario, parseScenario, type Scenario } from './scenario.ts';
import { SimulatedCap, type AttachedModem, type ModemFactoryContext } from './simulated-cap.ts';
import { createRuntime, type FirmwareRuntime, type RuntimeName } from './firmware-runtime.ts';
import { VirtualTime } from './virtual-time.ts';
import { networkConditionsFor } from './coverage.ts';
import { followWallClock } from './wall-clock-pace.ts';

const DAY = 86_400_000;

export interface SimulateOptions {
  /** Scenario object, or a name (simulator/scenarios/<name>.json) or path. */
  scenario: Scenario | string;
  /**
   * A mixed fleet: cap i runs scenarios[i % length] (its patient, faults and coverage); `scenario` still
   * gives the defaults for days, start and connectivity. All scenarios must share the same start.
   */
  scenarios?: (Scenario | string)[];
  /** Days to simulate (default: the scenario's). */
  days?: number;
  seed?: number;
  runtime?: RuntimeName;
  /** Number of caps (default 1); serials are `${serialPrefix}${index}` unless `serials` is given. */
  caps?: number;
  serials?: string[];
  serialPrefix?: string;
  /** Override the scenario's connectivity flag. */
  connectivity?: boolean;
  /** MQTT broker URL; default: an embedded broker. */
  broker?: string;
  /** Run the acknowledging peer (default: true with the embedded broker, false with `broker`). */
  ackPeer?: boolean;
  /** Called after every simulated day (and at the end). */
  onProgress?: (progress: SimulationProgress) => void;
  /** Called once per cap after it is created (tests use it to reach the board). */
  onCap?: (cap: SimulatedCap) => void;
  /** Sample QuickJS memory after every callback (bench). */
  sampleMemory?: boolean;
  /** Keep the UART transcript of each cap (tests). */
  keepTranscript?: boolean;
  /**
   * Stop early: checked between virtual days, so an abort ends the run at the next day boundary (the caps'
   * flash then holds whatever they had not uploaded yet; `completedDays` says where the run stopped).
   */
  signal?: AbortSignal;
  /** Boot these caps (by serial) from a saved flash image instead of an erased part (resuming a fleet). */
  flashImages?: Record<string, Uint8Array>;
  /**
   * Live fleet: run the first `fastDays` as fast as possible (day by day, with progress), call `onLive`, then
   * keep virtual time in step with `wallClock` (wall-clock-pace.ts) until `days` or until `signal` aborts.
   * The scenario's start plus `fastDays` should be about the wall clock's now.
   */
  live?: { fastDays: number; wallClock: () => number; onLive?: () => void | Promise<void> };
}

export interface SimulationProgress {
  day: number;
  days: number;
  caps: number;
  virtualMs: number;
  wallMs: number;
}

export interface CapSummary {
  serial: string;
  /** Events the firmware assigned a seq to (highest seq ever assigned). */
  recorded: number;
  /** Distinct events that reached the broker (ack peer / cloud side), when known. */
  uploaded: number;
  /** Events the cloud acknowledged (the device's ack seq). */
  acknowledged: number;
  /** Events the device dropped because its log was full (its own cumulative counter). */
  dropped: number;
  /** Events neither acknowledged, pending nor reported dropped (should be 0). */
  lost: number;
  /** Events still in flash waiting for an ack. */
  pending: number;
  bytesSent: number;
  flashBytesUsed: number;
  flashCapacityBytes: number;
  atCommands: number;
  radioOnSeconds: number;
  chargeMah: number;
  batteryMv: number;
  boots: number;
  powerCuts: number;
  powerCutsDuringFlashOp: number;
  resets: number;
  watchdogResets: number;
  crashes: number;
  patient: { dosesScheduled: number; dosesTaken: number; openings: number; presses: number };
  eventsByKind: Record<string, number>;
  /** SHA-256 of the flash image and FNV-1a of every byte written to the modem UART (determinism checks). */
  flashSha256: string;
  uartTxHash: string;
  crashLog: string[];
}

export interface SimulationResult {
  scenario: string;
  days: number;
  seed: number;
  runtime: RuntimeName;
  connectivity: boolean;
  broker: string | undefined;
  caps: CapSummary[];
  totals: Omit<CapSummary, 'serial' | 'patient' | 'eventsByKind' | 'flashSha256' | 'uartTxHash' | 'crashLog' | 'batteryMv'>;
  virtualDays: number;
  /** Virtual days actually run (less than `days` when `signal` aborted the run). */
  completedDays: number;
  aborted: boolean;
  wallSeconds: number;
  /** Simulated cap-days per wall-clock second. */
  capDaysPerSecond: number;
  quickjsHeap?: {
    peakAboveBaselineBytes: number;
    peakAboveLoadedBytes: number;
    baselineBytes: number;
    loadedBytes: number;
    codeBytes: number;
    samples: number;
    gcCycles: number;
    /** Live heap after cycle collection, above the loaded bundle (undefined when no collection happened). */
    liveAfterGcAboveLoadedBytes?: number;
    liveAfterGcBytes?: number;
    loadedAfterGcBytes: number;
  };
}

const KIND_NAMES = Object.fromEntries(Object.entries(EventKind).map(([name, value]) => [value, name])) as Record<number, string>;

interface ConnectivityStack {
  brokerUrl: string;
  modemFor(context: ModemFactoryContext): AttachedModem;
  uploadedFor(serial: string): number | undefined;
  close(): Promise<void>;
}

/**
 * Broker, ack peer and modem emulators (S2's modules), loaded lazily so a run without connectivity never
 * needs them.
 */
async function connectivityStack(options: SimulateOptions, vt: VirtualTime, serials: string[], startUnixMs: number): Promise<ConnectivityStack> {
  const { Bg95Emulator } = await import('./modem/bg95-emulator.ts');
  let brokerUrl = options.broker;
  let closeBroker: (() => Promise<void>) | undefined;
  if (!brokerUrl) {
    const { startEmbeddedBroker } = await import('./broker.ts');
    const broker = await startEmbeddedBroker();
    brokerUrl = broker.url;
    closeBroker = () => broker.close();
  }
  let peer: import('./ack-peer.ts').AckPeer | undefined;
  if (options.ackPeer ?? !options.broker) {
    const { startAckPeer } = await import('./ack-peer.ts');
    const ours = new Set(serials);
    peer = await startAckPeer({
      brokerUrl,
      serverUnixS: () => Math.floor((startUnixMs + vt.now()) / 1000),
      acceptSerial: (serial) => ours.has(serial),
    });
  }
  return {
    brokerUrl,
    modemFor: (context) => {
      const emulator = new Bg95Emulator({
        time: vt,
        brokerUrl: brokerUrl!,
        conditions: networkConditionsFor(context.scenario, context.days, context.rng),
        identitySeed: context.serial,
        wallClockAtZeroMs: context.startUnixMs,
        batteryMv: context.batteryMv,
      });
      emulator.attachUart(context.line);
      context.line.onDtr((level) => emulator.setDataTerminalReady(level));
      context.line.onPowerKey((ms) => emulator.pulsePowerKey(ms));
      context.line.onSupply((on) => emulator.setSupply(on));
      context.line.setStatusSource(() => emulator.status());
      return {
        emulator,
        stats: () => {
          const s = emulator.stats();
          return { atCommands: s.atCommands, radioOnSeconds: s.radioOnMs / 1000, chargeMah: s.chargeMah, bytesSent: s.publishedBytes };
        },
        dispose: async () => {
          const closable = emulator as unknown as { close?: () => Promise<void> | void };
          await closable.close?.();
        },
      };
    },
    uploadedFor: (serial) => (peer ? (peer.device(serial)?.seqs.size ?? 0) : undefined),
    close: async () => {
      await peer?.close();
      await closeBroker?.();
    },
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function summarise(cap: SimulatedCap, stack: ConnectivityStack | undefined): CapSummary {
  const { stats, events } = cap.inspectLog();
  const eventsByKind: Record<string, number> = {};
  for (const e of events) {
    const name = KIND_NAMES[e.kind] ?? String(e.kind);
    eventsByKind[name] = (eventsByKind[name] ?? 0) + 1;
  }
  const recorded = Math.max(0, stats.nextSeq - 1);
  const acknowledged = stats.ackSeq;
  const pending = stats.count;
  const dropped = stats.droppedTotal;
  const modem = cap.modem?.stats();
  const c = cap.counters;
  return {
    serial: cap.options.serial,
    recorded,
    uploaded: stack?.uploadedFor(cap.options.serial) ?? acknowledged,
    acknowledged,
    dropped,
    lost: Math.max(0, recorded - acknowledged - pending - dropped),
    pending,
    bytesSent: modem?.bytesSent ?? 0,
    flashBytesUsed: stats.bytesUsed,
    flashCapacityBytes: stats.capacityBytes,
    atCommands: modem?.atCommands ?? 0,
    radioOnSeconds: Math.round((modem?.radioOnSeconds ?? 0) * 10) / 10,
    chargeMah: Math.round((modem ? modem.chargeMah : cap.board.battery.chargeUsedMah()) * 1000) / 1000,
    batteryMv: cap.board.battery.voltageMv(),
    boots: c.boots,
    powerCuts: c.powerCuts,
    powerCutsDuringFlashOp: c.powerCutsDuringFlashOp,
    resets: c.resets,
    watchdogResets: c.watchdogResets,
    crashes: c.crashes,
    patient: {
      dosesScheduled: cap.plan.dosesScheduled,
      dosesTaken: cap.plan.dosesTaken,
      openings: cap.plan.openings.length,
      presses: cap.plan.presses.length,
    },
    eventsByKind,
    flashSha256: sha256(cap.board.flash.bytes),
    uartTxHash: cap.board.uart.txHash(),
    crashLog: cap.crashLog,
  };
}

const SUMMED = [
  'recorded',
  'uploaded',
  'acknowledged',
  'dropped',
  'lost',
  'pending',
  'bytesSent',
  'flashBytesUsed',
  'flashCapacityBytes',
  'atCommands',
  'radioOnSeconds',
  'chargeMah',
  'boots',
  'powerCuts',
  'powerCutsDuringFlashOp',
  'resets',
  'watchdogResets',
  'crashes',
] as const;

export async function simulateFleet(options: SimulateOptions): Promise<SimulationResult> {
  const load = async (s: Scenario | string): Promise<Scenario> => (typeof s === 'string' ? loadScenario(s) : parseScenario(s));
  const scenario = await load(options.scenario);
  const mix = options.scenarios && options.scenarios.length > 0 ? await Promise.all(options.scenarios.map(load)) : [scenario];
  for (const s of mix) {
    if (s.start !== scenario.start) throw new RangeError(`scenario ${s.name} starts at ${s.start}, the fleet at ${scenario.start}: one fleet, one clock`);
  }
  const days = options.days ?? scenario.days;
  if (!(days > 0)) throw new RangeError(`days must be positive, got ${days}`);
  const seed = options.seed ?? 1;
  const runtimeName = options.runtime ?? 'node';
  const count = options.serials?.length ?? options.caps ?? 1;
  const serials = options.serials ?? Array.from({ length: count }, (_, i) => `${options.serialPrefix ?? 'PC-SIM-'}${String(i + 1).padStart(4, '0')}`);
  const connectivity = options.connectivity ?? scenario.connectivity;
  const vt = new VirtualTime();
  const started = performance.now();
  const stack = connectivity ? await connectivityStack(options, vt, serials, Date.parse(scenario.start)) : undefined;
  const runtimes: FirmwareRuntime[] = [];
  const caps: SimulatedCap[] = [];
  try {
    for (const [index, serial] of serials.entries()) {
      const picked = mix[index % mix.length];
      const capScenario = options.connectivity === undefined ? picked : { ...picked, connectivity: options.connectivity };
      const runtime = await createRuntime(runtimeName, { sampleMemory: options.sampleMemory });
      runtimes.push(runtime);
      const cap = new SimulatedCap({
        vt,
        scenario: capScenario,
        days,
        seed,
        serial,
        runtime,
        modem: stack ? (context) => stack.modemFor(context) : undefined,
        flashImage: options.flashImages?.[serial],
      });
      if (stack) cap.board.battery.externalSources.push(() => cap.modem?.stats().chargeMah ?? 0);
      if (stack) cap.board.battery.sleepCurrentMa = 0;
      if (options.keepTranscript) cap.board.uart.transcript = [];
      caps.push(cap);
      options.onCap?.(cap);
    }
    const fastDays = options.live ? Math.max(0, Math.min(options.live.fastDays, days)) : days;
    const whole = Math.ceil(fastDays);
    let completedDays = 0;
    for (let d = 1; d <= whole; d++) {
      if (options.signal?.aborted) break;
      await vt.run(Math.min(d, fastDays) * DAY);
      completedDays = Math.min(d, fastDays);
      options.onProgress?.({ day: completedDays, days: fastDays, caps: caps.length, virtualMs: vt.now(), wallMs: performance.now() - started });
    }
    if (options.live && !options.signal?.aborted && completedDays >= fastDays) {
      await options.live.onLive?.();
      const reached = await followWallClock({ vt, startUnixMs: Date.parse(scenario.start), endMs: days * DAY, wallClock: options.live.wallClock, signal: options.signal });
      completedDays = reached / DAY;
    }
    const summaries = caps.map((cap) => summarise(cap, stack));
    const totals = Object.fromEntries(SUMMED.map((key) => [key, summaries.reduce((sum, s) => sum + s[key], 0)])) as SimulationResult['totals'];
    totals.radioOnSeconds = Math.round(totals.radioOnSeconds * 10) / 10;
    totals.chargeMah = Math.round(totals.chargeMah * 1000) / 1000;
    const wallSeconds = (performance.now() - started) / 1000;
    let quickjsHeap: SimulationResult['quickjsHeap'];
    if (runtimeName === 'quickjs') {
      const figures = runtimes.map((r) => r.memory()).filter((m) => m !== undefined);
      if (figures.length > 0) {
        const worst = figures.reduce((a, b) => (b.peakUsedBytes - b.baselineBytes > a.peakUsedBytes - a.baselineBytes ? b : a));
        quickjsHeap = {
          peakAboveBaselineBytes: worst.peakUsedBytes - worst.baselineBytes,
          peakAboveLoadedBytes: worst.peakUsedBytes - worst.loadedBytes,
          baselineBytes: worst.baselineBytes,
          loadedBytes: worst.loadedBytes,
          codeBytes: worst.codeBytes,
          samples: worst.samples,
          gcCycles: worst.gcCycles,
          liveAfterGcAboveLoadedBytes: worst.gcCycles > 0 && worst.loadedAfterGcBytes > 0 ? worst.peakAfterGcBytes - worst.loadedAfterGcBytes : undefined,
          liveAfterGcBytes: worst.gcCycles > 0 ? worst.peakAfterGcBytes : undefined,
          loadedAfterGcBytes: worst.loadedAfterGcBytes,
        };
      }
    }
    return {
      scenario: mix.length > 1 ? mix.map((m) => m.name).join('+') : scenario.name,
      days,
      seed,
      runtime: runtimeName,
      connectivity,
      broker: stack?.brokerUrl,
      caps: summaries,
      totals,
      virtualDays: days,
      completedDays,
      aborted: completedDays < days,
      wallSeconds: Math.round(wallSeconds * 1000) / 1000,
      capDaysPerSecond: Math.round(((days * caps.length) / Math.max(wallSeconds, 1e-6)) * 10) / 10,
      quickjsHeap,
    };
  } finally {
    for (const cap of caps) await cap.dispose();
    for (const runtime of runtimes) runtime.dispose();
    await stack?.close();
  }
}

/** One cap. */
export async function simulate(options: Omit<SimulateOptions, 'caps' | 'serials'> & { serial?: string }): Promise<SimulationResult> {
  return simulateFleet({ ...options, serials: [options.serial ?? 'PC-SIM-0001'] });
}

export { Prng };
