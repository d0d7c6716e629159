/**
 * The clinical engine as `pillcap start` and `pillcap clinical` run it: a tick that evaluates a patient also
 * refreshes that patient's work queue, so a "needs help" press shows as an open alert item in the worklist
 * after one drain, and the item closes on the tick after the alert is cleared. Also the CLI around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventKind, SymptomPattern } from '../../../protocol/src/messages.ts';
import { startClinicalEngine } from '../../src/clinical/clinical-engine.ts';
import { enqueueAlertEvaluation } from '../../src/clinical/alert-queue.ts';
import { runWith as clinicalCli } from '../../src/cli/clinical.ts';
import { seedEvents } from '../api/fixture.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { alertsOf, createClinic, monitoredPatient, type Clinic } from './clinical-world.ts';

let db: TestDatabase;
let clinic: Clinic;

beforeAll(async () => {
  db = await createTestDatabase();
  clinic = await createClinic(db);
}, 60_000);
afterAll(async () => db?.close());

const NOW = new Date('2026-10-20T15:00:00Z');

async function workItem(patientId: string): Promise<{ open_items: number; items: { kind: string; status: string; title: string; severity?: string }[]; coordinator_id: string | null } | undefined> {
  const { rows } = await db.query<{ open_items: number; items: { kind: string; status: string; title: string; severity?: string }[]; coordinator_id: string | null }>(
    "SELECT open_items, items, coordinator_id FROM work_items WHERE patient_id = $1 AND month = '2026-10'",
    [patientId],
  );
  return rows[0];
}

describe('clinical engine', () => {
  it('refreshes the work queue of the patients each drain evaluated', async () => {
    const p = await monitoredPatient(clinic, { start: '2026-10-01' });
    await seedEvents(db, p.serial, p.deviceId, p.patientId, [{ seq: 1, kind: EventKind.Symptom, args: [SymptomPattern.Long], at: new Date('2026-10-20T13:00:00Z') }]);
    await db.query('UPDATE devices SET last_seen_at = $2 WHERE id = $1', [p.deviceId, new Date('2026-10-20T14:50:00Z')]);
    await enqueueAlertEvaluation(db, [p.patientId]);
    const engine = startClinicalEngine({ db, now: () => NOW, queueIntervalMs: 3_600_000, sweepIntervalMs: 3_600_000 });
    try {
      expect(await workItem(p.patientId)).toBeUndefined();
      const r = await engine.drainOnce();
      expect(r.evaluated).toBe(1);
      const needsHelp = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'needs_help' && a.status === 'open');
      expect(needsHelp).toHaveLength(1);
      const item = await workItem(p.patientId);
      expect(item?.coordinator_id).toBe(clinic.coordinator);
      const alertItem = item!.items.find((i) => i.kind === 'alerts');
      expect(alertItem?.status).toBe('open');

      // the press was a mistake: dismissing it and sweeping closes the queue item
      await db.query("UPDATE alerts SET status = 'dismissed', closed_at = $2, closed_by = $3, dismiss_reason = 'pressed by mistake' WHERE id = $1", [needsHelp[0]!.id, NOW, clinic.coordinator]);
      await engine.sweepOnce();
      const after = await workItem(p.patientId);
      const alertsAfter = after!.items.find((i) => i.kind === 'alerts')!;
      expect(alertItem).toMatchObject({ severity: 'urgent' });
      expect((alertItem as { title: string }).title).toContain('1 urgent');
      // the patient's other conditions (no openings since the 1st, missed doses) stay; the urgent one is gone
      expect(alertsAfter.severity).toBe('high');
      expect(alertsAfter.title).not.toContain('urgent');
    } finally {
      await engine.stop();
    }
  });
});

describe('pillcap clinical', () => {
  const io = () => {
    const captured = { out: '', err: '' };
    return Object.assign(captured, { db, stdout: (t: string) => void (captured.out += t), stderr: (t: string) => void (captured.err += t) });
  };

  it('evaluate runs one sweep and prints its figures', async () => {
    const out = io();
    expect(await clinicalCli(['evaluate'], out)).toBe(0);
    const figures = JSON.parse(out.out.slice(out.out.indexOf('{'))) as { evaluated: number };
    expect(figures.evaluated).toBeGreaterThanOrEqual(1);
  });

  it('run keeps going until stopped', async () => {
    const out = io();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const running = clinicalCli(['run'], out, stopped);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(out.err).toContain('clinical engine running');
    stop();
    expect(await running).toBe(0);
  });

  it('explains bad usage with exit code 2', async () => {
    const bad = io();
    expect(await clinicalCli(['frobnicate'], bad)).toBe(2);
    expect(bad.err).toContain('unknown subcommand: frobnicate');
    expect(await clinicalCli([], io())).toBe(2);
    process.env.CLINICAL_SWEEP_INTERVAL_MS = 'soon';
    try {
      const env = io();
      expect(await clinicalCli(['run'], env)).toBe(2);
      expect(env.err).toContain('CLINICAL_SWEEP_INTERVAL_MS must be a whole number');
    } finally {
      delete process.env.CLINICAL_SWEEP_INTERVAL_MS;
    }
  });
});
