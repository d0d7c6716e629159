/**
 * A simulated cap on the line: S1's simulated board (GPIO, flash, RTC, battery, UART, console) running the
 * device bundle the station flashes (bundle-runtime.ts: the Moddable port code on a Moddable host built on
 * the simulated ports), with S2's BG95 emulator on its modem UART bridged to the factory broker.
 *
 * Same code path as a real unit: the console is a Node Duplex (a PassThrough pair) that the station wraps in
 * StreamLineTransport, exactly as it wraps a serialport SerialPort. The fixture actuates the simulated lid and
 * button and senses the simulated LED and buzzer (sim-fixture.ts).
 *
 * Time: virtual time runs `speed` times faster than real time (default 20x) in small real-time ticks, and
 * stops to wait whenever the emulator holds it for real network I/O (MQTT to the broker). Firmware and modem
 * timeouts stay consistent with each other in virtual time; the station's timeouts are real-time upper bounds,
 * which a faster unit meets sooner.
 *
 * Faults are injected at the hardware or emulator level, never by faking console replies:
 *   dead-lid        the reed switch never changes level          -> fails at `lid`
 *   stuck-button    the button input is held pressed             -> fails at `button`
 *   no-sim          the emulator has no SIM (+CME ERROR: 10)     -> fails at `iccid`
 *   weak-signal     the cell is at -125 dBm RSRP                 -> fails at `rsrp`
 *   flash-error     a flash block has bits stuck at 0            -> fails at `flash`
 *   wrong-firmware  the write does not take: a stale image runs  -> fails at `firmware-hash`
 *   console-silent  the console UART is not connected            -> fails at `console`
 */
import { randomBytes, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { flashPlan } from '../../firmware/src/flash-layout.ts';
import { VirtualTime } from '../../simulator/src/virtual-time.ts';
import { SimBoard } from '../../simulator/src/sim-ports.ts';
import { DEFAULT_FLASH } from '../../simulator/src/sim-flash.ts';
import { BootLifecycle, type PowerState } from '../../simulator/src/boot-lifecycle.ts';
import { Bg95Emulator, type Bg95EmulatorOptions } from '../../simulator/src/modem/bg95-emulator.ts';
import { ConsoleLink } from './console-link.ts';
import { bundleIdentity, readFactoryMod } from './image-hash.ts';
import { bootImage, loadImage, type LoadedImage } from './bundle-runtime.ts';
import { SimFixture } from './sim-fixture.ts';
import { StreamLineTransport } from './stream-line-transport.ts';
import type { HostFaults } from './sim-moddable-host.ts';
import type { FlashResult, UnitUnderTest } from './unit-under-test.ts';

export const SIM_FAULTS = ['dead-lid', 'stuck-button', 'no-sim', 'weak-signal', 'flash-error', 'wrong-firmware', 'console-silent'] as const;
export type SimFault = (typeof SIM_FAULTS)[number];

/** The step at which each fault must stop the unit (the tests hold the station to it). */
export const FAULT_STEP: Record<SimFault, string> = {
  'dead-lid': 'lid',
  'stuck-button': 'button',
  'no-sim': 'iccid',
  'weak-signal': 'rsrp',
  'flash-error': 'flash',
  'wrong-firmware': 'firmware-hash',
  'console-silent': 'console',
};

export const WEAK_SIGNAL_RSRP_DBM = -125;
const TICK_MS = 10;

export interface SimUnitOptions {
  fault?: SimFault;
  /** Factory broker every MQTT connection of the emulator goes to, e.g. mqtt://127.0.0.1:1883. */
  brokerUrl: string;
  /** Seeds the modem identity (IMEI, ICCID); default: random, so every unit is a new one. */
  identitySeed?: string;
  /** Virtual ms per real ms. */
  speed?: number;
  /** Firmware trace and modem log lines. */
  log?: (line: string) => void;
  /** Emulator quirks for tests, e.g. { qfuplReportsTimeout: true }. */
  modemQuirks?: Pick<Bg95EmulatorOptions, 'qfuplReportsTimeout' | 'publishUrc'>;
}

export type SimUnitState = 'unflashed' | PowerState;

export class SimUnit implements UnitUnderTest {
  readonly fixture: SimFixture;
  readonly board: SimBoard;
  readonly emulator: Bg95Emulator;
  readonly vt = new VirtualTime();
  /** Firmware exceptions that reset the unit (a HardFault on the device). */
  readonly crashes: string[] = [];
  private readonly lifecycle: BootLifecycle;
  private image: LoadedImage | undefined;
  private link: ConsoleLink | undefined;
  private readonly hostFaults: HostFaults = {};
  private pumping: Promise<void> | undefined;
  private closed = false;
  private pumpError: unknown;
  /** The station's end of the console cable: what it writes goes to the unit, what the unit writes comes out. */
  private readonly stationEnd: Duplex;
  private consoleBuffer = '';

  /** Boots in which the flashed image loaded the factory mod (unprovisioned boots at once, others on a console line). */
  get factoryModLoads(): number {
    return this.image?.factoryModLoads ?? 0;
  }

  get state(): SimUnitState {
    return this.image ? this.lifecycle.state : 'unflashed';
  }

  constructor(readonly label: string, private readonly options: SimUnitOptions) {
    const fault = options.fault;
    this.board = new SimBoard(this.vt, {
      flash: DEFAULT_FLASH,
      rtc: { startUnixMs: Date.now(), initialOffsetMs: undefined, driftPpm: 0, backup: false }, // RTC never set
      battery: { capacityMah: 220, initialSoc: 0.6, sleepCurrentMa: 0.005, temperatureDeciC: 240 },
    });
    this.board.logSink = options.log ? (line) => options.log!(`${label} fw: ${line}`) : undefined;
    this.lifecycle = new BootLifecycle(this.vt, this.board, {
      // Only flash() powers the unit on, so an image is there.
      start: (ports) => bootImage(this.image!, ports, this.hostFaults),
      onCrash: (error) => this.recordCrash(error),
    });
    if (fault === 'flash-error') {
      const scratch = flashPlan(this.board.flash.geometry.blockCount).scratchBlock;
      this.hostFaults.stuckBits = { block: scratch, byteInBlock: 17, mask: 0x10 };
    }
    this.emulator = new Bg95Emulator({
      time: this.vt,
      brokerUrl: options.brokerUrl,
      conditions: fault === 'weak-signal' ? { coverage: [{ fromMs: 0, rsrpDbm: WEAK_SIGNAL_RSRP_DBM }] } : {},
      identitySeed: options.identitySeed ?? `${label}/${randomBytes(6).toString('hex')}`,
      wallClockAtZeroMs: Date.now(),
      sim: fault === 'no-sim' ? 'absent' : 'ready',
      batteryMv: () => this.board.battery.voltageMv(),
      log: options.log ? (line) => options.log!(`${label} ${line}`) : undefined,
      ...options.modemQuirks,
    });
    const line = this.board.uart.line;
    this.emulator.attachUart(line);
    line.onDtr((level) => this.emulator.setDataTerminalReady(level));
    line.onPowerKey((ms) => this.emulator.pulsePowerKey(ms));
    line.onSupply((on) => this.emulator.setSupply(on));
    line.setStatusSource(() => this.emulator.status());
    this.fixture = new SimFixture(this.board, { deadLid: fault === 'dead-lid', stuckButton: fault === 'stuck-button' });
    const connected = fault !== 'console-silent'; // console-silent: the UART pads are not connected
    this.stationEnd = new Duplex({
      read() {},
      write: (chunk: Buffer, _encoding, callback) => {
        if (connected) this.fromStation(chunk.toString('latin1'));
        callback();
      },
    });
    if (connected) {
      this.board.console.onDeviceLine((line) => {
        if (!this.stationEnd.destroyed) this.stationEnd.push(`${line}\r\n`);
      });
    }
  }

  /**
   * "Flashing": the bundle and the factory mod beside it are checked and written into the simulated program
   * flash, then the unit is power cycled and boots them. With `wrong-firmware` the write does not take and the
   * unit boots a stale image (which then also refuses the mod).
   */
  async flash(bundlePath: string): Promise<FlashResult> {
    const text = readFileSync(bundlePath, 'utf8');
    const identity = bundleIdentity(text, bundlePath);
    const mod = readFactoryMod(bundlePath, identity.imageHash);
    const flashed = this.options.fault === 'wrong-firmware' ? staleImageOf(text, identity.imageHash) : text;
    this.image = loadImage(flashed, bundlePath, { text: mod.text, filename: mod.path });
    this.lifecycle.powerCycle(1);
    this.startPump();
    this.link ??= new ConsoleLink(new StreamLineTransport(this.stationEnd));
    return { expectedImageHash: identity.imageHash, bundleBytes: identity.bytes };
  }

  console(): ConsoleLink {
    if (!this.link) throw new Error(`${this.label}: not flashed yet`);
    return this.link;
  }

  /** Files in the modem's UFS (credentials land here at provisioning). */
  modemFiles(): Map<string, Uint8Array> {
    return this.emulator.files;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pumping;
    this.lifecycle.endBoot();
    await this.link?.close();
    this.stationEnd.destroy();
    await this.emulator.close();
    if (this.pumpError) throw this.pumpError;
  }

  // ------------------------------------------------------------------------------------- console

  private fromStation(text: string): void {
    this.consoleBuffer += text;
    for (let end = this.consoleBuffer.indexOf('\n'); end >= 0; end = this.consoleBuffer.indexOf('\n')) {
      const line = this.consoleBuffer.slice(0, end).replace(/\r$/, '');
      this.consoleBuffer = this.consoleBuffer.slice(end + 1);
      this.board.console.send(line);
    }
  }

  // ------------------------------------------------------------------------------------- time

  private startPump(): void {
    if (this.pumping) return;
    const speed = this.options.speed ?? 20;
    this.pumping = (async () => {
      let last = performance.now();
      while (!this.closed) {
        await new Promise((resolve) => setTimeout(resolve, TICK_MS));
        const now = performance.now();
        const advance = Math.max(1, Math.round((now - last) * speed));
        last = now;
        try {
          await this.vt.run(this.vt.now() + advance);
        } catch (error) {
          // An emulator or simulator fault, not a firmware crash: stop the unit and report it at close().
          this.pumpError = error;
          this.closed = true;
        }
      }
    })();
  }

  // ------------------------------------------------------------------------------------- crashes

  private recordCrash(error: unknown): void {
    if (this.crashes.length < 20) this.crashes.push(`t=${this.vt.now()} ${(error as Error).stack ?? String(error)}`);
    this.options.log?.(`${this.label}: firmware crash: ${(error as Error).message}`);
  }
}

/** A stale image: the same code under another build identity, as a unit that missed its update would run. */
function staleImageOf(text: string, imageHash: string): string {
  const stale = createHash('sha256').update(`stale:${imageHash}`).digest('hex').slice(0, imageHash.length);
  return text.split(imageHash).join(stale);
}
