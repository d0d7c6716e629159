import { describe, expect, it, vi } from 'vitest';
import { commands, main } from '../cli/main.ts';

describe('pillcap command line', () => {
  it('lists every command, and each one answers --help with its usage and exit code 0', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['--help'])).toBe(0);
      const listing = out.join('');
      for (const name of Object.keys(commands)) expect(listing).toContain(`  ${name}`);
      for (const name of Object.keys(commands)) {
        out.length = 0;
        expect(await main([name, '--help']), `${name} --help`).toBe(0);
        expect(out.join(''), `${name} --help`).toMatch(/usage/i);
      }
    } finally {
      write.mockRestore();
    }
  }, 60_000);

  it('refuses an unknown command with exit code 2', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['frobnicate'])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });
});
