/**
 * Billing recompute benchmark (issue 5 item 7: "time to recompute billing for 10,000 patients over 90 days",
 * target < 5 s).
 *
 * 1. Pure engine: 10,000 patients x 90 days, about 2 lid openings a day on 80% of days, a weekly symptom
 *    report and a daily heartbeat, four time zones. Times day building (events -> patient-local days) and
 *    period/code/evidence computation separately.
 *    Also the period records alone (`computePeriodRecords`: what a batch recompute stores).
 * 2. SQL path: the same shape seeded inside the database (generate_series, not timed), then
 *    - the full rebuild `recomputePatientsInBatches` (monitored_days rebuilt from events + heartbeats by one
 *      set-based statement per batch, then the period records), cold;
 *    - the billing recompute `recomputePeriodsInBatches` (the target): every patient's periods, codes, 98975
 *      and amendments from the monitored days the ingestor keeps current, stored as period records; with no
 *      records stored yet, then again with nothing changed;
 *    - the full rebuild again with nothing changed.
 *    Per phase: wall time, Node CPU and, when the
 *    server runs on this host, the CPU of the PostgreSQL backends (from /proc), because on a shared machine
 *    wall time mostly measures the other tenants. PGlite by default (BENCH_BILLING_SQL_PATIENTS, default
 *    1,000, extrapolated); real PostgreSQL when DATABASE_URL is set (default 10,000, in a throw-away database).
 *    BENCH_BILLING_BATCH (default 5,000) and BENCH_BILLING_CONCURRENCY (default 2) size the batches.
 */
import os from 'node:os';
import { DEFAULT_BILLING_POLICY } from '../../cloud/src/billing/billing-policy.ts';
import { buildMonitoredDays, type DayEventInput } from '../../cloud/src/billing/monitored-days.ts';
import { computePatientBilling, computePeriodRecords, type PatientEpisode } from '../../cloud/src/billing/patient-billing.ts';
import { recomputePatientsInBatches, recomputePeriodsInBatches, type RecomputePhases } from '../../cloud/src/billing/recompute-patient.ts';
import type { Queryable } from '../../cloud/src/db/database.ts';
import { createTestDatabase } from '../../cloud/test/helpers/test-database.ts';
import { measure, type Measured } from '../measure.ts';

const ZONES = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London'];
const SYSTEMS = ['respiratory', 'musculoskeletal', 'cbt'] as const;
const DAYS = 90;
const START_MS = Date.parse('2026-01-01T00:00:00Z');
const AS_OF = new Date('2026-04-01T12:00:00Z');

/** Small deterministic PRNG (mulberry32) so runs are comparable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SyntheticPatient {
  patient: PatientEpisode;
  events: DayEventInput[];
  heartbeats: { sampledAt: Date; serial: string }[];
}

function synthesise(count: number, seed: number): SyntheticPatient[] {
  const rand = prng(seed);
  let eventId = seed * 1_000_000;
  const out: SyntheticPatient[] = [];
  for (let i = 0; i < count; i++) {
    const serial = `BENCH-${String(seed + i).padStart(6, '0')}`;
    const events: DayEventInput[] = [];
    const heartbeats: { sampledAt: Date; serial: string }[] = [];
    for (let d = 0; d < DAYS; d++) {
      const dayMs = START_MS + d * 86_400_000;
      heartbeats.push({ sampledAt: new Date(dayMs + 3 * 3_600_000 + rand() * 3_600_000), serial });
      if (rand() < 0.8) {
        events.push({ eventId: ++eventId, occurredAt: new Date(dayMs + 12 * 3_600_000 + rand() * 7_200_000), kind: 1, source: 'device', timeQuality: 'device_clock', serial });
        events.push({ eventId: ++eventId, occurredAt: new Date(dayMs + 24 * 3_600_000 + rand() * 7_200_000), kind: 1, source: 'device', timeQuality: 'device_clock', serial });
      }
      if (d % 7 === 3) events.push({ eventId: ++eventId, occurredAt: new Date(dayMs + 18 * 3_600_000), kind: 2, source: 'self_report', timeQuality: 'device_clock', serial });
    }
    out.push({
      patient: {
        id: `p${seed + i}`,
        timeZone: ZONES[i % ZONES.length]!,
        bodySystem: SYSTEMS[i % SYSTEMS.length]!,
        monitoringStart: '2026-01-01',
        periodAnchor: '2026-01-01',
        episode: 1,
        billingPractitioner: 'Dr Bench',
        rpmActive: false,
        diagnosis: 'J44.9',
      },
      events,
      heartbeats,
    });
  }
  return out;
}

/**
 * Recomputes in batches of `batch` patients, as the SQL path does: a recompute never needs every patient's
 * events in memory at once. Synthesis of each batch is not timed.
 */
export async function benchPure(count: number, batch = 1_000): Promise<void> {
  let tGen = 0;
  let tDays = 0;
  let tPeriods = 0;
  let tRecords = 0;
  let events = 0;
  let heartbeats = 0;
  let periods = 0;
  let billed = 0;
  let cpuMicros = 0;
  // warm-up so JIT compilation and the offset cache are not charged to the first batch
  for (const p of synthesise(50, 7)) computePatientBilling({ patient: p.patient, policy: DEFAULT_BILLING_POLICY, days: buildMonitoredDays(p.events, p.patient.timeZone, DEFAULT_BILLING_POLICY, p.heartbeats), asOf: AS_OF });
  for (let offset = 0; offset < count; offset += batch) {
    const t0 = performance.now();
    const patients = synthesise(Math.min(batch, count - offset), offset + 1);
    tGen += performance.now() - t0;
    for (const p of patients) {
      events += p.events.length;
      heartbeats += p.heartbeats.length;
    }
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    const days = patients.map((p) => buildMonitoredDays(p.events, p.patient.timeZone, DEFAULT_BILLING_POLICY, p.heartbeats));
    const t2 = performance.now();
    for (let i = 0; i < patients.length; i++) {
      const b = computePatientBilling({ patient: patients[i]!.patient, policy: DEFAULT_BILLING_POLICY, days: days[i]!, asOf: AS_OF });
      periods += b.periods.length;
      billed += b.periods.filter((p) => p.supplyCode).length;
    }
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    cpuMicros += cpu.user + cpu.system;
    tDays += t2 - t1;
    tPeriods += t3 - t2;
    const t4 = performance.now();
    for (let i = 0; i < patients.length; i++) computePeriodRecords({ patient: patients[i]!.patient, policy: DEFAULT_BILLING_POLICY, days: days[i]!, asOf: AS_OF });
    tRecords += performance.now() - t4;
  }
  const total = tDays + tPeriods;
  console.log(`pure engine: ${count} patients x ${DAYS} days in batches of ${batch}, ${events} events + ${heartbeats} heartbeats (synthesis ${tGen.toFixed(0)} ms, not timed)`);
  console.log(`  days (events -> patient-local monitored/active days): ${tDays.toFixed(0)} ms (${((events + heartbeats) / (tDays / 1000) / 1e6).toFixed(2)} M inputs/s)`);
  console.log(`  periods, codes, evidence, checklist:                 ${tPeriods.toFixed(0)} ms (${periods} periods, ${billed} with a supply code)`);
  console.log(`  period records only (what a batch recompute stores):  ${tRecords.toFixed(0)} ms`);
  console.log(`  total recompute: ${total.toFixed(0)} ms wall, ${(cpuMicros / 1000).toFixed(0)} ms CPU (all threads, incl. GC); target < 5000 ms wall: ${total < 5000 ? 'met' : 'NOT met'}`);
  console.log(`  host load average: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs (wall time grows with contention)`);
}

/** Seeds `count` synthetic patients (90 days of openings, weekly symptoms, daily heartbeats) inside the database. */
export async function seedBillingBench(db: Queryable, count: number): Promise<{ orgId: string }> {
  const orgId = (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name) VALUES ('bench-billing', 'Bench') RETURNING id`)).rows[0]!.id;
  await db.query(
    `INSERT INTO patients (org_id, reference, name, time_zone, body_system, monitoring_start, period_anchor, billing_practitioner)
     SELECT $1, 'P' || lpad(g::text, 6, '0'), 'Patient ' || g, ($3::text[])[1 + g % 4], ($4::text[])[1 + g % 3], '2026-01-01', '2026-01-01', 'Dr Bench'
       FROM generate_series(0, $2 - 1) g`,
    [orgId, count, ZONES, SYSTEMS],
  );
  await db.query(`INSERT INTO devices (serial, org_id) SELECT 'BENCH-' || lpad(g::text, 6, '0'), $1 FROM generate_series(0, $2 - 1) g`, [orgId, count]);
  await db.query(
    `INSERT INTO device_assignments (device_id, patient_id, org_id, assigned_at)
     SELECT d.id, p.id, $1, '2025-12-31T00:00:00Z' FROM patients p JOIN devices d ON d.serial = 'BENCH-' || substr(p.reference, 2) WHERE p.org_id = $1`,
    [orgId],
  );
  const uplinkId = (await db.query<{ id: number }>(`INSERT INTO uplinks (received_at, topic, payload) VALUES (now(), 'bench', '\\x00') RETURNING id`)).rows[0]!.id;
  await db.query(
    `INSERT INTO events (device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at)
     SELECT a.device_id, day * 3 + k + 1, 1, day * 86400 + k, CASE WHEN k = 2 THEN 2 ELSE 1 END, '{1}',
            CASE WHEN k = 2 THEN 'self_report' ELSE 'device' END,
            '2026-01-01T12:00:00Z'::timestamptz + day * interval '1 day' + k * interval '11 hours' + (abs(hashtext(a.patient_id::text || day)) % 7200) * interval '1 second',
            'device_clock', a.patient_id, $1, now()
       FROM device_assignments a CROSS JOIN generate_series(0, ${DAYS - 1}) day CROSS JOIN generate_series(0, 2) k
      WHERE a.org_id = $2 AND (k < 2 AND abs(hashtext(a.patient_id::text || day)) % 5 <> 0 OR k = 2 AND day % 7 = 3)`,
    [uplinkId, orgId],
  );
  await db.query(
    `INSERT INTO heartbeats (device_id, boot, uptime_s, sampled_at, received_at, metrics, uplink_id)
     SELECT a.device_id, 1, day * 86400 + 50000, '2026-01-01T04:00:00Z'::timestamptz + day * interval '1 day', now(), '{}', $1
       FROM device_assignments a CROSS JOIN generate_series(0, ${DAYS - 1}) day WHERE a.org_id = $2`,
    [uplinkId, orgId],
  );
  return { orgId };
}

export async function benchSql(): Promise<void> {
  const real = !!process.env.DATABASE_URL;
  const count = Number(process.env.BENCH_BILLING_SQL_PATIENTS ?? (real ? 10_000 : 1_000));
  const batchSize = Number(process.env.BENCH_BILLING_BATCH ?? 5_000);
  const db = await createTestDatabase();
  const concurrency = db.kind === 'pg' ? Number(process.env.BENCH_BILLING_CONCURRENCY ?? 2) : 1;
  try {
    const t0 = performance.now();
    const { orgId } = await seedBillingBench(db, count);
    await db.query('ANALYZE');
    const events = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n);
    const tSeed = performance.now() - t0;
    const ids = (await db.query<{ id: string }>('SELECT id FROM patients WHERE org_id = $1 ORDER BY id', [orgId])).rows.map((r) => r.id);
    const scale = (ms: number) => (count === 10_000 ? '' : ` (-> ${((ms * 10_000) / count / 1000).toFixed(1)} s for 10,000, linear)`);
    const line = (label: string, m: Measured, phases: RecomputePhases, options: { target?: boolean } = {}) => {
      const cpu = `Node CPU ${(m.nodeCpuMs / 1000).toFixed(1)} s${m.pgCpuMs === null ? '' : `, PostgreSQL CPU ${(m.pgCpuMs / 1000).toFixed(1)} s`}`;
      const target = options.target ? `; target < 5 s wall for 10,000: ${(m.wallMs * 10_000) / count < 5_000 ? 'met' : 'NOT met'}` : '';
      console.log(`  ${label}: ${(m.wallMs / 1000).toFixed(1)} s wall${scale(m.wallMs)}; ${cpu}; load ${m.load}${target}`);
      console.log(
        `      phases (summed over ${concurrency} connection(s)): days ${(phases.days / 1000).toFixed(1)} s, periods ${(phases.periods / 1000).toFixed(1)} s, save ${(phases.save / 1000).toFixed(1)} s`,
      );
    };
    console.log(
      `SQL path (${db.kind}${real ? ', DATABASE_URL' : ''}): ${count} patients x ${DAYS} days, ${events} events + ${count * DAYS} heartbeats ` +
        `(seeded in ${(tSeed / 1000).toFixed(0)} s, not timed); batches of ${batchSize} on ${concurrency} connection(s); ${os.cpus().length} CPUs`,
    );
    const rebuild = (phases: RecomputePhases) => recomputePatientsInBatches(db, ids, { asOf: AS_OF, batchSize, concurrency, phases });
    const records = (phases: RecomputePhases) => recomputePeriodsInBatches(db, ids, { asOf: AS_OF, batchSize, concurrency, phases });
    const fresh = (): RecomputePhases => ({ days: 0, periods: 0, save: 0 });

    const cold = fresh();
    const mCold = await measure(db, () => rebuild(cold));
    const days = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM monitored_days')).rows[0]!.n);
    const periods = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM billing_periods')).rows[0]!.n);
    console.log(`  billing recompute (the target): periods, codes, 98975 and amendments for every patient from the monitored days the ingestor keeps current, stored as ${periods} period records`);
    await db.query('TRUNCATE billing_periods');
    const recordsCold = fresh();
    line('    no stored records yet', await measure(db, () => records(recordsCold)), recordsCold, { target: true });
    const recordsWarm = fresh();
    line('    records stored, nothing changed', await measure(db, () => records(recordsWarm)), recordsWarm, { target: true });
    console.log(`  full rebuild from raw events (policy or time-zone change, repair): ${days} monitored_days rebuilt, then the records`);
    line('    cold (empty monitored_days)', mCold, cold);
    const warm = fresh();
    line('    nothing changed (unchanged rows are compared, not rewritten)', await measure(db, () => rebuild(warm)), warm);
  } finally {
    await db.close();
  }
}

/** BENCH_BILLING_ONLY=pure|sql runs one half; BENCH_BILLING_PATIENTS / BENCH_BILLING_SQL_PATIENTS set the sizes. */
export async function runBench(): Promise<void> {
  const only = process.env.BENCH_BILLING_ONLY;
  if (only !== 'sql') await benchPure(Number(process.env.BENCH_BILLING_PATIENTS ?? 10_000));
  if (only !== 'pure') await benchSql();
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench();
