/** What the station needs from a unit on the line, real (serial port) or simulated. */
import type { ConsoleLink } from './console-link.ts';
import type { Fixture } from './fixture.ts';

export interface FlashResult {
  /** Image hash of the bundle that was written, as the unit will report it through `ident`. */
  expectedImageHash: string;
  bundleBytes: number;
}

export interface UnitUnderTest {
  /** Port path or simulated unit name. */
  readonly label: string;
  readonly fixture: Fixture;
  /** Writes the firmware bundle with the runtime's own tool, then (re)starts the unit. */
  flash(bundlePath: string): Promise<FlashResult>;
  /** The console, available after flash(). */
  console(): ConsoleLink;
  close(): Promise<void>;
}
