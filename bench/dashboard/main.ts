/**
 * Clinic workspace benchmark (issue 14: "bench/dashboard seeds 2,000 patients and prints time to first
 * render of the work queue and of a patient page in headless Chromium (goal: both under 1 s on this machine)
 * and the JavaScript shipped (goal: under 150 KiB gzip)").
 *
 * Seeds the billing bench's shape for 2,000 patients (90 days of openings, weekly symptom reports, daily
 * heartbeats, four time zones), moved so that its last day is today, care plans for everyone (one clinician,
 * ten coordinators), monitored days, one alert evaluation and the work queue. Serves the real app on a loopback
 * port, signs a coordinator in with Debian's Chromium (playwright-core), then per page, 7 loads each after one
 * warm-up (the browser's cache warm, as a coordinator's day is):
 *   - work queue: navigation start → the list of patients by urgency is on screen;
 *   - patient page: navigation start → the patient's name is on screen (first render), and → every panel has
 *     left its loading state (complete).
 * Also the bundle: app.js and app.css bytes, raw and gzip, and its largest inputs.
 * Real PostgreSQL when DATABASE_URL is set; PGlite otherwise. BENCH_DASHBOARD_PATIENTS sets the size.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { buildApp } from '../../cloud/src/api/app.ts';
import { createStaffUser } from '../../cloud/src/api/auth/staff-users.ts';
import { recomputePatientsInBatches } from '../../cloud/src/billing/recompute-patient.ts';
import { evaluateAlerts } from '../../cloud/src/clinical/evaluate-alerts.ts';
import { refreshWorkItems } from '../../cloud/src/clinical/work-queue-repository.ts';
import { insertUser } from '../../cloud/src/repositories/users.ts';
import { createTestDatabase } from '../../cloud/test/helpers/test-database.ts';
import { DASHBOARD_DIST, buildDashboard } from '../../cloud/dashboard/build/build-dashboard.ts';
import { seedBillingBench } from '../billing/main.ts';

const CHROMIUM = process.env.PILLCAP_CHROMIUM ?? '/usr/bin/chromium';
const SEED_END = new Date('2026-04-01T12:00:00Z');
const COORDINATORS = 10;
const RUNS = 7;
const PASSWORD = 'bench coordinator password';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (values: number[]): string => `median ${median(values).toFixed(0)} ms, min ${Math.min(...values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;

async function bundleFigures(): Promise<void> {
  const build = await buildDashboard();
  const js = await readFile(join(DASHBOARD_DIST, 'app.js'));
  const css = await readFile(join(DASHBOARD_DIST, 'app.css'));
  const jsGzip = gzipSync(js, { level: 9 }).byteLength;
  console.log(`  JavaScript shipped: app.js ${kib(js.byteLength)}, ${kib(jsGzip)} gzip; target < 150 KiB gzip: ${jsGzip < 150 * 1024 ? 'met' : 'NOT met'}`);
  console.log(`  CSS: app.css ${kib(css.byteLength)}, ${kib(gzipSync(css, { level: 9 }).byteLength)} gzip (uPlot's stylesheet included)`);
  const top = build.inputs.slice(0, 6).map((i) => `${i.path.replace(/^.*node_modules\//, '')} ${kib(i.bytes)}`);
  console.log(`  largest inputs (minified bytes in app.js): ${top.join('; ')}`);
}

export async function runBench(): Promise<void> {
  await bundleFigures();
  if (!existsSync(CHROMIUM)) {
    console.log(`  page timings skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);
    return;
  }
  const count = Number(process.env.BENCH_DASHBOARD_PATIENTS ?? 2_000);
  const db = await createTestDatabase();
  try {
    const t0 = performance.now();
    const { orgId } = await seedBillingBench(db, count);
    // Move the seeded 90 days so they end today (whole days, so local dates keep their weekday pattern).
    const shiftDays = Math.floor((Date.now() - SEED_END.getTime()) / 86_400_000);
    const shift = `${shiftDays} days`;
    await db.query(`UPDATE events SET occurred_at = occurred_at + $1::interval`, [shift]);
    await db.query(`UPDATE heartbeats SET sampled_at = sampled_at + $1::interval`, [shift]);
    await db.query(`UPDATE device_assignments SET assigned_at = assigned_at + $1::interval`, [shift]);
    await db.query(`UPDATE patients SET monitoring_start = monitoring_start + $1::int, period_anchor = period_anchor + $1::int`, [shiftDays]);
    await db.query(`UPDATE devices SET last_seen_at = now() - interval '1 hour' WHERE org_id = $1`, [orgId]);
    const clinician = await insertUser(db, { orgId, name: 'Dr Bench', email: 'dr@bench.test', role: 'clinician', npi: '1234567893' });
    const coordinators: string[] = [];
    const coordinator = await createStaffUser(db, { orgId, name: 'Casey Coordinator', email: 'casey@bench.test', role: 'coordinator', password: PASSWORD });
    coordinators.push(coordinator.id);
    for (let i = 1; i < COORDINATORS; i++) coordinators.push((await insertUser(db, { orgId, name: `Coordinator ${i}`, email: `c${i}@bench.test`, role: 'coordinator' })).id);
    await db.query(
      `INSERT INTO care_plans (patient_id, org_id, monitors, doses_per_day, dose_minutes, tolerance_min, category, clinical_owner_id, coordinator_id, consent_at, consent_by, consent_method, consent_recorded_by, goal)
       SELECT p.id, p.org_id, 'both', 2, '{720,1380}', 90, p.body_system, $2, ($3::uuid[])[1 + (row_number() OVER (ORDER BY p.id))::int % $4], now() - interval '90 days', 'patient', 'verbal', $2, 'keep my breathing steady'
         FROM patients p WHERE p.org_id = $1`,
      [orgId, clinician.id, coordinators, COORDINATORS],
    );
    const ids = (await db.query<{ id: string }>('SELECT id FROM patients WHERE org_id = $1 ORDER BY id', [orgId])).rows.map((r) => r.id);
    const now = new Date();
    await recomputePatientsInBatches(db, ids, { asOf: now, batchSize: 2_000, concurrency: db.kind === 'pg' ? 2 : 1 });
    await evaluateAlerts(db, { now });
    await refreshWorkItems(db, { now });
    const mine = await db.query<{ n: string }>('SELECT count(*) AS n FROM care_plans WHERE coordinator_id = $1', [coordinator.id]);
    console.log(
      `${db.kind === 'pg' ? 'pg (DATABASE_URL)' : 'PGlite'}: ${count} patients x 90 days ending today, ${mine.rows[0]!.n} of them the signed-in coordinator's; seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s (not timed); ${os.cpus().length} CPUs`,
    );

    const app = await buildApp({ db, downlink: { publish: async () => undefined }, logger: false, rateLimit: { max: false } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://localhost:${(app.server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(base);
      await page.getByLabel('Email').fill('casey@bench.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('list', { name: 'Patients by urgency' }).waitFor({ timeout: 60_000 });

      const sinceNavigation = () => page.evaluate(() => performance.now());
      const queue: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        await page.goto(`${base}/?assignee=me`);
        await page.getByRole('list', { name: 'Patients by urgency' }).waitFor({ timeout: 60_000 });
        if (run > 0) queue.push(await sinceNavigation());
      }
      const rows = await page.locator('.work-list > li').count();
      console.log(`  work queue ("Mine", ${rows} patients shown): first render ${ms(queue)}; target < 1 s: ${median(queue) < 1000 ? 'met' : 'NOT met'}`);

      const firstRender: number[] = [];
      const complete: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        const patientId = ids[(run * 277) % ids.length]!;
        const name = (await db.query<{ name: string }>('SELECT name FROM patients WHERE id = $1', [patientId])).rows[0]!.name;
        await page.goto(`${base}/patients/${patientId}`);
        await page.locator('#summary').getByText(name, { exact: false }).first().waitFor({ timeout: 60_000 });
        const rendered = await sinceNavigation();
        await page.waitForFunction(() => document.querySelector('main [role="status"].loading') === null && document.querySelector('#data canvas') !== null, undefined, { timeout: 60_000 });
        if (run > 0) {
          firstRender.push(rendered);
          complete.push(await sinceNavigation());
        }
      }
      console.log(`  patient page: first render ${ms(firstRender)}; target < 1 s: ${median(firstRender) < 1000 ? 'met' : 'NOT met'}`);
      console.log(`  patient page, every panel loaded (chart drawn): ${ms(complete)}`);
    } finally {
      await browser.close();
      await app.close();
    }
  } finally {
    await db.close();
  }
}
