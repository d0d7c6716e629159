/**
 * The simulated board: the hardware that outlives any one boot of the firmware (flash, RTC, battery,
 * retained RAM, the lid and button inputs, LED and buzzer, the modem UART, the console), and the `Ports`
 * object handed to each boot.
 *
 * Boot lifecycle: each boot gets a generation number. `createBootPorts` returns ports bound to that
 * generation and a `kill()` that the device calls when the boot ends (power cut, reset, watchdog, System
 * OFF). After `kill()` every output call from that boot throws PowerLostError and no callback of that boot
 * runs again (timers cancelled, edge/serial/console readers detached), so an old firmware instance can never
 * touch the hardware of the next one.
 */
import type { Level, Ports } from '../../firmware/src/ports/ports.ts';
import { SimOutput, SimInput } from './sim-gpio.ts';
import { SimFlash, DEFAULT_FLASH, type FlashGeometry } from './sim-flash.ts';
import { SimRtc, SimTimers, createSimClock, type RtcOptions } from './sim-clock.ts';
import { SimBattery, SimRetained, createSimPower, type BatteryOptions, type PowerHost } from './sim-power.ts';
import { SimUart } from './sim-serial.ts';
import { SimConsole } from './sim-console.ts';
import type { HardwareResetReason } from '../../firmware/src/ports/ports.ts';
import type { VirtualTime } from './virtual-time.ts';

export class PowerLostError extends Error {
  constructor() {
    super('this firmware instance has lost power');
    this.name = 'PowerLostError';
  }
}

export interface BoardOptions {
  flash?: FlashGeometry;
  /** Start from an existing flash image (e.g. the power-cut replay). */
  flashImage?: Uint8Array;
  rtc: RtcOptions;
  battery: BatteryOptions;
  build?: Ports['build'];
}

export const SIM_BUILD: Ports['build'] = { version: '0.1.0-sim', imageHash: '51a7c0de51a7c0de', buildUnixS: 1_767_225_600 };

export class SimBoard {
  readonly flash: SimFlash;
  readonly rtc: SimRtc;
  readonly battery: SimBattery;
  readonly retained = new SimRetained();
  readonly lid: SimInput;
  readonly button: SimInput;
  readonly led: SimOutput;
  readonly buzzer: SimOutput;
  readonly uart: SimUart;
  readonly console: SimConsole;
  readonly build: Ports['build'];
  /** Debug log lines from the firmware (capped; `logSink` sees all). */
  readonly logLines: string[] = [];
  logSink: ((line: string) => void) | undefined;

  constructor(
    readonly vt: VirtualTime,
    options: BoardOptions,
  ) {
    this.flash = new SimFlash(options.flash ?? DEFAULT_FLASH, options.flashImage);
    this.rtc = new SimRtc(vt, options.rtc);
    this.battery = new SimBattery(vt, options.battery);
    this.lid = new SimInput(vt, 'lid');
    this.button = new SimInput(vt, 'button');
    this.led = new SimOutput(vt, 'led');
    this.buzzer = new SimOutput(vt, 'buzzer');
    this.uart = new SimUart(vt);
    this.console = new SimConsole(vt);
    this.build = options.build ?? SIM_BUILD;
  }

  /** Everything that loses its state when the supply goes away. */
  powerLost(): void {
    this.retained.powerLost();
    this.rtc.powerLost();
    this.led.powerLost();
    this.buzzer.powerLost();
    this.uart.powerLost();
    this.console.detach();
  }
}

export interface BootPorts {
  ports: Ports;
  generation: number;
  alive(): boolean;
  /** End this boot: no callback of it runs again and its outputs throw. */
  kill(): void;
}

export interface BootPortOptions {
  generation: number;
  resetReason: HardwareResetReason;
  host: PowerHost;
  /**
   * Runs every callback into the firmware (timers, edges, serial bytes, console lines). The device runner
   * uses it to skip callbacks of a dead boot and to turn a firmware exception into a crash reset.
   */
  wrap: (callback: () => void) => void;
}

export function createBootPorts(board: SimBoard, options: BootPortOptions): BootPorts {
  const { vt } = board;
  let alive = true;
  const guard = (): void => {
    if (!alive) throw new PowerLostError();
  };
  const wrap = (callback: () => void): void => {
    if (alive) options.wrap(callback);
  };
  const bootAtMs = vt.now();
  const timers = new SimTimers(vt, wrap);
  const power = createSimPower(vt, board.battery, board.retained, options.resetReason, options.host, guard);
  const ports: Ports = {
    lid: board.lid.port(options.generation, () => alive, wrap),
    button: board.button.port(options.generation, () => alive, wrap),
    led: board.led.port(guard),
    buzzer: board.buzzer.port(guard),
    timers: timers.port(),
    clock: createSimClock(vt, board.rtc, bootAtMs, guard),
    flash: board.flash.port(guard),
    power: power.port,
    modem: board.uart.serialPort(options.generation, guard, wrap),
    modemPower: board.uart.modemPower(guard),
    console: board.console.port(guard, wrap),
    build: board.build,
    log: (line) => {
      if (board.logLines.length < 2000) board.logLines.push(line);
      board.logSink?.(line);
    },
  };
  return {
    ports,
    generation: options.generation,
    alive: () => alive,
    kill: () => {
      alive = false;
      timers.kill();
      power.kill();
      board.lid.detachAllBut(-1);
      board.button.detachAllBut(-1);
      board.uart.detach();
      board.console.detach();
    },
  };
}

export type { Level };
