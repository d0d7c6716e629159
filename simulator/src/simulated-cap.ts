/**
 * One simulated cap: the board (sim-ports), the firmware booted on it (in-process or in QuickJS), the
 * patient, and the faults of its scenario (power cuts, clock faults). Its boots follow boot-lifecycle.ts:
 *
 *   off --boot--> running --power cut--> off (retained RAM and RTC lost) --after offSeconds--> boot
 *                 running --reset()/watchdog/crash--> boot (retained kept)
 *                 running --powerOff()--> system-off --lid or charger--> boot (WakeFromOff)
 *
 * Every boot is a NEW firmware instance (for QuickJS a new context) on the same flash; the previous one is
 * discarded and can no longer touch the hardware (sim-ports). A firmware exception escaping a callback is a
 * crash: counted, logged, and the MCU resets (Lockup), as a HardFault would on the device.
 */
import { HardwareResetReason } from '../../firmware/src/ports/ports.ts';
import type { DeviceConfig } from '../../protocol/src/messages.ts';
import { EventLog, type LogStats, type StoredEvent } from '../../firmware/src/log/event-log.ts';
import { LOG_BLOCKS, LOG_FIRST_BLOCK } from '../../firmware/src/flash-layout.ts';
import { Prng } from './prng.ts';
import { minutesOfDay, type Scenario } from './scenario.ts';
import { SimFlash } from './sim-flash.ts';
import { SimBoard } from './sim-ports.ts';
import { BootLifecycle, type PowerState } from './boot-lifecycle.ts';
import { planPatient, playPatient, type PatientPlan } from './patient.ts';
import type { FirmwareInstance, FirmwareRuntime } from './firmware-runtime.ts';
import type { VirtualTime } from './virtual-time.ts';
import type { ModemLine } from './sim-serial.ts';

const DAY = 86_400_000;

export type CapState = PowerState;

/** What a modem emulator attached to the cap's UART reports (S2's BG95 emulator). */
export interface AttachedModem {
  stats(): { atCommands: number; radioOnSeconds: number; chargeMah: number; bytesSent?: number; [key: string]: unknown };
  dispose(): Promise<void> | void;
  /** The emulator object itself (tests and debugging). */
  emulator?: unknown;
}

export interface ModemFactoryContext {
  vt: VirtualTime;
  line: ModemLine;
  serial: string;
  scenario: Scenario;
  days: number;
  rng: Prng;
  /** Charge drawn by the modem goes to the cap's battery. */
  consumeMah(mAh: number, source: string): void;
  batteryMv(): number;
  startUnixMs: number;
}

export interface CapOptions {
  vt: VirtualTime;
  scenario: Scenario;
  days: number;
  seed: number;
  serial: string;
  runtime: FirmwareRuntime;
  /** Attach a modem emulator; without one the UART is dead and the firmware runs without connectivity. */
  modem?: (context: ModemFactoryContext) => AttachedModem;
  /** Start from this flash image instead of an erased part. */
  flashImage?: Uint8Array;
  /** Give up after this many crashes (a crash loop means broken firmware, not a simulation result). */
  maxCrashes?: number;
}

export interface CapCounters {
  boots: number;
  powerCuts: number;
  powerCutsDuringFlashOp: number;
  resets: number;
  watchdogResets: number;
  crashes: number;
  systemOffs: number;
}

export class SimulatedCap {
  readonly board: SimBoard;
  readonly plan: PatientPlan;
  readonly counters: CapCounters = { boots: 0, powerCuts: 0, powerCutsDuringFlashOp: 0, resets: 0, watchdogResets: 0, crashes: 0, systemOffs: 0 };
  readonly crashLog: string[] = [];
  modem: AttachedModem | undefined;
  private readonly lifecycle: BootLifecycle;
  private instance: FirmwareInstance | undefined;
  private readonly rng: Prng;
  private readonly faultRng: Prng;
  readonly startUnixMs: number;

  constructor(readonly options: CapOptions) {
    const { vt, scenario, seed, serial } = options;
    this.rng = new Prng(`${seed}/${serial}`);
    const patientRng = this.rng.fork('patient');
    const bounceRng = this.rng.fork('bounce');
    this.faultRng = this.rng.fork('faults');
    this.startUnixMs = Date.parse(scenario.start);
    const clock = scenario.clock;
    this.board = new SimBoard(vt, {
      flash: scenario.device.flash,
      flashImage: options.flashImage,
      rtc: {
        startUnixMs: this.startUnixMs,
        initialOffsetMs: clock.initial === 'set' ? 0 : clock.initial === 'unset' ? undefined : clock.initial.offsetS * 1000,
        driftPpm: clock.driftPpm,
        backup: clock.rtcBackup,
      },
      battery: {
        capacityMah: scenario.device.batteryMah,
        initialSoc: scenario.device.initialSoc,
        sleepCurrentMa: scenario.device.sleepCurrentUa / 1000,
        temperatureDeciC: Math.round(scenario.device.temperatureC * 10),
      },
    });
    this.plan = planPatient(scenario, options.days, patientRng);
    playPatient(vt, this.plan, scenario, this.board.lid, this.board.button, bounceRng);
    this.lifecycle = new BootLifecycle(vt, this.board, {
      start: (ports) => {
        this.instance = options.runtime.boot(ports, {
          serial,
          config: this.deviceConfig(),
          connectivity: this.modem !== undefined && scenario.connectivity,
        });
        this.instance.start();
      },
      stop: () => {
        const instance = this.instance;
        this.instance = undefined;
        instance?.dispose();
      },
      onPowerOn: () => {
        this.counters.boots++;
      },
      onReset: (reason) => {
        this.counters.resets++;
        if (reason === HardwareResetReason.Watchdog) this.counters.watchdogResets++;
      },
      onSystemOff: () => {
        this.counters.systemOffs++;
      },
      onCrash: (error, generation) => this.recordCrash(error, generation),
    });
    if (options.modem) {
      this.modem = options.modem({
        vt,
        line: this.board.uart.line,
        serial,
        scenario,
        days: options.days,
        rng: this.rng.fork('modem'),
        consumeMah: (mAh, source) => this.board.battery.consume(mAh, source),
        batteryMv: () => this.board.battery.voltageMv(),
        startUnixMs: this.startUnixMs,
      });
    }
    this.scheduleFaults();
    vt.at(0, () => this.lifecycle.powerOn(HardwareResetReason.PowerOn));
  }

  get vt(): VirtualTime {
    return this.options.vt;
  }

  get state(): CapState {
    return this.lifecycle.state;
  }

  /** Config the cloud would send for this patient (the firmware starts with it, as after provisioning). */
  deviceConfig(): Partial<DeviceConfig> {
    const s = this.options.scenario;
    return {
      reminderMinutes: s.patient.doseTimes.map(minutesOfDay).sort((a, b) => a - b),
      utcOffsetMin: s.utcOffsetMin,
      ...(s.device.config as Partial<DeviceConfig>),
    };
  }

  /** Cut power now. With `duringFlashWrite`, the cut lands on the next flash operation at a random byte. */
  powerCut(offMs: number, duringFlashWrite = false): void {
    if (this.state !== 'running') return;
    if (duringFlashWrite) {
      const flash = this.board.flash;
      const armedAt = flash.opCount;
      flash.armCut({ opIndex: armedAt, byte: -1, seed: this.faultRng.nextU32() }, () => {
        this.counters.powerCutsDuringFlashOp++;
        this.cutNow(offMs);
      });
      // The firmware writes flash only when something happens: wait up to two days for the next operation,
      // then cut anyway (idle).
      this.vt.after(2 * DAY, () => {
        if (flash.opCount === armedAt && this.state === 'running') {
          flash.disarmCut();
          this.cutNow(offMs);
        }
      });
      return;
    }
    this.cutNow(offMs);
  }

  /** Events in the flash log as recovery would find them (read with the firmware's own EventLog code). */
  inspectLog(): { stats: LogStats; events: StoredEvent[] } {
    const copy = this.board.flash.clone();
    const log = new EventLog(copy.port(() => undefined), {
      firstBlock: LOG_FIRST_BLOCK,
      blockCount: Math.min(LOG_BLOCKS, copy.geometry.blockCount - LOG_FIRST_BLOCK),
    });
    log.recover();
    return { stats: log.stats(), events: log.allRecords() };
  }

  async dispose(): Promise<void> {
    this.lifecycle.endBoot();
    await this.modem?.dispose();
  }

  private scheduleFaults(): void {
    const { scenario, days } = this.options;
    const cuts = scenario.powerCuts;
    for (const cut of cuts.at) {
      if (cut.day < days) this.vt.at(cut.day * DAY, () => this.powerCut(cut.offSeconds * 1000, cut.duringFlashWrite));
    }
    for (let i = 0; i < cuts.randomCount; i++) {
      const at = this.faultRng.uniform(0.01, days) * DAY;
      const during = this.faultRng.chance(cuts.duringFlashWriteProbability);
      const off = this.faultRng.uniform(cuts.offSeconds.min, cuts.offSeconds.max) * 1000;
      this.vt.at(at, () => this.powerCut(off, during));
    }
    for (const jump of scenario.clock.jumps) {
      if (jump.atDay < days) this.vt.at(jump.atDay * DAY, () => this.board.rtc.jump(jump.byS * 1000));
    }
    for (const lossDay of scenario.clock.lossAtDays) {
      if (lossDay < days) this.vt.at(lossDay * DAY, () => this.board.rtc.clear());
    }
  }

  private cutNow(offMs: number): void {
    this.counters.powerCuts++;
    this.lifecycle.powerCycle(Math.max(1, offMs));
  }

  private recordCrash(error: unknown, generation: number): void {
    this.counters.crashes++;
    const message = `t=${this.vt.now()} boot ${generation}: ${(error as Error).stack ?? String(error)}`;
    if (this.crashLog.length < 20) this.crashLog.push(message);
    if (this.counters.crashes > (this.options.maxCrashes ?? 50)) {
      throw new Error(`firmware crash loop on ${this.options.serial} (${this.counters.crashes} crashes); first: ${this.crashLog[0]}`);
    }
  }
}

export { SimFlash };
