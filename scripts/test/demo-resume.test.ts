/**
 * The demo stops part-way (as on Ctrl-C) and resumes from its saved flash: every event every cap recorded
 * reaches the cloud exactly once (contiguous sequence numbers, all acknowledged), and every lid opening the
 * simulator's record says happened is in the database. Runs the real system in-process (embedded broker and
 * PGlite) with a small fleet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventKind } from '../../protocol/src/messages.ts';
import { ensureOrganisation } from '../../cloud/src/repositories/organisations.ts';
import { DEMO_ORG_SLUG } from '../demo/demo-fleet.ts';
import { DemoFiles } from '../demo/demo-state.ts';
import { newDemoState, runDemo, seedDemoFleet } from '../demo/run-demo.ts';
import { loadSystemEnv } from '../system/system-config.ts';
import { startSystem, type SystemHandle } from '../system/run-system.ts';

describe('demo fleet: stop and resume', () => {
  let dir: string;
  let system: SystemHandle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pillcap-demo-'));
    const env = loadSystemEnv({ PILLCAP_DATA_DIR: join(dir, 'pglite'), PORT: '0', EMBEDDED_MQTT_PORT: '0' });
    system = await startSystem({ env });
  });

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing across a stop at a day boundary and a restart from flash', { timeout: 120_000 }, async () => {
    const { organisation } = await ensureOrganisation(system.db, DEMO_ORG_SLUG);
    const state = newDemoState({ nowMs: Date.now(), caps: 3, days: 4 });
    await system.db.transaction((tx) => seedDemoFleet(tx, organisation.id, state));
    const quiet = { write: () => true };

    const stop = new AbortController();
    const first = await runDemo({ system, dataDir: dir, signal: stop.signal, out: () => {}, progress: quiet, onDay: (day) => day >= 2 && stop.abort() }, state);
    expect(first).toMatchObject({ kind: 'stopped', daysDone: 2, days: 4 });

    // The cloud pushes each cap its patient's Config (retained on the down topic, so it comes again after
    // every SUBSCRIBE); the caps must still see their Acks and never upload a batch twice in normal coverage.
    const uplinks = await system.db.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM uplinks GROUP BY status`);
    expect(uplinks.rows.find((r) => r.status === 'duplicate')?.n ?? '0').toBe('0');

    const files = new DemoFiles(dir);
    const saved = (await files.readState())!;
    expect(saved).toMatchObject({ daysDone: 2, segments: [{ fromDay: 0, toDay: 2 }] });
    expect((await files.readRecord())!.throughDay).toBe(2);

    const second = await runDemo({ system, dataDir: dir, signal: new AbortController().signal, out: () => {}, progress: quiet }, saved);
    expect(second).toMatchObject({ kind: 'finished', daysDone: 4 });
    const again = await runDemo({ system, dataDir: dir, signal: new AbortController().signal, out: () => {}, progress: quiet }, (await files.readState())!);
    expect(again.kind).toBe('complete');

    const record = (await files.readRecord())!;
    expect(record.throughDay).toBe(4);
    const { rows } = await system.db.query<{ serial: string; n: string; max_seq: string | null; ack_seq: string; last_at: Date }>(
      `SELECT d.serial, count(e.seq) AS n, max(e.seq) AS max_seq, d.ack_seq, max(e.occurred_at) AS last_at
         FROM devices d LEFT JOIN events e ON e.device_id = d.id GROUP BY d.serial, d.ack_seq ORDER BY d.serial`,
    );
    expect(rows.map((r) => r.serial)).toEqual(record.caps.map((c) => c.serial));
    for (const row of rows) {
      const cap = record.caps.find((c) => c.serial === row.serial)!;
      expect(Number(row.n)).toBeGreaterThan(0);
      // Contiguous from 1 and all acknowledged: nothing lost, nothing twice.
      expect({ serial: row.serial, n: Number(row.n), ack: Number(row.ack_seq) }).toEqual({ serial: row.serial, n: Number(row.max_seq), ack: Number(row.max_seq) });
      // Every opening the record has up to the cap's last upload is in the cloud (the cap uploads its log in
      // order; what it recorded after its last upload is still in its flash).
      const cutoff = new Date(row.last_at).getTime() - 60_000;
      const inCloud = await system.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM events e JOIN devices d ON d.id = e.device_id WHERE d.serial = $1 AND e.kind = $2 AND e.occurred_at <= $3`,
        [row.serial, EventKind.LidOpened, new Date(cutoff)],
      );
      const planned = cap.openings.filter((o) => o.atUnixMs <= cutoff).length;
      expect(planned).toBeGreaterThan(0);
      expect({ serial: row.serial, lidOpenings: Number(inCloud.rows[0]!.n) }).toEqual({ serial: row.serial, lidOpenings: planned });
    }
  });
});
