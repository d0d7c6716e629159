/**
 * The port interfaces: the only way firmware reaches hardware. Shaped after ECMA-419 (the Moddable IO
 * standard): IO objects are created by the port, deliver input through callbacks (`onReadable`-style
 * edge callbacks), and never block. Each runtime supplies one `Ports` object:
 *   - firmware/ports/moddable: ECMA-419 adapters (device.io.Digital, Serial, Flash, Timer, Sleep)
 *   - simulator/src/sim-ports.ts: virtual hardware in virtual time
 *   - in-script fakes inside the self-test bundle
 *
 * All times are milliseconds. All callbacks run to completion on the single JS thread.
 */

export type Level = 0 | 1;

/** Digital input with edge callbacks (ECMA-419 Digital, mode Input, edge Rising|Falling). */
export interface DigitalInput {
  read(): Level;
  /** Called on every edge with the level after the edge. Bounce is not filtered here. */
  onEdge(callback: (level: Level) => void): void;
}

/** Digital output (ECMA-419 Digital, mode Output). */
export interface DigitalOutput {
  write(level: Level): void;
}

export type TimerHandle = number;

/** One-shot and repeating timers (ECMA-419 Timer / Moddable `Timer`). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle): void;
}

/** Clocks. The monotonic clock restarts at 0 on every boot; the wall clock may be unset or wrong. */
export interface Clock {
  /** Milliseconds since this boot; never goes backwards. */
  monotonicMs(): number;
  /** Unix milliseconds from the RTC, or undefined when the RTC has never been set (or lost power). */
  wallMs(): number | undefined;
  /** Set the RTC. */
  setWallMs(unixMs: number): void;
}

/**
 * NOR flash region reserved for the firmware (ECMA-419 Flash). Erase sets a whole block to 0xFF; writes
 * can only clear bits, must start at a multiple of `writeAlign` and have a length that is a multiple of it.
 * A power cut during write leaves a prefix of the bytes written (the simulator models this); during erase
 * it leaves the block partially erased.
 */
export interface Flash {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly writeAlign: number;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
  eraseBlock(block: number): void;
}

/** Reset reasons as the hardware reports them (before merging with the stored reason). */
export const HardwareResetReason = {
  PowerOn: 0,
  Pin: 1,
  Watchdog: 2,
  Software: 3,
  Lockup: 4,
  BrownOut: 5,
  WakeFromOff: 6, // GPIO wake from System OFF (lid opened in shipping mode / deep sleep)
} as const;
export type HardwareResetReason = (typeof HardwareResetReason)[keyof typeof HardwareResetReason];

/** Power, reset and supervision (Moddable Sleep / nRF52 retained values). */
export interface Power {
  hardwareResetReason(): HardwareResetReason;
  /** 32 x 32-bit values that survive a reset but not a power loss (then they read as 0). */
  getRetained(index: number): number;
  setRetained(index: number, value: number): void;
  batteryMv(): number;
  temperatureDeciC(): number;
  /** True while external power (charger) is present. */
  charging(): boolean;
  /** Reset the MCU now. The port records nothing: store the reason in a retained value first. */
  reset(): void;
  /** Enter System OFF until the lid switch or the charger wakes the cap (shipping mode). */
  powerOff(): void;
  /** Hardware watchdog: must be fed at least every `timeoutMs` or the MCU resets with reason Watchdog. */
  startWatchdog(timeoutMs: number): void;
  feedWatchdog(): void;
}

/** UART to the modem (ECMA-419 Serial): raw bytes both ways; DTR for the modem's UART sleep. */
export interface SerialPort {
  write(bytes: Uint8Array): void;
  onReadable(callback: (bytes: Uint8Array) => void): void;
  setDataTerminalReady(level: boolean): void;
}

/** Modem power control: PWRKEY pulse and the STATUS line. */
export interface ModemPower {
  /** Drive PWRKEY low for `ms` (about 500 ms to power on, 650 ms+ to power off on BG95). */
  pulsePowerKey(ms: number): void;
  /** Hard power switch of the modem supply, where the board has one. */
  setSupply(on: boolean): void;
  /** STATUS pin: 1 when the modem is on. */
  status(): Level;
}

/** Factory console: newline-delimited text lines (USB CDC or a test pad UART). */
export interface ConsoleLine {
  onLine(callback: (line: string) => void): void;
  writeLine(line: string): void;
}

export interface Ports {
  lid: DigitalInput; // 1 = lid open (reed switch released)
  button: DigitalInput; // 1 = pressed
  led: DigitalOutput;
  buzzer: DigitalOutput;
  timers: Timers;
  clock: Clock;
  flash: Flash;
  power: Power;
  modem: SerialPort;
  modemPower: ModemPower;
  console: ConsoleLine;
  /** Build identity, compiled in by the bundler. */
  build: { version: string; imageHash: string; buildUnixS: number };
  /** Debug log sink (trace/console.log); may drop lines. */
  log(line: string): void;
}
