/**
 * bench/api: requests per second and latency (p50, p99) of the three hot read endpoints, with 10,000
 * patients in the database: the monitored-days calendar, the billing periods (codes + evidence) and support
 * diagnostics. Seeds with set-based multi-row inserts (generate_series), rebuilds monitored days with the
 * billing engine, then drives the Fastify app through `app.inject` (no sockets, so the figures are the app's
 * and the database's), each endpoint for a bounded time with random patients and caps.
 *
 * Embedded PGlite by default; with DATABASE_URL a fresh database on that server. Env: BENCH_API_PATIENTS
 * (default 10000), BENCH_API_SECONDS per endpoint (default 3), BENCH_API_CONCURRENCY (default 1 on PGlite,
 * which has a single connection; 8 on PostgreSQL).
 */
import { buildApp } from '../../cloud/src/api/app.ts';
import { issueToken } from '../../cloud/src/api/auth/tokens.ts';
import { rebuildDaysForPatients } from '../../cloud/src/billing/refresh-days.ts';
import { createTestDatabase, type TestDatabase } from '../../cloud/test/helpers/test-database.ts';

const PATIENTS = Number(process.env.BENCH_API_PATIENTS ?? 10_000);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 3);
const DAY_MS = 86_400_000;

interface Figures {
  name: string;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Seeds `patients` patients with caps, events and heartbeats, and rebuilds their monitored days. */
export async function seedApiBench(db: TestDatabase, patients: number): Promise<{ ids: string[] }> {
  const PATIENTS = patients;
  const seedStart = performance.now();
  const org = await db.query<{ id: string }>("INSERT INTO organisations (slug, name) VALUES ('bench-clinic', 'Bench clinic') RETURNING id");
  const orgId = org.rows[0]!.id;
  await db.query("INSERT INTO organisations (slug, name, settings) VALUES ('bench-ops', 'Bench operator', '{\"operator\": true}')");
  const start = new Date(Date.now() - 40 * DAY_MS).toISOString().slice(0, 10);
  await db.query(
    `INSERT INTO patients (org_id, reference, name, time_zone, body_system, monitoring_start, period_anchor, billing_practitioner)
     SELECT $1, 'BENCH-' || lpad(i::text, 6, '0'), 'Patient ' || i, (ARRAY['America/Chicago','America/New_York','Europe/London','UTC'])[1 + i % 4],
            (ARRAY['respiratory','musculoskeletal','cbt'])[1 + i % 3], $2::date, $2::date, 'Dr. Bench'
       FROM generate_series(1, $3::int) AS i`,
    [orgId, start, PATIENTS],
  );
  await db.query(
    `INSERT INTO devices (serial, org_id, imei, iccid, app_firmware, factory_passed, last_seen_at)
     SELECT 'BN-' || lpad(i::text, 6, '0'), $1, '356938035643809', '89012608823100000012', '1.0.0', true, now() - interval '2 hours'
       FROM generate_series(1, $2::int) AS i`,
    [orgId, PATIENTS],
  );
  await db.query(
    `INSERT INTO device_assignments (device_id, patient_id, org_id, assigned_at)
     SELECT d.id, p.id, $1, $2::date - interval '1 day'
       FROM patients p JOIN devices d ON substring(d.serial from 4) = substring(p.reference from 7)`,
    [orgId, start],
  );
  await db.query(
    `INSERT INTO uplinks (received_at, topic, topic_serial, payload, status, device_id, processed_at)
     SELECT now(), 'pillcap/v1/' || serial || '/up', serial, '\\xa0'::bytea, 'processed', id, now() FROM devices`,
  );
  // 20 lid openings per patient on alternate days, one symptom report every 5th patient
  await db.query(
    `INSERT INTO events (device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at)
     SELECT a.device_id, k + 1, 1, k * 7200, 1, ARRAY[30], 'device', $1::timestamptz + (k * 2) * interval '1 day' + interval '15 hours',
            'device_clock', a.patient_id, u.id, now()
       FROM device_assignments a JOIN uplinks u ON u.device_id = a.device_id CROSS JOIN generate_series(0, 19) AS k`,
    [start],
  );
  await db.query(
    `INSERT INTO events (device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at)
     SELECT a.device_id, 100, 1, 200000, 2, ARRAY[2], 'self_report', $1::timestamptz + interval '3 days 16 hours', 'device_clock', a.patient_id, u.id, now()
       FROM device_assignments a JOIN uplinks u ON u.device_id = a.device_id
      WHERE substring((SELECT serial FROM devices WHERE id = a.device_id) from 4)::int % 5 = 0`,
    [start],
  );
  // 14 daily heartbeats per cap
  await db.query(
    `INSERT INTO heartbeats (device_id, boot, uptime_s, sampled_at, received_at, metrics, uplink_id)
     SELECT d.id, 1, 86400 * k, now() - (14 - k) * interval '1 day', now() - (14 - k) * interval '1 day',
            jsonb_build_object('rsrpDbm', -95 - (k % 25), 'sinrDeciDb', 80, 'batteryPct', 95 - k * 2, 'batteryMv', 3900, 'queueDepth', 0,
                               'publishOk', 5, 'publishFail', k % 2, 'timeSource', 1),
            u.id
       FROM devices d JOIN uplinks u ON u.device_id = d.id CROSS JOIN generate_series(0, 13) AS k`,
  );
  const ids = (await db.query<{ id: string }>('SELECT id FROM patients ORDER BY reference')).rows.map((r) => r.id);
  const seeded = performance.now();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await db.transaction((tx) => rebuildDaysForPatients(tx, chunk));
  }
  const rebuilt = performance.now();
  await db.query('ANALYZE'); // fresh bulk-loaded tables: give the planner statistics, as autovacuum would
  const counts = await db.query<{ events: number; heartbeats: number; days: number }>(
    'SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM heartbeats)::int AS heartbeats, (SELECT count(*) FROM monitored_days)::int AS days',
  );
  const c = counts.rows[0]!;
  process.stdout.write(
    `database: ${db.kind}; ${PATIENTS} patients, ${PATIENTS} caps, ${c.events} events, ${c.heartbeats} heartbeats, ${c.days} day rows\n` +
      `seed: ${((seeded - seedStart) / 1000).toFixed(1)} s (set-based inserts), monitored-days rebuild: ${((rebuilt - seeded) / 1000).toFixed(1)} s\n`,
  );

  return { ids };
}

export async function runBench(): Promise<void> {
  const db = await createTestDatabase();
  const concurrency = Number(process.env.BENCH_API_CONCURRENCY ?? (db.kind === 'pg' ? 8 : 1));
  try {
    const { ids } = await seedApiBench(db, PATIENTS);
    const app = await buildApp({ db, downlink: { publish: async () => {} }, logger: false, rateLimit: { max: false } });
    const clinic = (await issueToken(db, { orgSlug: 'bench-clinic', role: 'clinic', label: 'bench' })).token;
    const support = (await issueToken(db, { orgSlug: 'bench-ops', role: 'support', label: 'bench' })).token;
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = () => Math.floor(random() * ids.length);

    const endpoints: { name: string; token: string; url: () => string }[] = [
      { name: 'GET /v1/patients/:id/monitored-days', token: clinic, url: () => `/v1/patients/${ids[pick()]}/monitored-days` },
      { name: 'GET /v1/patients/:id/billing-periods', token: clinic, url: () => `/v1/patients/${ids[pick()]}/billing-periods` },
      { name: 'GET /v1/devices/:serial/diagnostics', token: support, url: () => `/v1/devices/BN-${String(pick() + 1).padStart(6, '0')}/diagnostics` },
    ];
    const results: Figures[] = [];
    for (const endpoint of endpoints) {
      const headers = { authorization: `Bearer ${endpoint.token}` };
      for (let i = 0; i < 20; i += 1) await app.inject({ method: 'GET', url: endpoint.url(), headers }); // warm-up
      const latencies: number[] = [];
      let errors = 0;
      const deadline = performance.now() + SECONDS * 1000;
      const began = performance.now();
      const worker = async () => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          const res = await app.inject({ method: 'GET', url: endpoint.url(), headers });
          latencies.push(performance.now() - t0);
          if (res.statusCode !== 200) errors += 1;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const elapsed = (performance.now() - began) / 1000;
      latencies.sort((a, b) => a - b);
      results.push({ name: endpoint.name, requests: latencies.length, perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors });
    }
    await app.close();
    process.stdout.write(`app.inject, concurrency ${concurrency}, ${SECONDS} s per endpoint, random patient/cap per request\n`);
    process.stdout.write(`${'endpoint'.padEnd(40)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'n'.padStart(6)} errors\n`);
    for (const r of results) {
      process.stdout.write(`${r.name.padEnd(40)} ${r.perSecond.toFixed(1).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.requests).padStart(6)} ${r.errors}\n`);
    }
  } finally {
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench();
