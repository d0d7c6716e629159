/**
 * The Moddable XS host a device bundle expects (firmware/ports/moddable: Timer, Time, Flash, Sleep,
 * ResetReason, globalThis.device.io Digital/Serial/Analog, trace, pillcapWatchdog), built on one boot's
 * simulated `Ports` (S1's sim-ports). A simulated unit can then run the very bundle the station flashes,
 * through the same Moddable port code a real cap runs, with the pin map of firmware/ports/moddable/board.ts.
 *
 * Faults are hardware faults here: `stuckBits` makes the flash chip return some bits as 0 in one block
 * (a bad region), whatever was written or erased.
 */
import { BOARD } from '../../firmware/ports/moddable/board.ts';
import { HardwareResetReason, type Level, type Ports } from '../../firmware/src/ports/ports.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

export interface HostFaults {
  /** Bits stuck at 0 in this flash block (mask of bits that read as 0 at `byteInBlock`). */
  stuckBits?: { block: number; byteInBlock: number; mask: number };
}

/** Moddable's reset reason names (nRF52 RESETREAS flags). */
const RESET_REASON = { RESETPIN: 1, DOG: 2, SREQ: 4, LOCKUP: 8, GPIO: 0x10000, LPCOMP: 0x20000, DIF: 0x40000, NFC: 0x80000 } as const;

function moddableResetReason(reason: HardwareResetReason): number {
  switch (reason) {
    case HardwareResetReason.Watchdog:
      return RESET_REASON.DOG;
    case HardwareResetReason.Software:
      return RESET_REASON.SREQ;
    case HardwareResetReason.Lockup:
      return RESET_REASON.LOCKUP;
    case HardwareResetReason.Pin:
      return RESET_REASON.RESETPIN;
    case HardwareResetReason.WakeFromOff:
      return RESET_REASON.GPIO;
    default:
      return 0; // power-on and brown-out set no flag
  }
}

const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;

/** Globals and host modules for one boot. `globals` go into the bundle's VM context; `host` to pillcapMain. */
export function createModdableHost(ports: Ports, faults: HostFaults = {}): { host: Any; globals: Record<string, unknown> } {
  let pwrKeyDownAt: number | undefined;

  class Digital {
    static Input = 0;
    static InputPullUp = 1;
    static Output = 8;
    static Rising = 1;
    static Falling = 2;
    private readonly pin: number;

    constructor(options: { pin: number; mode: number; onReadable?: (this: Digital) => void }) {
      this.pin = options.pin;
      const onReadable = options.onReadable;
      const input = this.input();
      if (input && onReadable) input.onEdge(() => onReadable.call(this));
    }

    read(): Level {
      if (this.pin === BOARD.modemStatusPin) return ports.modemPower.status();
      const input = this.input();
      if (!input) throw new Error(`pin ${this.pin} is not an input on this board`);
      return input.read();
    }

    write(value: number): void {
      const level: Level = value ? 1 : 0;
      switch (this.pin) {
        case BOARD.ledPin:
          return ports.led.write(level);
        case BOARD.buzzerPin:
          return ports.buzzer.write(level);
        case BOARD.modemDtrPin:
          return ports.modem.setDataTerminalReady(level === 0); // DTR is active low
        case BOARD.modemSupplyPin:
          return ports.modemPower.setSupply(level === 1);
        case BOARD.modemPwrKeyPin:
          // The port holds the pin for the pulse length with a timer; the emulator wants the length.
          if (level === 1) pwrKeyDownAt = ports.clock.monotonicMs();
          else if (pwrKeyDownAt !== undefined) {
            ports.modemPower.pulsePowerKey(ports.clock.monotonicMs() - pwrKeyDownAt);
            pwrKeyDownAt = undefined;
          }
          return;
        default:
          throw new Error(`pin ${this.pin} is not an output on this board`);
      }
    }

    private input(): Ports['lid'] | undefined {
      if (this.pin === BOARD.lidPin) return ports.lid;
      if (this.pin === BOARD.buttonPin) return ports.button;
      return undefined;
    }
  }

  class Serial {
    private readonly pending: Uint8Array[] = [];
    private text = '';
    private readonly isConsole: boolean;

    constructor(options: { port?: number; receive?: number; onReadable?: (this: Serial) => void }) {
      this.isConsole = options.port === BOARD.consolePort && options.receive === undefined;
      const onReadable = options.onReadable;
      const deliver = (bytes: Uint8Array): void => {
        this.pending.push(bytes);
        if (onReadable) onReadable.call(this);
      };
      if (this.isConsole) {
        ports.console.onLine((line) => {
          const bytes = new Uint8Array(line.length + 1);
          for (let i = 0; i < line.length; i++) bytes[i] = line.charCodeAt(i) & 0xff;
          bytes[line.length] = 10;
          deliver(bytes);
        });
      } else ports.modem.onReadable(deliver);
    }

    read(): ArrayBuffer | undefined {
      if (this.pending.length === 0) return undefined;
      const total = this.pending.reduce((n, b) => n + b.length, 0);
      const out = new Uint8Array(total);
      let at = 0;
      for (const b of this.pending.splice(0)) {
        out.set(b, at);
        at += b.length;
      }
      return out.buffer as ArrayBuffer;
    }

    write(buffer: ArrayBuffer): void {
      const bytes = new Uint8Array(buffer);
      if (!this.isConsole) return ports.modem.write(bytes);
      for (const byte of bytes) {
        if (byte === 10) {
          ports.console.writeLine(this.text.replace(/\r$/, ''));
          this.text = '';
        } else this.text += String.fromCharCode(byte);
      }
    }
  }

  class Analog {
    readonly resolution = 12;
    read(): number {
      // Battery through a 1:2 divider into a 12-bit ADC with a 3.6 V reference (board.ts).
      return Math.round((ports.power.batteryMv() * ((1 << this.resolution) - 1)) / (3600 * 2));
    }
  }

  class Flash {
    readonly blockSize = ports.flash.blockSize;
    readonly byteLength = ports.flash.blockSize * ports.flash.blockCount;

    read(offset: number, length: number): ArrayBuffer {
      const bytes = ports.flash.read(offset, length);
      const stuck = faults.stuckBits;
      if (stuck) {
        const at = stuck.block * this.blockSize + stuck.byteInBlock;
        if (at >= offset && at < offset + length) bytes[at - offset] &= ~stuck.mask & 0xff;
      }
      return toArrayBuffer(bytes);
    }

    write(offset: number, length: number, buffer: ArrayBuffer): void {
      ports.flash.write(offset, new Uint8Array(buffer, 0, length));
    }

    erase(sector: number): void {
      ports.flash.eraseBlock(sector);
    }
  }

  const host = {
    Timer: {
      set: (callback: () => void, ms: number) => ports.timers.setTimeout(callback, ms),
      repeat: (callback: () => void, ms: number) => ports.timers.setInterval(callback, ms),
      clear: (handle: number) => ports.timers.clear(handle),
    },
    Time: {
      get ticks() {
        return ports.clock.monotonicMs();
      },
      set: (seconds: number) => ports.clock.setWallMs(seconds * 1000),
    },
    Flash,
    Sleep: {
      resetReason: moddableResetReason(ports.power.hardwareResetReason()),
      getRetainedValue: (i: number) => ports.power.getRetained(i),
      setRetainedValue: (i: number, v: number) => ports.power.setRetained(i, v),
      // deep(ms) with a wake-up time is the port's reset; deep() without one is System OFF.
      deep: (ms?: number) => (ms !== undefined ? ports.power.reset() : ports.power.powerOff()),
      wakeOnDigital: () => undefined, // the simulated cap always wakes on the lid and the charger
    },
    ResetReason: RESET_REASON,
  };

  const globals: Record<string, unknown> = {
    device: { io: { Digital, Serial, Analog } },
    trace: (text: string) => ports.log(String(text).replace(/\n$/, '')),
    pillcapWatchdog: {
      start: (ms: number) => ports.power.startWatchdog(ms),
      feed: () => ports.power.feedWatchdog(),
      reset: () => ports.power.reset(),
    },
    pillcapTemperature: () => ports.power.temperatureDeciC(),
    // The RTC behind Date.now() on the device; the port treats values before 2001 as "never set".
    __wallMs: () => ports.clock.wallMs() ?? 0,
  };
  return { host, globals };
}
