/**
 * Small in-memory fakes of every port, in virtual time. ECMAScript only: the vitest suites and the
 * standalone self-test bundle (which runs inside QuickJS, XS or Espruino) both use them.
 *
 * FakeHardware is the part that survives a reset (flash, retained RAM, RTC, switch levels); `boot()` gives
 * a fresh Ports object for each boot with its own monotonic clock and timers, as a real MCU would.
 */
import type { DigitalInput, DigitalOutput, Flash, HardwareResetReason, Level, Ports, TimerHandle } from '../ports/ports.ts';

export class FakePowerCut extends Error {
  constructor() {
    super('power cut');
    this.name = 'FakePowerCut';
  }
}

/** NOR flash: erase to 0xFF, writes AND into the cells, alignment enforced, optional power cut. */
export class FakeFlash implements Flash {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly writeAlign: number;
  readonly bytes: Uint8Array;
  /** Bytes that could still be written before the power fails (undefined = never). Erases cost blockSize. */
  budget: number | undefined;
  writes = 0;
  erases = 0;
  /** Writes that tried to set a bit back to 1 (a firmware bug: NOR cannot do that without an erase). */
  bitsNotSet = 0;
  eraseCounts: number[] = [];

  constructor(blockCount: number, blockSize = 4096, writeAlign = 4) {
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    this.writeAlign = writeAlign;
    this.bytes = new Uint8Array(blockCount * blockSize);
    this.bytes.fill(0xff);
    for (let i = 0; i < blockCount; i++) this.eraseCounts.push(0);
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || offset + length > this.bytes.length) throw new RangeError(`flash read out of range ${offset}+${length}`);
    return this.bytes.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    if (offset % this.writeAlign !== 0 || data.length % this.writeAlign !== 0) throw new RangeError(`unaligned flash write ${offset}+${data.length}`);
    if (offset < 0 || offset + data.length > this.bytes.length) throw new RangeError(`flash write out of range ${offset}+${data.length}`);
    let n = data.length;
    let cut = false;
    if (this.budget !== undefined && this.budget < n) {
      n = this.budget;
      cut = true;
    }
    for (let i = 0; i < n; i++) {
      const old = this.bytes[offset + i];
      if ((old & data[i]) !== data[i]) this.bitsNotSet++;
      this.bytes[offset + i] = old & data[i];
    }
    this.writes++;
    if (this.budget !== undefined) this.budget -= n;
    if (cut) {
      // the byte at the cut is half-programmed: only some of its bits got cleared
      if (n < data.length) this.bytes[offset + n] &= data[n] | 0xa5;
      throw new FakePowerCut();
    }
  }

  eraseBlock(block: number): void {
    if (block < 0 || block >= this.blockCount) throw new RangeError(`bad flash block ${block}`);
    const start = block * this.blockSize;
    let n = this.blockSize;
    let cut = false;
    if (this.budget !== undefined && this.budget < n) {
      n = this.budget;
      cut = true;
    }
    for (let i = 0; i < n; i++) this.bytes[start + i] = 0xff;
    if (cut && n < this.blockSize) this.bytes[start + n] |= 0x5a; // half-erased byte
    this.erases++;
    this.eraseCounts[block]++;
    if (this.budget !== undefined) this.budget -= n;
    if (cut) throw new FakePowerCut();
  }
}

interface PendingTimer {
  id: number;
  at: number;
  every: number;
  fn: () => void;
}

/** Everything that outlives one boot. */
export class FakeHardware {
  readonly flash: FakeFlash;
  retained: number[] = [];
  /** Virtual "real" time in ms since the Unix epoch; the RTC is this plus rtcOffsetMs when set. */
  realMs: number;
  rtcOffsetMs: number | undefined;
  lidLevel: Level = 0;
  buttonLevel: Level = 0;
  batteryMv = 3900;
  charging = false;
  ledLevel: Level = 0;
  buzzerLevel: Level = 0;
  /** [ms since boot, level] of every LED/buzzer write in the current boot. */
  ledLog: [number, Level][] = [];
  buzzerLog: [number, Level][] = [];
  consoleOut: string[] = [];
  logLines: string[] = [];
  resets = 0;
  poweredOff = false;
  watchdogFeeds = 0;
  current: FakeBoot | undefined;

  constructor(options: { flashBlocks?: number; writeAlign?: number; realMs?: number; rtcSet?: boolean } = {}) {
    this.flash = new FakeFlash(options.flashBlocks === undefined ? 69 : options.flashBlocks, 4096, options.writeAlign === undefined ? 4 : options.writeAlign);
    this.realMs = options.realMs === undefined ? Date.UTC(2026, 5, 1, 6, 0, 0) : options.realMs;
    this.rtcOffsetMs = options.rtcSet ? 0 : undefined;
    for (let i = 0; i < 32; i++) this.retained.push(0);
  }

  /** Power up (or reset) with the given hardware reset reason; retained RAM is lost on power-on/brown-out. */
  boot(reason: HardwareResetReason, buildUnixS = Date.UTC(2026, 0, 1) / 1000): FakeBoot {
    if (this.current) this.current.dead = true;
    if (reason === 0 || reason === 5) {
      for (let i = 0; i < 32; i++) this.retained[i] = 0;
    }
    this.ledLog = [];
    this.buzzerLog = [];
    this.current = new FakeBoot(this, reason, buildUnixS);
    return this.current;
  }

  setLid(level: Level): void {
    this.lidLevel = level;
    if (this.current) this.current.lidEdge(level);
  }

  setButton(level: Level): void {
    this.buttonLevel = level;
    if (this.current) this.current.buttonEdge(level);
  }

  /** Advance virtual time, running due timers of the current boot in order. */
  advance(ms: number): void {
    if (this.current) this.current.advance(ms);
    else this.realMs += ms;
  }

  sendConsole(line: string): string | undefined {
    const before = this.consoleOut.length;
    if (this.current && this.current.consoleCallback) this.current.consoleCallback(line);
    return this.consoleOut.length > before ? this.consoleOut[this.consoleOut.length - 1] : undefined;
  }
}

/** One boot's view of the hardware: the Ports object the firmware gets. */
export class FakeBoot {
  readonly hw: FakeHardware;
  readonly ports: Ports;
  readonly bootRealMs: number;
  dead = false;
  lidCallback: ((level: Level) => void) | undefined;
  buttonCallback: ((level: Level) => void) | undefined;
  consoleCallback: ((line: string) => void) | undefined;
  private timers: PendingTimer[] = [];
  private nextId = 1;

  constructor(hw: FakeHardware, reason: HardwareResetReason, buildUnixS: number) {
    this.hw = hw;
    this.bootRealMs = hw.realMs;
    const self = this;
    const input = (which: 'lid' | 'button'): DigitalInput => ({
      read: () => (which === 'lid' ? hw.lidLevel : hw.buttonLevel),
      onEdge(cb) {
        if (which === 'lid') self.lidCallback = cb;
        else self.buttonCallback = cb;
      },
    });
    const output = (which: 'led' | 'buzzer'): DigitalOutput => ({
      write(level) {
        if (self.dead) return;
        const t = hw.realMs - self.bootRealMs;
        if (which === 'led') {
          hw.ledLevel = level;
          hw.ledLog.push([t, level]);
        } else {
          hw.buzzerLevel = level;
          hw.buzzerLog.push([t, level]);
        }
      },
    });
    this.ports = {
      lid: input('lid'),
      button: input('button'),
      led: output('led'),
      buzzer: output('buzzer'),
      timers: {
        setTimeout: (fn, ms) => self.schedule(fn, ms, 0),
        setInterval: (fn, ms) => self.schedule(fn, ms, Math.max(1, ms)),
        clear: (id) => {
          for (let i = 0; i < self.timers.length; i++) if (self.timers[i].id === id) self.timers.splice(i, 1);
        },
      },
      clock: {
        monotonicMs: () => hw.realMs - self.bootRealMs,
        wallMs: () => (hw.rtcOffsetMs === undefined ? undefined : hw.realMs + hw.rtcOffsetMs),
        setWallMs: (ms) => {
          hw.rtcOffsetMs = ms - hw.realMs;
        },
      },
      flash: hw.flash,
      power: {
        hardwareResetReason: () => reason,
        getRetained: (i) => hw.retained[i] >>> 0,
        setRetained: (i, v) => {
          hw.retained[i] = v >>> 0;
        },
        batteryMv: () => hw.batteryMv,
        temperatureDeciC: () => 215,
        charging: () => hw.charging,
        reset: () => {
          hw.resets++;
          self.dead = true;
        },
        powerOff: () => {
          hw.poweredOff = true;
          self.dead = true;
        },
        startWatchdog: () => undefined,
        feedWatchdog: () => {
          hw.watchdogFeeds++;
        },
      },
      modem: { write: () => undefined, onReadable: () => undefined, setDataTerminalReady: () => undefined },
      modemPower: { pulsePowerKey: () => undefined, setSupply: () => undefined, status: () => 0 },
      console: {
        onLine(cb) {
          self.consoleCallback = cb;
        },
        writeLine(line) {
          hw.consoleOut.push(line);
        },
      },
      build: { version: '0.1.0-test', imageHash: '00112233445566778899aabbccddeeff', buildUnixS },
      log(line) {
        hw.logLines.push(line);
      },
    };
  }

  lidEdge(level: Level): void {
    if (this.lidCallback && !this.dead) this.lidCallback(level);
  }

  buttonEdge(level: Level): void {
    if (this.buttonCallback && !this.dead) this.buttonCallback(level);
  }

  private schedule(fn: () => void, ms: number, every: number): TimerHandle {
    const id = this.nextId++;
    this.timers.push({ id, at: this.hw.realMs - this.bootRealMs + Math.max(0, ms), every, fn });
    return id;
  }

  advance(ms: number): void {
    const end = this.hw.realMs + ms;
    for (;;) {
      if (this.dead) break;
      let next: PendingTimer | undefined;
      for (let i = 0; i < this.timers.length; i++) {
        const t = this.timers[i];
        if (!next || t.at < next.at || (t.at === next.at && t.id < next.id)) next = t;
      }
      if (!next || this.bootRealMs + next.at > end) break;
      this.hw.realMs = this.bootRealMs + next.at;
      if (next.every > 0) next.at += next.every;
      else this.timers.splice(this.timers.indexOf(next), 1);
      next.fn();
    }
    this.hw.realMs = end;
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}
