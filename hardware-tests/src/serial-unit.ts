/**
 * A real unit on a serial port. Flashing runs the runtime's own tool (see docs/manufacturing.md):
 *   moddable: mcconfig -m -p <platform> firmware/ports/moddable/manifest.json            (the image)
 *             && mcrun -m -p <platform> firmware/ports/moddable/manifest-factory.json  (the factory mod)
 *   espruino: espruino -p <port> -b 115200 -w <bundle>                                 (npm package `espruino`)
 * The command is a template from PILLCAP_FLASH_COMMAND with {port}, {bundle}, {mod} (the factory mod beside
 * the bundle) and {platform} placeholders, so a line can use its own tool without a code change. Without a
 * fixture the operator acts and confirms.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { ConsoleLink } from './console-link.ts';
import { expectedImageHash, factoryModPathFor } from './image-hash.ts';
import { OperatorFixture, type Fixture } from './fixture.ts';
import { StreamLineTransport } from './stream-line-transport.ts';
import type { FlashResult, UnitUnderTest } from './unit-under-test.ts';

export const DEFAULT_FLASH_COMMANDS = {
  moddable: 'mcconfig -m -p {platform} firmware/ports/moddable/manifest.json && mcrun -m -p {platform} firmware/ports/moddable/manifest-factory.json',
  espruino: 'espruino -p {port} -b 115200 -w {bundle}',
} as const;

export class SerialUnit implements UnitUnderTest {
  readonly fixture: Fixture;
  private link: ConsoleLink | undefined;

  constructor(
    readonly label: string,
    private readonly options: { baudRate?: number; flashCommand?: string; platform?: string; fixture?: Fixture } = {},
  ) {
    this.fixture = options.fixture ?? new OperatorFixture();
  }

  async flash(bundlePath: string): Promise<FlashResult> {
    const template = this.options.flashCommand ?? process.env.PILLCAP_FLASH_COMMAND ?? DEFAULT_FLASH_COMMANDS.espruino;
    const command = template
      .replaceAll('{port}', this.label)
      .replaceAll('{bundle}', bundlePath)
      .replaceAll('{mod}', factoryModPathFor(bundlePath))
      .replaceAll('{platform}', this.options.platform ?? process.env.PILLCAP_PLATFORM ?? 'nrf52/moddable_four');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, { shell: true, stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`flash tool failed (exit ${code}): ${command}`))));
    });
    const port = new SerialPort({ path: this.label, baudRate: this.options.baudRate ?? 115200 });
    await new Promise<void>((resolve, reject) => port.once('open', () => resolve()).once('error', reject));
    this.link = new ConsoleLink(new StreamLineTransport(port));
    const bundle = readFileSync(bundlePath);
    return { expectedImageHash: expectedImageHash(bundlePath), bundleBytes: bundle.length };
  }

  console(): ConsoleLink {
    if (!this.link) throw new Error(`${this.label}: not flashed/opened yet`);
    return this.link;
  }

  async close(): Promise<void> {
    await this.link?.close();
  }
}
