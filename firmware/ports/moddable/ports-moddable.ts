/**
 * Ports for Moddable XS on nRF52 through ECMA-419 IO classes (globalThis.device.io) plus the Moddable host
 * modules the entry module (main.js) hands over: Timer, Time, Flash, Sleep.
 *
 * Mapping:
 *   lid, button    device.io.Digital, mode Input, edge Rising | Falling, onReadable -> onEdge(level)
 *   led, buzzer    device.io.Digital, mode Output
 *   modem          device.io.Serial (format "buffer"), DTR on a Digital output
 *   console        device.io.Serial on the console port, split into lines
 *   timers         Timer.set / Timer.repeat / Timer.clear
 *   clock          Time.ticks (monotonic ms), Date.now() and Time.set(seconds) for the RTC
 *   flash          new Flash(partition): erase(sector), read(offset, length), write(offset, length, buffer)
 *   power          Sleep.resetReason, Sleep.get/setRetainedValue, Sleep.deep() (System OFF), analog battery
 * The watchdog has no ECMA-419 class on nRF52: a native `pillcapWatchdog` host object is used when the board
 * build provides one; otherwise start/feed are no-ops and only the software watchdog protects the device.
 */
import type { Level, Ports, TimerHandle } from '../../src/ports/ports.ts';
import { HardwareResetReason } from '../../src/ports/ports.ts';
import { BOARD } from './board.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

export interface ModdableHost {
  Timer: Any;
  Time: Any;
  Flash: Any;
  Sleep: Any;
  ResetReason: Any;
  /** Loads the factory mod (the console) if the line installed one (main.js: Modules.importNow); factory-mod.ts says when. */
  loadFactoryMod?: () => void;
}

export interface BuildInfo {
  version: string;
  imageHash: string;
  buildUnixS: number;
}

function digitalIn(io: Any, pin: number): Ports['lid'] {
  let callback: ((level: Level) => void) | undefined;
  const d = new io.Digital({
    pin,
    mode: io.Digital.Input,
    edge: io.Digital.Rising | io.Digital.Falling,
    onReadable(this: Any) {
      if (callback) callback(this.read() ? 1 : 0);
    },
  });
  return {
    read: () => (d.read() ? 1 : 0),
    onEdge(cb) {
      callback = cb;
    },
  };
}

function digitalOut(io: Any, pin: number): Ports['led'] {
  const d = new io.Digital({ pin, mode: io.Digital.Output });
  return { write: (level) => d.write(level) };
}

/** The bytes of a view as the ArrayBuffer the host's write() takes. */
function bufferOf(bytes: Uint8Array): ArrayBufferLike {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
}

function mapResetReason(host: ModdableHost): HardwareResetReason {
  const r = host.Sleep.resetReason;
  const R = host.ResetReason;
  if (r === R.DOG) return HardwareResetReason.Watchdog;
  if (r === R.SREQ) return HardwareResetReason.Software;
  if (r === R.LOCKUP) return HardwareResetReason.Lockup;
  if (r === R.RESETPIN) return HardwareResetReason.Pin;
  if (r === R.GPIO || r === R.LPCOMP || r === R.NFC) return HardwareResetReason.WakeFromOff;
  // no flag: power-on or brown-out; retained RAM tells them apart only if it survived (it does not)
  return HardwareResetReason.PowerOn;
}

export function createModdablePorts(host: ModdableHost, build: BuildInfo): Ports {
  const g = globalThis as Any;
  const io = g.device.io;
  const { Timer, Sleep } = host;
  const flash = new host.Flash(BOARD.flashPartition);
  const blockSize: number = flash.blockSize;
  const modemDtr = digitalOut(io, BOARD.modemDtrPin);
  const pwrKey = digitalOut(io, BOARD.modemPwrKeyPin);
  const supply = digitalOut(io, BOARD.modemSupplyPin);
  const modemStatus = digitalIn(io, BOARD.modemStatusPin);
  let modemCallback: ((bytes: Uint8Array) => void) | undefined;
  const modem = new io.Serial({
    receive: BOARD.modemRx,
    transmit: BOARD.modemTx,
    baud: BOARD.modemBaud,
    format: 'buffer',
    onReadable(this: Any) {
      const data = this.read();
      if (data && modemCallback) modemCallback(new Uint8Array(data));
    },
  });
  let lineCallback: ((line: string) => void) | undefined;
  let pending = '';
  const consoleSerial = new io.Serial({
    port: BOARD.consolePort,
    baud: 115200,
    format: 'buffer',
    onReadable(this: Any) {
      const data = new Uint8Array(this.read());
      for (let i = 0; i < data.length; i++) {
        const c = data[i];
        if (c === 10 || c === 13) {
          if (pending !== '' && lineCallback) lineCallback(pending);
          pending = '';
        } else if (pending.length < 256) pending += String.fromCharCode(c);
      }
    },
  });
  const analog = io.Analog ? new io.Analog({ pin: BOARD.batteryAdcChannel }) : undefined;
  const watchdog = g.pillcapWatchdog;
  return {
    lid: digitalIn(io, BOARD.lidPin),
    button: digitalIn(io, BOARD.buttonPin),
    led: digitalOut(io, BOARD.ledPin),
    buzzer: digitalOut(io, BOARD.buzzerPin),
    timers: {
      setTimeout: (fn, ms) => Timer.set(fn, ms) as TimerHandle,
      setInterval: (fn, ms) => Timer.repeat(fn, ms) as TimerHandle,
      clear: (h) => Timer.clear(h),
    },
    clock: {
      monotonicMs: () => host.Time.ticks,
      wallMs: () => {
        const now = Date.now();
        return now < 1000000000000 ? undefined : now; // an RTC that never got set reads near 1970
      },
      setWallMs: (ms) => {
        host.Time.set(Math.floor(ms / 1000));
      },
    },
    flash: {
      blockSize,
      blockCount: Math.floor(flash.byteLength / blockSize),
      writeAlign: BOARD.flashWriteAlign,
      read: (offset, length) => new Uint8Array(flash.read(offset, length)),
      write: (offset, data) => flash.write(offset, data.length, bufferOf(data)),
      eraseBlock: (block) => flash.erase(block),
    },
    power: {
      hardwareResetReason: () => mapResetReason(host),
      getRetained: (i) => Sleep.getRetainedValue(i) >>> 0,
      setRetained: (i, v) => Sleep.setRetainedValue(i, v >>> 0),
      batteryMv: () => (analog ? Math.round((analog.read() * 3600 * 2) / ((1 << analog.resolution) - 1)) : 0),
      temperatureDeciC: () => (g.pillcapTemperature ? g.pillcapTemperature() : 0),
      charging: () => false,
      reset: () => {
        if (watchdog?.reset) watchdog.reset();
        else Sleep.deep(1); // wakes immediately: a reset with the retained values kept
      },
      powerOff: () => {
        Sleep.wakeOnDigital(BOARD.lidPin);
        Sleep.deep();
      },
      startWatchdog: (ms) => watchdog?.start(ms),
      feedWatchdog: () => watchdog?.feed(),
    },
    modem: {
      write: (bytes) => modem.write(bufferOf(bytes)),
      onReadable(cb) {
        modemCallback = cb;
      },
      setDataTerminalReady: (level) => modemDtr.write(level ? 0 : 1), // DTR is active low on BG95
    },
    modemPower: {
      pulsePowerKey(ms) {
        pwrKey.write(1);
        Timer.set(() => pwrKey.write(0), ms);
      },
      setSupply: (on) => supply.write(on ? 1 : 0),
      status: () => modemStatus.read(),
    },
    console: {
      onLine(cb) {
        lineCallback = cb;
      },
      writeLine(line) {
        const bytes = new Uint8Array(line.length + 1);
        for (let i = 0; i < line.length; i++) bytes[i] = line.charCodeAt(i) & 0xff;
        bytes[line.length] = 10;
        consoleSerial.write(bytes.buffer);
      },
    },
    build,
    log(line) {
      if (typeof g.trace === 'function') g.trace(line + '\n');
    },
  };
}
