/**
 * The simulated UART between the MCU and the modem, and the modem's power pins.
 *
 * The device side is the firmware's `SerialPort` / `ModemPower` port. The other side, `ModemLine`, is what
 * a modem emulator (S2's BG95 emulator, simulator/src/modem) attaches to:
 *
 *   line.onFromDevice((bytes) => ...)   every write by the firmware, synchronously, in order (a copy);
 *                                       the emulator must not call back into the device from here: it
 *                                       schedules its answers with vt.after(delay, ...) / line.toDevice
 *   line.toDevice(bytes)                bytes the modem sends; delivered to the firmware's onReadable callback
 *                                       as a virtual-time event at the current instant (never re-entrantly);
 *                                       dropped while the MCU is off or has not registered a reader
 *   line.onDtr((level) => ...)          DTR changes (UART sleep control)
 *   line.onPowerKey((ms) => ...)        the firmware pulsed PWRKEY for `ms`
 *   line.onSupply((on) => ...)          modem supply switched by the firmware, or lost with the battery
 *   line.setStatus(level)               the STATUS pin the firmware reads (1 = modem on), or
 *   line.setStatusSource(() => level)   a function read whenever the firmware samples STATUS
 *
 * Without an emulator attached the UART is a dead end: writes are recorded and nothing answers, STATUS
 * stays 0 (what firmware sees with a dead modem).
 *
 * Everything the device writes is hashed (`txHash`) so runs in two runtimes can be compared byte for byte.
 */
import type { Level, ModemPower, SerialPort } from '../../firmware/src/ports/ports.ts';
import type { VirtualTime } from './virtual-time.ts';

export interface ModemLine {
  toDevice(bytes: Uint8Array): void;
  onFromDevice(callback: (bytes: Uint8Array) => void): void;
  onDtr(callback: (level: boolean) => void): void;
  onPowerKey(callback: (ms: number) => void): void;
  onSupply(callback: (on: boolean) => void): void;
  setStatus(level: Level): void;
  /** Alternatively, let the STATUS pin follow the emulator's own state. */
  setStatusSource(source: () => Level): void;
}

export class SimUart {
  private readonly fromDevice: ((bytes: Uint8Array) => void)[] = [];
  private readonly dtr: ((level: boolean) => void)[] = [];
  private readonly powerKey: ((ms: number) => void)[] = [];
  private readonly supply: ((on: boolean) => void)[] = [];
  private reader: { generation: number; callback: (bytes: Uint8Array) => void } | undefined;
  private status: Level = 0;
  private hash = 0x811c9dc5;
  bytesFromDevice = 0;
  bytesToDevice = 0;
  /** Keep a copy of the device's output (for tests and debugging); off by default for long runs. */
  transcript: number[] | undefined;

  constructor(private readonly vt: VirtualTime) {}

  readonly line: ModemLine = {
    toDevice: (bytes) => {
      const copy = bytes.slice();
      this.vt.after(0, () => {
        const reader = this.reader;
        if (!reader) return;
        this.bytesToDevice += copy.length;
        reader.callback(copy);
      });
    },
    onFromDevice: (callback) => void this.fromDevice.push(callback),
    onDtr: (callback) => void this.dtr.push(callback),
    onPowerKey: (callback) => void this.powerKey.push(callback),
    onSupply: (callback) => void this.supply.push(callback),
    setStatus: (level) => {
      this.status = level;
      this.statusSource = undefined;
    },
    setStatusSource: (source) => {
      this.statusSource = source;
    },
  };
  private statusSource: (() => Level) | undefined;

  /** FNV-1a over every byte the device wrote, as 8 hex digits. */
  txHash(): string {
    return (this.hash >>> 0).toString(16).padStart(8, '0');
  }

  /** The MCU lost power or reset: its reader is gone. */
  detach(): void {
    this.reader = undefined;
  }

  /** The whole board lost power: the modem loses its supply too. */
  powerLost(): void {
    this.reader = undefined;
    this.unpowered = true;
    for (const cb of this.supply) cb(false);
  }

  /** Power is back: the modem's supply rail comes up with the board (the modem itself stays off until PWRKEY). */
  powerRestored(): void {
    if (!this.unpowered) return;
    this.unpowered = false;
    for (const cb of this.supply) cb(true);
  }
  private unpowered = false;

  serialPort(generation: number, guard: () => void, wrap: (callback: () => void) => void): SerialPort {
    return {
      write: (bytes) => {
        guard();
        const copy = bytes.slice();
        let h = this.hash;
        for (let i = 0; i < copy.length; i++) {
          h ^= copy[i];
          h = Math.imul(h, 0x01000193);
        }
        this.hash = h >>> 0;
        this.bytesFromDevice += copy.length;
        if (this.transcript) for (const b of copy) this.transcript.push(b);
        for (const cb of this.fromDevice) cb(copy);
      },
      onReadable: (callback) => {
        this.reader = { generation, callback: (bytes) => wrap(() => callback(bytes)) };
      },
      setDataTerminalReady: (level) => {
        guard();
        for (const cb of this.dtr) cb(level);
      },
    };
  }

  modemPower(guard: () => void): ModemPower {
    return {
      pulsePowerKey: (ms) => {
        guard();
        for (const cb of this.powerKey) cb(ms);
      },
      setSupply: (on) => {
        guard();
        for (const cb of this.supply) cb(on);
      },
      status: () => (this.statusSource ? this.statusSource() : this.status),
    };
  }
}
