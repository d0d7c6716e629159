import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../src/db/data-dir-lock.ts';
import { openDatabase } from '../../src/db/open-database.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pillcap-lock-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('one process per embedded data directory', () => {
  it('refuses a second holder while the first is alive, and frees the directory on release', () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir)();
  });

  it('names the live owner in the error', () => {
    const dir = tempDir();
    // pid 1 always exists (init), so this lock is held by someone else
    writeFileSync(join(dir, LOCK_FILE), '1\n');
    const error = (() => {
      try {
        lockDataDir(dir);
      } catch (e) {
        return e as DataDirInUseError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect(error?.pid).toBe(1);
    expect(error?.message).toMatch(/in use by process 1/);
  });

  it('takes over a lock whose owner is gone (a crash or kill -9)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), '2147483646\n'); // no such process
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('makes a second PGlite open of the same directory fail instead of losing its writes', async () => {
    const dir = tempDir();
    const first = await openDatabase({ dataDir: dir });
    try {
      await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DataDirInUseError);
      await first.query('CREATE TABLE kept (x int)');
      await first.query('INSERT INTO kept VALUES (42)');
    } finally {
      await first.close();
    }
    const second = await openDatabase({ dataDir: dir });
    try {
      expect((await second.query<{ x: number }>('SELECT x FROM kept')).rows).toEqual([{ x: 42 }]);
    } finally {
      await second.close();
    }
  });
});
