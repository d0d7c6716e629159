/**
 * The fixture around a simulated unit: the lid actuator and the button plunger drive the simulated GPIO
 * inputs; the photodiode and the microphone read the simulated LED and buzzer outputs. Faults of the unit
 * live here as the hardware would show them: a dead reed switch never changes level, a stuck button is held
 * pressed whatever the plunger does.
 */
import type { SimBoard } from '../../simulator/src/sim-ports.ts';
import type { Fixture } from './fixture.ts';

export interface SimFixtureFaults {
  deadLid?: boolean;
  stuckButton?: boolean;
}

export class SimFixture implements Fixture {
  readonly automatic = true;
  private buzzerCount: number;

  constructor(private readonly board: SimBoard, private readonly faults: SimFixtureFaults = {}) {
    this.buzzerCount = board.buzzer.onCount;
    if (faults.stuckButton) board.button.set(1);
  }

  async setLid(open: boolean): Promise<void> {
    if (this.faults.deadLid) return; // the magnet moves, the reed switch does not
    this.board.lid.set(open ? 1 : 0);
  }

  async setButton(pressed: boolean): Promise<void> {
    if (this.faults.stuckButton) return; // the dome stays collapsed
    this.board.button.set(pressed ? 1 : 0);
  }

  async ledLit(): Promise<boolean | undefined> {
    return this.board.led.read() === 1;
  }

  async buzzerHeard(): Promise<boolean | undefined> {
    const count = this.board.buzzer.onCount;
    const heard = count > this.buzzerCount || this.board.buzzer.read() === 1;
    this.buzzerCount = count;
    return heard;
  }

  async confirm(question: string): Promise<boolean> {
    throw new Error(`the simulated fixture senses everything; nobody to ask "${question}"`);
  }
}
