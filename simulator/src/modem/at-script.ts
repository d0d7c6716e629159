/**
 * Scripted AT client (tests, benchmarks, the reference uplink client): writes command lines to the emulator's UART and runs virtual time
 * until the final result (or an awaited URC) appears. Received bytes are kept as latin1 text so binary
 * payloads survive.
 */
import { VirtualTime } from '../virtual-time.ts';
import { Bg95Emulator, type Bg95EmulatorOptions } from './bg95-emulator.ts';

const FINAL = /\r\n(OK|ERROR|\+CME ERROR: [^\r]*)\r\n/;

export class AtScript {
  readonly time: VirtualTime;
  readonly modem: Bg95Emulator;
  text = '';
  private cursor = 0;

  constructor(options: Omit<Bg95EmulatorOptions, 'time'> & { time?: VirtualTime }) {
    this.time = options.time ?? new VirtualTime();
    this.modem = new Bg95Emulator({ ...options, time: this.time });
    this.modem.onOutput((bytes) => {
      this.text += Buffer.from(bytes).toString('latin1');
    });
  }

  write(text: string | Uint8Array): void {
    this.modem.input(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  }

  /** Run virtual time event by event until `done()` or `maxMs` of virtual time passed. */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    const deadline = this.time.now() + maxMs;
    for (;;) {
      if (done()) return true;
      const next = this.time.nextTime();
      if (next === undefined || next > deadline) {
        await this.time.run(deadline);
        return done();
      }
      await this.time.run(next);
    }
  }

  async advance(ms: number): Promise<void> {
    await this.time.run(this.time.now() + ms);
  }

  /** Power on with PWRKEY and wait for APP RDY. */
  async powerOn(): Promise<void> {
    this.modem.pulsePowerKey(600);
    const ok = await this.runUntil(() => this.text.includes('APP RDY', this.cursor), 20_000);
    if (!ok) throw new Error('no APP RDY');
    this.cursor = this.text.length;
  }

  /** Send a command; resolve with the information lines and the final result. */
  async cmd(line: string, maxMs = 30_000): Promise<{ lines: string[]; final: string; raw: string }> {
    const start = this.text.length;
    this.write(line + '\r');
    const ok = await this.runUntil(() => FINAL.test(this.text.slice(start)), maxMs);
    const raw = this.text.slice(start);
    if (!ok) throw new Error(`no final result for ${line}; got ${JSON.stringify(raw)}`);
    const m = FINAL.exec(raw)!;
    const body = raw.slice(0, m.index);
    this.cursor = start + m.index + m[0].length;
    return { lines: body.split('\r\n').filter((l) => l !== '' && l !== line), final: m[1], raw };
  }

  /** Send a command that prompts ("> " or CONNECT), then the raw data; resolve with the final result. */
  async cmdWithData(line: string, data: Uint8Array, prompt: string, maxMs = 30_000): Promise<{ lines: string[]; final: string }> {
    const start = this.text.length;
    this.write(line + '\r');
    const prompted = await this.runUntil(() => this.text.slice(start).includes(prompt), maxMs);
    if (!prompted) throw new Error(`no prompt for ${line}: ${JSON.stringify(this.text.slice(start))}`);
    const dataStart = this.text.length;
    this.write(data);
    const ok = await this.runUntil(() => FINAL.test(this.text.slice(dataStart)), maxMs);
    if (!ok) throw new Error(`no final result after data for ${line}`);
    const raw = this.text.slice(dataStart);
    const m = FINAL.exec(raw)!;
    this.cursor = dataStart + m.index + m[0].length;
    return { lines: raw.slice(0, m.index).split('\r\n').filter((l) => l !== ''), final: m[1] };
  }

  /** Wait for a URC line starting with `prefix` after the last consumed output; returns the whole line. */
  async urc(prefix: string, maxMs = 120_000): Promise<string> {
    let found: string | undefined;
    const ok = await this.runUntil(() => {
      const rest = this.text.slice(this.cursor);
      const at = rest.indexOf('\r\n' + prefix);
      if (at < 0) return false;
      const end = rest.indexOf('\r\n', at + 2);
      if (end < 0) return false;
      found = rest.slice(at + 2, end);
      this.cursor += end;
      return true;
    }, maxMs);
    if (!ok || found === undefined) throw new Error(`no URC ${prefix} within ${maxMs} ms; tail ${JSON.stringify(this.text.slice(this.cursor).slice(-300))}`);
    return found;
  }

  /** All complete lines received so far. */
  lines(): string[] {
    return this.text.split('\r\n').filter((l) => l !== '');
  }
}
