/**
 * Simulated power: battery, retained RAM, reset reasons, watchdog, reset and System OFF.
 *
 * Battery: a rechargeable Li-ion cell of `capacityMah`. Charge is drawn by a constant MCU sleep current
 * (integrated over virtual time) plus whatever other models report through `consume(mAh)` (S2's modem energy
 * model). The open-circuit voltage follows a typical Li-ion discharge curve; at 0 % the cap browns out.
 *
 * Retained values survive `reset()` and watchdog resets but read 0 after a power loss.
 */
import { HardwareResetReason, type Power } from '../../firmware/src/ports/ports.ts';
import type { VirtualTime } from './virtual-time.ts';

export interface BatteryOptions {
  capacityMah: number;
  /** State of charge at the start, 0..1. */
  initialSoc: number;
  /** MCU + sensors asleep, mA (nRF52-class with RTC running: a few microamps). */
  sleepCurrentMa: number;
  temperatureDeciC: number;
}

/** Li-ion open-circuit voltage (mV) at state of charge 0, 0.1, ..., 1. */
const OCV_MV = [3300, 3550, 3650, 3700, 3740, 3780, 3820, 3870, 3950, 4050, 4180];

export class SimBattery {
  private usedMah = 0;
  sleepCurrentMa: number;
  private integratedTo = 0;
  /** Charge by source, for the summary (mAh). */
  readonly bySource = new Map<string, number>();
  charging = false;

  constructor(
    private readonly vt: VirtualTime,
    readonly options: BatteryOptions,
  ) {
    this.usedMah = options.capacityMah * (1 - options.initialSoc);
    this.sleepCurrentMa = options.sleepCurrentMa;
  }

  /**
   * Charge counted by another model (S2's energy model): read whenever the battery is sampled. When such a
   * source includes the MCU, set sleepCurrentMa to 0 so nothing is counted twice.
   */
  readonly externalSources: (() => number)[] = [];

  private external(): number {
    let sum = 0;
    for (const source of this.externalSources) sum += source();
    return sum;
  }

  consume(mAh: number, source = 'other'): void {
    if (!(mAh > 0)) return;
    this.usedMah += mAh;
    this.bySource.set(source, (this.bySource.get(source) ?? 0) + mAh);
  }

  /** Charge drawn during this simulation (mAh), including the sleep current up to now. */
  chargeUsedMah(): number {
    this.integrate();
    return this.usedMah + this.external() - this.options.capacityMah * (1 - this.options.initialSoc);
  }

  soc(): number {
    this.integrate();
    return Math.max(0, Math.min(1, 1 - (this.usedMah + this.external()) / this.options.capacityMah));
  }

  voltageMv(): number {
    const x = this.soc() * 10;
    const i = Math.min(9, Math.floor(x));
    return Math.round(OCV_MV[i] + (OCV_MV[i + 1] - OCV_MV[i]) * (x - i));
  }

  private integrate(): void {
    const now = this.vt.now();
    if (now > this.integratedTo) {
      this.consume((this.sleepCurrentMa * (now - this.integratedTo)) / 3_600_000, 'mcu');
      this.integratedTo = now;
    }
  }
}

/** What the power port asks of the device that owns it. */
export interface PowerHost {
  /** Reset the MCU with this hardware reason (after the current handler returns). */
  requestReset(reason: HardwareResetReason): void;
  /** Enter System OFF until a wake source (lid, charger). */
  requestPowerOff(): void;
}

export const RETAINED_WORDS = 32;

export class SimRetained {
  readonly words = new Uint32Array(RETAINED_WORDS);
  powerLost(): void {
    this.words.fill(0);
  }
}

export interface SimPowerState {
  resetReason: HardwareResetReason;
  watchdogResets: number;
}

/** The Power port for one boot. */
export function createSimPower(
  vt: VirtualTime,
  battery: SimBattery,
  retained: SimRetained,
  resetReason: HardwareResetReason,
  host: PowerHost,
  guard: () => void,
): { port: Power; kill(): void } {
  let watchdogTimeout = 0;
  let watchdogTimer: number | undefined;
  let deadline = 0;
  let dead = false;
  // One pending check at a time, moved lazily: feeding every second must not cost a scheduler event each.
  const check = (): void => {
    watchdogTimer = undefined;
    if (dead) return;
    if (vt.now() >= deadline) host.requestReset(HardwareResetReason.Watchdog);
    else watchdogTimer = vt.at(deadline, check);
  };
  const armWatchdog = (): void => {
    deadline = vt.now() + watchdogTimeout;
    if (watchdogTimer === undefined) watchdogTimer = vt.at(deadline, check);
  };
  const checkIndex = (index: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= RETAINED_WORDS) throw new RangeError(`retained index ${index} outside 0..${RETAINED_WORDS - 1}`);
  };
  const port: Power = {
    hardwareResetReason: () => resetReason,
    getRetained: (index) => {
      checkIndex(index);
      return retained.words[index];
    },
    setRetained: (index, value) => {
      guard();
      checkIndex(index);
      retained.words[index] = value >>> 0;
    },
    batteryMv: () => battery.voltageMv(),
    temperatureDeciC: () => battery.options.temperatureDeciC,
    charging: () => battery.charging,
    reset: () => {
      guard();
      host.requestReset(HardwareResetReason.Software);
    },
    powerOff: () => {
      guard();
      host.requestPowerOff();
    },
    startWatchdog: (timeoutMs) => {
      guard();
      if (!(timeoutMs > 0)) throw new RangeError(`watchdog timeout ${timeoutMs}`);
      // The hardware watchdog cannot be reconfigured once started (nRF52): keep the first timeout.
      if (watchdogTimeout === 0) watchdogTimeout = timeoutMs;
      armWatchdog();
    },
    feedWatchdog: () => {
      guard();
      if (watchdogTimeout > 0) armWatchdog();
    },
  };
  return {
    port,
    kill: () => {
      dead = true;
      if (watchdogTimer !== undefined) vt.cancel(watchdogTimer);
    },
  };
}
