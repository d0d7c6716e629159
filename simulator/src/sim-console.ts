/**
 * The factory console line (USB CDC / test-pad UART) in simulation. The station side sends lines and
 * collects replies; lines reach the firmware as virtual-time events.
 */
import type { ConsoleLine } from '../../firmware/src/ports/ports.ts';
import type { VirtualTime } from './virtual-time.ts';

export class SimConsole {
  private reader: ((line: string) => void) | undefined;
  private readonly listeners: ((line: string) => void)[] = [];
  /** Every line the firmware wrote (capped). */
  readonly output: string[] = [];

  constructor(
    private readonly vt: VirtualTime,
    private readonly maxLines = 10_000,
  ) {}

  /** Station side: send a line to the device. Dropped while the firmware has no reader (off or booting). */
  send(line: string): void {
    this.vt.after(0, () => this.reader?.(line));
  }

  /** Station side: receive every line the device writes. */
  onDeviceLine(callback: (line: string) => void): void {
    this.listeners.push(callback);
  }

  detach(): void {
    this.reader = undefined;
  }

  port(guard: () => void, wrap: (callback: () => void) => void): ConsoleLine {
    return {
      onLine: (callback) => {
        this.reader = (line) => wrap(() => callback(line));
      },
      writeLine: (line) => {
        guard();
        if (this.output.length < this.maxLines) this.output.push(line);
        for (const cb of this.listeners) cb(line);
      },
    };
  }
}
