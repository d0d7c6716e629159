/**
 * What the demo keeps on disk so Ctrl-C loses nothing and a restart resumes (under <data>/demo/):
 *
 *   state.json        start instant, days, seed, fleet size, days done, one entry per run segment, and
 *                     each cap's RTC error when it stopped
 *   caps/<serial>.bin each cap's flash image when it stopped (events not yet acknowledged are in there)
 *   record.json       the simulator's own record of what the patients did (planned openings and presses as
 *                     Unix ms, per cap, with the patients and their assignment intervals), for checking the
 *                     cloud's numbers independently
 *
 * Files are written to a temporary name and renamed, so a crash mid-write leaves the previous version.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const segmentSchema = z.object({
  fromDay: z.number().min(0),
  seed: z.number().int(),
  /** Day the segment reached (undefined while running: the process died during it). */
  toDay: z.number().min(0).optional(),
});

export const demoStateSchema = z.object({
  version: z.literal(1),
  startUnixMs: z.number().int(),
  days: z.number().positive(),
  seed: z.number().int(),
  caps: z.number().int().positive(),
  daysDone: z.number().min(0),
  segments: z.array(segmentSchema),
  rtcErrorMs: z.record(z.string(), z.number().nullable()).default({}),
});

export type DemoState = z.infer<typeof demoStateSchema>;

export const recordSchema = z.object({
  version: z.literal(1),
  startUnixMs: z.number().int(),
  days: z.number(),
  /** Virtual days the record covers (plans beyond this point never happened). */
  throughDay: z.number(),
  caps: z.array(
    z.object({
      serial: z.string(),
      profile: z.string(),
      timeZone: z.string(),
      utcOffsetMin: z.number(),
      bodySystem: z.string(),
      patients: z.array(z.object({ reference: z.string(), name: z.string(), fromUnixMs: z.number(), toUnixMs: z.number().nullable() })),
      openings: z.array(z.object({ atUnixMs: z.number(), durationMs: z.number(), reason: z.string() })),
      presses: z.array(z.object({ atUnixMs: z.number(), pattern: z.string() })),
    }),
  ),
});

export type DemoRecord = z.infer<typeof recordSchema>;

export class DemoFiles {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'demo');
  }

  get statePath(): string {
    return join(this.dir, 'state.json');
  }

  get recordPath(): string {
    return join(this.dir, 'record.json');
  }

  flashPath(serial: string): string {
    return join(this.dir, 'caps', `${serial}.bin`);
  }

  async readState(): Promise<DemoState | undefined> {
    if (!existsSync(this.statePath)) return undefined;
    return demoStateSchema.parse(JSON.parse(await readFile(this.statePath, 'utf8')));
  }

  async writeState(state: DemoState): Promise<void> {
    await this.atomicWrite(this.statePath, JSON.stringify(state, null, 2));
  }

  async readRecord(): Promise<DemoRecord | undefined> {
    if (!existsSync(this.recordPath)) return undefined;
    return recordSchema.parse(JSON.parse(await readFile(this.recordPath, 'utf8')));
  }

  async writeRecord(record: DemoRecord): Promise<void> {
    await this.atomicWrite(this.recordPath, JSON.stringify(record));
  }

  async readFlash(serial: string): Promise<Uint8Array | undefined> {
    const path = this.flashPath(serial);
    return existsSync(path) ? new Uint8Array(await readFile(path)) : undefined;
  }

  async writeFlash(serial: string, bytes: Uint8Array): Promise<void> {
    await this.atomicWrite(this.flashPath(serial), bytes);
  }

  private async atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    const temp = `${path}.tmp-${process.pid}`;
    await writeFile(temp, data);
    await rename(temp, path);
  }
}
