/** `pillcap <command> --help` prints the command's usage on stdout and exits 0, without opening a database. */
import { describe, expect, it } from 'vitest';
import { runWith as billing } from '../../src/cli/billing.ts';
import { runWith as devices } from '../../src/cli/devices.ts';
import { runWith as patients } from '../../src/cli/patients.ts';
import { runWith as support } from '../../src/cli/support.ts';
import { runWith as token } from '../../src/cli/token.ts';
import type { CliIo } from '../../src/cli/cli-io.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
  return { io, out, err };
}

describe('--help', () => {
  const commands = [
    ['token', token, /pillcap token create/],
    ['support', support, /pillcap support diag/],
    ['billing', billing, /pillcap billing export/],
    ['patients', patients, /pillcap patients enrol/],
    ['devices', devices, /pillcap devices register/],
  ] as const;
  for (const [name, run, usage] of commands) {
    it(`pillcap ${name} --help and -h print usage and exit 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const c = capture();
        expect(await run([flag], c.io)).toBe(0);
        expect(c.out.join('')).toMatch(usage);
        expect(c.err.join('')).toBe('');
      }
    });
  }

  it('an unknown action is still a usage error (exit 2)', async () => {
    const c = capture();
    expect(await support(['diagnose'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/unknown action "diagnose"/);
  });
});
