/**
 * The power and boot states of a simulated MCU, shared by the simulator's cap (simulated-cap.ts) and the
 * station's simulated unit (hardware-tests/src/sim-unit.ts):
 *
 *   off --boot--> running --powerCycle()--> off (retained RAM and RTC lost) --after offMs--> boot
 *                 running --reset request/watchdog/crash--> off --after 20 ms--> boot (retained kept)
 *                 running --power-off request--> system-off --lid--> boot (WakeFromOff)
 *
 * Every boot gets a new generation and new ports (createBootPorts); ending a boot kills its ports, so a
 * discarded firmware can no longer touch the hardware. A firmware exception escaping a callback is a crash:
 * reported to the owner, and the MCU resets (Lockup), as a HardFault would on the device.
 *
 * What a boot runs and what is counted belong to the owner: see BootLifecycleHooks.
 */
import { HardwareResetReason, type Ports } from '../../firmware/src/ports/ports.ts';
import { PowerCutError } from './sim-flash.ts';
import { createBootPorts, PowerLostError, type BootPorts, type SimBoard } from './sim-ports.ts';
import type { VirtualTime } from './virtual-time.ts';

export type PowerState = 'off' | 'running' | 'system-off';

export interface BootLifecycleHooks {
  /** Starts the firmware on a new boot's ports. Runs guarded: a throw is a crash of that boot. */
  start(ports: Ports): void;
  /** Releases what start() set up, once the boot's ports are dead. */
  stop?(): void;
  /** A boot begins: the generation is new, the state not yet `running`. */
  onPowerOn?(): void;
  /** A reset request (firmware, watchdog, or a crash's Lockup) is about to end the running boot. */
  onReset?(reason: HardwareResetReason): void;
  /** The firmware's System OFF request is about to end the running boot. */
  onSystemOff?(): void;
  /** A firmware exception escaped a callback of boot `generation`; a throw here ends the whole run. */
  onCrash?(error: unknown, generation: number): void;
}

export class BootLifecycle {
  private current: PowerState = 'off';
  private boot: BootPorts | undefined;
  private generation = 0;
  private pendingBoot: number | undefined;

  constructor(
    private readonly vt: VirtualTime,
    private readonly board: SimBoard,
    private readonly hooks: BootLifecycleHooks,
  ) {
    board.lid.onChange = () => this.wake();
  }

  get state(): PowerState {
    return this.current;
  }

  powerOn(reason: HardwareResetReason): void {
    if (this.current === 'running') return;
    const generation = ++this.generation;
    this.hooks.onPowerOn?.();
    // after a power cycle the modem's supply rail comes back with the board (no-op after a reset or a wake)
    this.board.uart.powerRestored();
    this.current = 'running';
    const boot = createBootPorts(this.board, {
      generation,
      resetReason: reason,
      host: {
        requestReset: (r) => {
          // Never reset inside the firmware's own call stack: finish the current handler first.
          this.vt.after(0, () => {
            if (this.generation === generation) this.reset(r);
          });
        },
        requestPowerOff: () => {
          this.vt.after(0, () => {
            if (this.generation !== generation || this.current !== 'running') return;
            this.hooks.onSystemOff?.();
            this.endBoot();
            this.current = 'system-off';
          });
        },
      },
      wrap: (callback) => this.guarded(generation, callback),
    });
    this.boot = boot;
    this.guarded(generation, () => this.hooks.start(boot.ports));
  }

  /** The supply goes away now and comes back after `offMs`. */
  powerCycle(offMs: number): void {
    // The station power-cycles its unit before the first boot too, when nothing has been powered yet.
    const powered = this.current !== 'off';
    this.endBoot();
    if (powered) this.board.powerLost();
    this.current = 'off';
    this.scheduleBoot(offMs, HardwareResetReason.PowerOn);
  }

  /** No callback of the running boot runs again, and no boot is pending. */
  endBoot(): void {
    this.board.flash.disarmCut();
    this.boot?.kill();
    this.boot = undefined;
    this.hooks.stop?.();
    if (this.pendingBoot !== undefined) this.vt.cancel(this.pendingBoot);
    this.pendingBoot = undefined;
  }

  private wake(): void {
    if (this.current !== 'system-off') return;
    this.current = 'off';
    this.scheduleBoot(5, HardwareResetReason.WakeFromOff);
  }

  private scheduleBoot(delayMs: number, reason: HardwareResetReason): void {
    if (this.pendingBoot !== undefined) this.vt.cancel(this.pendingBoot);
    this.pendingBoot = this.vt.after(delayMs, () => {
      this.pendingBoot = undefined;
      this.powerOn(reason);
    });
  }

  private reset(reason: HardwareResetReason): void {
    if (this.current !== 'running') return;
    this.hooks.onReset?.(reason);
    this.endBoot();
    this.board.uart.detach();
    this.board.led.powerLost();
    this.board.buzzer.powerLost();
    this.current = 'off';
    // Reset and boot ROM take a few milliseconds.
    this.scheduleBoot(20, reason);
  }

  private guarded(generation: number, callback: () => void): void {
    if (generation !== this.generation || this.current !== 'running') return;
    try {
      callback();
    } catch (error) {
      if (generation !== this.generation || this.current !== 'running') return; // lost power meanwhile
      if (error instanceof PowerCutError || error instanceof PowerLostError) return;
      const name = (error as Error).name;
      if (name === 'PowerCutError' || name === 'PowerLostError') return;
      this.hooks.onCrash?.(error, generation);
      this.vt.after(0, () => {
        if (this.generation === generation) this.reset(HardwareResetReason.Lockup);
      });
    }
  }
}
