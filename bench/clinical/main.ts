/**
 * Clinical engine benchmark (issue 13: "alert evaluation and the work queue for 10,000 patients x 90 days:
 * the full scheduled evaluation under 10 s and one patient's on-ingest evaluation under 5 ms on this
 * machine's PostgreSQL, /v1/worklist p99 under 100 ms").
 *
 * Seeds the billing bench's shape (10,000 patients x 90 days: about 2 openings a day on 80% of days, a weekly
 * symptom report, daily heartbeats, four time zones) in a throw-away database, builds the monitored days, and
 * gives every patient a care plan (one clinician, ten coordinators). To make the rules fire, 1% of patients
 * press "needs help" on the last day, 2% go silent for the last 4 days, 3% stop opening the lid 10 days
 * before the end. Then, per phase: wall time, Node CPU and PostgreSQL backend CPU:
 *   - the full scheduled evaluation (every patient), first with no alerts, then again with nothing changed;
 *   - one patient's on-ingest evaluation (what the scheduler runs per queued patient), 300 random patients;
 *   - the work queue refresh for every patient, then one patient's refresh;
 *   - GET /v1/worklist through the real app (app.inject, a coordinator's personal token): first pages, "mine",
 *     and deep cursor pages, 300 requests; p50/p95/p99.
 * Real PostgreSQL when DATABASE_URL is set (default 10,000 patients); PGlite otherwise (default 1,000,
 * extrapolated linearly). BENCH_CLINICAL_PATIENTS sets the size.
 */
import os from 'node:os';
import { buildApp } from '../../cloud/src/api/app.ts';
import { issueToken } from '../../cloud/src/api/auth/tokens.ts';
import { recomputePatientsInBatches } from '../../cloud/src/billing/recompute-patient.ts';
import { evaluateAlerts } from '../../cloud/src/clinical/evaluate-alerts.ts';
import { refreshWorkItems } from '../../cloud/src/clinical/work-queue-repository.ts';
import { insertUser } from '../../cloud/src/repositories/users.ts';
import { createTestDatabase } from '../../cloud/test/helpers/test-database.ts';
import { measure, type Measured } from '../measure.ts';
import { seedBillingBench } from '../billing/main.ts';

const NOW = new Date('2026-04-01T12:00:00Z');
const COORDINATORS = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function describe(m: Measured): string {
  return `${(m.wallMs / 1000).toFixed(2)} s wall; Node CPU ${(m.nodeCpuMs / 1000).toFixed(1)} s${m.pgCpuMs === null ? '' : `, PostgreSQL CPU ${(m.pgCpuMs / 1000).toFixed(1)} s`}; load ${m.load}`;
}

function latencies(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms (${samples.length} runs)`;
}

export async function runBench(): Promise<void> {
  const real = !!process.env.DATABASE_URL;
  const count = Number(process.env.BENCH_CLINICAL_PATIENTS ?? (real ? 10_000 : 1_000));
  const db = await createTestDatabase();
  try {
    const t0 = performance.now();
    const { orgId } = await seedBillingBench(db, count);
    const ids = (await db.query<{ id: string }>('SELECT id FROM patients WHERE org_id = $1 ORDER BY id', [orgId])).rows.map((r) => r.id);
    const clinician = await insertUser(db, { orgId, name: 'Dr Bench', email: 'dr@bench.test', role: 'clinician', npi: '1234567893' });
    const coordinators: string[] = [];
    for (let i = 0; i < COORDINATORS; i++) coordinators.push((await insertUser(db, { orgId, name: `Coordinator ${i}`, email: `c${i}@bench.test`, role: 'coordinator' })).id);
    await db.query(
      `INSERT INTO care_plans (patient_id, org_id, monitors, doses_per_day, dose_minutes, tolerance_min, category, clinical_owner_id, coordinator_id, consent_at, consent_by, consent_method, consent_recorded_by, goal)
       SELECT p.id, p.org_id, 'both', 2, '{720,1380}', 90, p.body_system, $2, ($3::uuid[])[1 + (row_number() OVER (ORDER BY p.id))::int % $4], '2025-12-30T15:00:00Z', 'patient', 'verbal', $2, 'keep my breathing steady'
         FROM patients p WHERE p.org_id = $1`,
      [orgId, clinician.id, coordinators, COORDINATORS],
    );
    // conditions: needs help (1%), silence (2%), no openings for the last 10 days (3%)
    await db.query(
      `INSERT INTO events (device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at)
       SELECT a.device_id, 100000, 1, 99999999, 2, '{3}', 'self_report', '2026-03-31T20:00:00Z', 'device_clock', a.patient_id, (SELECT min(id) FROM uplinks), now()
         FROM device_assignments a WHERE a.org_id = $1 AND abs(hashtext(a.patient_id::text)) % 100 = 0`,
      [orgId],
    );
    await db.query(
      `DELETE FROM heartbeats h USING device_assignments a
        WHERE h.device_id = a.device_id AND a.org_id = $1 AND abs(hashtext(a.patient_id::text)) % 100 BETWEEN 1 AND 2 AND h.sampled_at > '2026-03-28T00:00:00Z'`,
      [orgId],
    );
    await db.query(
      `DELETE FROM events e USING device_assignments a
        WHERE e.device_id = a.device_id AND a.org_id = $1 AND abs(hashtext(a.patient_id::text)) % 100 BETWEEN 1 AND 5 AND e.occurred_at > '2026-03-22T00:00:00Z' AND e.kind = 1`,
      [orgId],
    );
    // the cap's last contact: an hour before "now", except the silent ones (their last heartbeat)
    await db.query(
      `UPDATE devices d SET last_seen_at = CASE WHEN abs(hashtext(a.patient_id::text)) % 100 BETWEEN 1 AND 2 THEN '2026-03-27T04:00:00Z'::timestamptz ELSE $2::timestamptz - interval '1 hour' END
         FROM device_assignments a WHERE a.device_id = d.id AND a.org_id = $1`,
      [orgId, NOW],
    );
    await recomputePatientsInBatches(db, ids, { asOf: NOW, batchSize: 5_000, concurrency: db.kind === 'pg' ? 2 : 1 });
    await db.query('ANALYZE');
    const events = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n);
    console.log(
      `${db.kind}${real ? ' (DATABASE_URL)' : ''}: ${count} patients x 90 days, ${events} events, ${count * 90} heartbeats, care plans for all ` +
        `(seeded and days built in ${((performance.now() - t0) / 1000).toFixed(0)} s, not timed); ${os.cpus().length} CPUs`,
    );
    const scale = (ms: number) => (count === 10_000 ? '' : ` (-> ${((ms * 10_000) / count / 1000).toFixed(1)} s for 10,000, linear)`);
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

    let result: Awaited<ReturnType<typeof evaluateAlerts>> | undefined;
    const full = await measure(db, async () => (result = await evaluateAlerts(db, { now: NOW })));
    console.log(`  full scheduled evaluation, no alerts yet: ${describe(full)}${scale(full.wallMs)}; ${JSON.stringify(result)}; target < 10 s: ${verdict((full.wallMs * 10_000) / count < 10_000)}`);
    const again = await measure(db, async () => (result = await evaluateAlerts(db, { now: new Date(NOW.getTime() + 60_000) })));
    console.log(`  full scheduled evaluation, nothing changed: ${describe(again)}${scale(again.wallMs)}; ${JSON.stringify(result)}; target < 10 s: ${verdict((again.wallMs * 10_000) / count < 10_000)}`);
    const alerts = (await db.query<{ rule: string; n: number }>('SELECT rule, count(*)::int AS n FROM alerts GROUP BY rule ORDER BY rule')).rows;
    console.log(`  live alerts by rule: ${alerts.map((a) => `${a.rule} ${a.n}`).join(', ') || 'none'}`);

    const sample = Array.from({ length: 300 }, (_, i) => ids[(i * 7919) % ids.length]!);
    const one: number[] = [];
    for (const [i, id] of sample.entries()) {
      const t = performance.now();
      await evaluateAlerts(db, { patientIds: [id], now: new Date(NOW.getTime() + 120_000 + i) });
      one.push(performance.now() - t);
    }
    console.log(`  one patient's on-ingest evaluation: ${latencies(one)}; target < 5 ms (p50): ${verdict(percentile([...one].sort((a, b) => a - b), 50) < 5)}`);

    const work = await measure(db, () => refreshWorkItems(db, { now: NOW }));
    const items = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM work_items')).rows[0]!.n);
    console.log(`  work queue refresh, every patient: ${describe(work)}${scale(work.wallMs)}; ${items} work items`);
    const oneWork: number[] = [];
    for (const id of sample) {
      const t = performance.now();
      await refreshWorkItems(db, { patientIds: [id], now: NOW });
      oneWork.push(performance.now() - t);
    }
    console.log(`  one patient's work queue refresh: ${latencies(oneWork)}`);

    const app = await buildApp({ db, downlink: { publish: async () => {} }, logger: false, rateLimit: { max: false } });
    try {
      const token = (await issueToken(db, { orgSlug: 'bench-billing', role: 'coordinator', userId: coordinators[0]!, label: 'bench' })).token;
      const headers = { authorization: `Bearer ${token}` };
      const month = '2026-04';
      const samples: number[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 300; i++) {
        const variant = i % 3;
        const query = variant === 0 ? `month=${month}&assignee=all&limit=50` : variant === 1 ? `month=${month}&assignee=me&limit=50` : `month=${month}&assignee=all&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const t = performance.now();
        const res = await app.inject({ method: 'GET', url: `/v1/worklist?${query}`, headers });
        samples.push(performance.now() - t);
        if (res.statusCode !== 200) throw new Error(`worklist answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
        if (variant === 2) cursor = (res.json() as { next?: string | null }).next ?? undefined;
      }
      const sorted = [...samples].sort((a, b) => a - b);
      console.log(`  GET /v1/worklist (first pages, "mine", cursor pages; in-process app.inject): ${latencies(samples)}; target p99 < 100 ms: ${verdict(percentile(sorted, 99) < 100)}`);
    } finally {
      await app.close();
    }
  } finally {
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench();
