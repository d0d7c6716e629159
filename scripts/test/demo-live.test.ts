/**
 * The demo fleet after its catch-up: the caps live on with the wall clock (a fast one here, an hour per
 * second, so the test sees the next doses without waiting half a day), their uploads keep reaching the
 * cloud, a stop in the live phase saves the caps at a fractional day, and a restart resumes from there.
 * Also the demo clinic's people and care plans, and the first alert evaluation at the catch-up. Runs the real
 * system in-process (embedded broker and PGlite) with a small fleet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCarePlan } from '../../cloud/src/clinical/care-plan-repository.ts';
import { findPatientByReference } from '../../cloud/src/repositories/patients.ts';
import { ensureOrganisation } from '../../cloud/src/repositories/organisations.ts';
import { verifyPassword } from '../../cloud/src/api/auth/passwords.ts';
import { saveDemoCarePlans } from '../demo/demo-care-plans.ts';
import { evaluateDemoClinic } from '../demo/demo-clinical.ts';
import { DEMO_ORG_SLUG } from '../demo/demo-fleet.ts';
import { DEMO_STAFF, createDemoStaff, findDemoStaff, signInLines } from '../demo/demo-staff.ts';
import { DemoFiles, type DemoRecord } from '../demo/demo-state.ts';
import { newDemoState, runDemo, seedDemoFleet, type DemoCaughtUp } from '../demo/run-demo.ts';
import { loadSystemEnv } from '../system/system-config.ts';
import { startSystem, type SystemHandle } from '../system/run-system.ts';

const DAY = 86_400_000;
const SPEED = 3600;

describe('demo fleet: live after the catch-up', () => {
  let dir: string;
  let system: SystemHandle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pillcap-demo-live-'));
    const env = loadSystemEnv({ PILLCAP_DATA_DIR: join(dir, 'pglite'), PORT: '0', EMBEDDED_MQTT_PORT: '0' });
    system = await startSystem({ env });
  });

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the clinic staff and care plans, goes live, stops mid-day and resumes', { timeout: 180_000 }, async () => {
    const { organisation } = await ensureOrganisation(system.db, DEMO_ORG_SLUG);
    const staff = await system.db.transaction((tx) => createDemoStaff(tx, organisation.id));
    expect(staff.clinician.user).toMatchObject({ name: DEMO_STAFF.clinician.name, email: DEMO_STAFF.clinician.email, role: 'clinician', npi: '1234567893' });
    expect(staff.coordinator.user).toMatchObject({ name: 'Sam Okafor', role: 'coordinator' });
    expect(staff.support?.user).toMatchObject({ name: DEMO_STAFF.support.name, role: 'support' });
    expect(staff.clinician.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(staff.clinician.password).not.toBe(staff.coordinator.password);
    const lines = signInLines(staff, 'http://localhost:8080/');
    expect(lines.join('\n')).toContain(`${DEMO_STAFF.clinician.email}  password ${staff.clinician.password}`);
    expect(lines.join('\n')).toContain(`${DEMO_STAFF.support.email}  password ${staff.support!.password}`);
    expect(lines[lines.length - 1]).toContain('http://localhost:8080/');
    expect((await findDemoStaff(system.db, organisation.id))?.coordinator.user.id).toBe(staff.coordinator.user.id);
    const { rows } = await system.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [staff.clinician.user.id]);
    expect(await verifyPassword(rows[0]!.password_hash, staff.clinician.password!)).toBe(true);

    // A fast wall clock that starts at the real now: the demo's 2 days end "now", then an hour passes per second.
    const t0 = Date.now();
    const wallClock = () => t0 + (Date.now() - t0) * SPEED;
    const state = newDemoState({ nowMs: t0, caps: 3, days: 2 });
    const fleet = await system.db.transaction((tx) => seedDemoFleet(tx, organisation.id, state, { billingPractitioner: 'Dr. Dana Reyes (NPI 1234567893)' }));
    await saveDemoCarePlans(system.db, { orgId: organisation.id, state, fleet, clinicalOwnerId: staff.clinician.user.id, coordinatorId: staff.coordinator.user.id, now: new Date(t0) });
    for (const cap of fleet) {
      const patient = (await findPatientByReference(system.db, organisation.id, cap.patients[0]!.reference))!;
      const plan = (await loadCarePlan(system.db, organisation.id, patient.id))!;
      expect(plan).toMatchObject({
        status: 'active',
        clinicalOwnerId: staff.clinician.user.id,
        coordinatorId: staff.coordinator.user.id,
        doseTimes: [...cap.scenario.patient.doseTimes].sort(),
        category: cap.bodySystem,
        goal: cap.patients[0]!.goal,
      });
      expect(plan.consent?.at.getTime()).toBe(state.startUnixMs);
      expect(plan.warnings).toEqual([]);
    }

    const files = new DemoFiles(dir);
    const quiet = { write: () => true };
    const stop = new AbortController();
    const caughtUp: { at: DemoCaughtUp; record: DemoRecord | undefined; evaluation: Awaited<ReturnType<typeof evaluateDemoClinic>> }[] = [];
    const first = await runDemo(
      {
        system,
        dataDir: dir,
        signal: stop.signal,
        out: () => {},
        progress: quiet,
        live: {
          wallClock,
          onCaughtUp: async (at) => {
            caughtUp.push({ at, record: await files.readRecord(), evaluation: await evaluateDemoClinic(system.db, new Date(wallClock())) });
            // Stop once the cloud has an event the caps recorded a good while after the catch-up.
            const catchUpEnd = new Date(state.startUnixMs + 2 * DAY + 3 * 3_600_000);
            const waitForLive = async (): Promise<void> => {
              for (;;) {
                const live = await system.db.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE occurred_at > $1', [catchUpEnd]);
                if (Number(live.rows[0]!.n) > 0) return stop.abort();
                await new Promise((r) => setTimeout(r, 200));
              }
            };
            void waitForLive();
          },
        },
      },
      state,
    );
    expect(caughtUp).toHaveLength(1);
    expect(caughtUp[0]!.at.daysDone).toBe(2);
    expect(caughtUp[0]!.record?.throughDay).toBe(2);
    expect(caughtUp[0]!.evaluation.alerts.evaluated).toBe(3);
    expect(caughtUp[0]!.evaluation.workItems).toBeGreaterThan(0);
    if (first.kind !== 'stopped') throw new Error(`expected a stopped demo, got ${JSON.stringify(first)}`);
    expect(first.daysDone).toBeGreaterThan(2.1);

    const saved = (await files.readState())!;
    expect(saved.daysDone).toBe(first.daysDone);
    expect(saved.segments).toEqual([{ fromDay: 0, seed: state.seed, toDay: first.daysDone }]);
    expect((await files.readRecord())!.throughDay).toBe(first.daysDone);

    // Restart: the caps boot from their flash, replay the hours they were off, go live.
    const again = new AbortController();
    const resumedAt: number[] = [];
    const second = await runDemo(
      { system, dataDir: dir, signal: again.signal, out: () => {}, progress: quiet, live: { wallClock, onCaughtUp: (c) => void (resumedAt.push(c.daysDone), again.abort()) } },
      saved,
    );
    expect(resumedAt).toHaveLength(1);
    if (second.kind !== 'stopped') throw new Error(`expected a stopped demo, got ${JSON.stringify(second)}`);
    expect(second.daysDone).toBeGreaterThanOrEqual(first.daysDone);

    // Nothing lost or doubled over the live stop: every cap's events are contiguous from 1.
    const { rows: counts } = await system.db.query<{ serial: string; n: string; max_seq: string }>(
      `SELECT d.serial, count(e.seq) AS n, max(e.seq) AS max_seq FROM devices d JOIN events e ON e.device_id = d.id GROUP BY d.serial ORDER BY d.serial`,
    );
    expect(counts).toHaveLength(3);
    for (const row of counts) expect({ serial: row.serial, n: Number(row.n) }).toEqual({ serial: row.serial, n: Number(row.max_seq) });
  });
});
