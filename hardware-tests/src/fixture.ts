/**
 * The test fixture around a unit on the line: actuators for the lid and the button, sensors for the LED
 * and buzzer. A station without a fixture falls back to an operator who is asked to act and to confirm.
 */
import { createInterface } from 'node:readline/promises';

export interface Fixture {
  readonly automatic: boolean;
  setLid(open: boolean): Promise<void>;
  setButton(pressed: boolean): Promise<void>;
  /** LED level as sensed by the fixture's photodiode, or undefined when it cannot sense it. */
  ledLit(): Promise<boolean | undefined>;
  /** Buzzer as sensed by the fixture's microphone since the last call, or undefined when it cannot. */
  buzzerHeard(): Promise<boolean | undefined>;
  /** Asks the operator a yes/no question (only when there is no sensor). */
  confirm(question: string): Promise<boolean>;
}

/** No fixture: the operator opens the lid, presses the button and confirms what they see and hear. */
export class OperatorFixture implements Fixture {
  readonly automatic = false;

  constructor(private readonly input: NodeJS.ReadableStream = process.stdin, private readonly output: NodeJS.WritableStream = process.stdout) {}

  async setLid(open: boolean): Promise<void> {
    await this.ask(open ? 'Open the lid, then press Enter' : 'Close the lid, then press Enter');
  }

  async setButton(pressed: boolean): Promise<void> {
    await this.ask(pressed ? 'Press and hold the button, then press Enter' : 'Release the button, then press Enter');
  }

  async ledLit(): Promise<boolean | undefined> {
    return undefined;
  }

  async buzzerHeard(): Promise<boolean | undefined> {
    return undefined;
  }

  async confirm(question: string): Promise<boolean> {
    const answer = await this.ask(`${question} [y/n]`);
    return /^y(es)?$/i.test(answer.trim());
  }

  private async ask(prompt: string): Promise<string> {
    const rl = createInterface({ input: this.input, output: this.output });
    try {
      return await rl.question(`${prompt} `);
    } finally {
      rl.close();
    }
  }
}
