/**
 * The set-based SQL day rebuild (days-sql.ts) and the pure TypeScript day engine (buildMonitoredDays) must
 * agree exactly: random events (kinds, sources, time qualities, clock faults, several caps), heartbeats
 * attributed through assignments (including a reassignment), zones with DST and fractional offsets (instants
 * clustered around 2026 transitions) and random organisation policies. Runs on PGlite, and on PostgreSQL when
 * DATABASE_URL is set.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyFromSettings, type BillingPolicy } from '../../src/billing/billing-policy.ts';
import { loadDays } from '../../src/billing/billing-repository.ts';
import { rebuildDaysInSql } from '../../src/billing/days-sql.ts';
import { buildMonitoredDays, type DayEventInput, type MonitoredDay } from '../../src/billing/monitored-days.ts';
import { rebuildDaysForPatients } from '../../src/billing/refresh-days.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'Pacific/Chatham', 'America/St_Johns', 'UTC'];
// 2026 offset transitions of those zones (UTC): events cluster around them so local midnights near a change are hit
const TRANSITIONS = ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z', '2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z', '2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z'].map(Date.parse);
const CAPS = ['CAP-SQL1', 'CAP-SQL2', 'CAP-SQL3'];
const HOUR = 3_600_000;

const instantArb = fc.oneof(
  fc.tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -40 * HOUR, max: 40 * HOUR })).map(([t, d]) => t + d),
  fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }),
);
const policyArb = fc.record({
  qualifyingKinds: fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
  qualifyingSources: fc.subarray(['device', 'self_report'] as const, { minLength: 1 }),
  trustedTimeQualities: fc.subarray(['device_clock', 'receive_anchored', 'estimated'] as const, { minLength: 1 }),
  minEventsPerDay: fc.integer({ min: 1, max: 3 }),
});
const eventArb = fc.record({
  patient: fc.integer({ min: 0, max: 2 }),
  cap: fc.integer({ min: 0, max: CAPS.length - 1 }),
  at: fc.option(instantArb, { freq: 8 }),
  // 42 and 300: kinds this protocol version does not define (the column allows them; they never qualify)
  kind: fc.oneof(fc.constantFrom(1, 1, 2), fc.integer({ min: 1, max: 9 }), fc.constantFrom(42, 300)),
  source: fc.constantFrom('device', 'device', 'self_report', 'diagnostic'),
  quality: fc.constantFrom('device_clock', 'device_clock', 'receive_anchored', 'estimated', 'unresolved'),
});
const heartbeatArb = fc.record({ cap: fc.integer({ min: 0, max: CAPS.length - 1 }), at: fc.option(instantArb, { freq: 6 }) });
const scenarioArb = fc.record({
  zones: fc.tuple(fc.constantFrom(...ZONES), fc.constantFrom(...ZONES), fc.constantFrom(...ZONES)),
  policies: fc.tuple(policyArb, policyArb),
  events: fc.array(eventArb, { maxLength: 40 }),
  heartbeats: fc.array(heartbeatArb, { maxLength: 15 }),
  // cap 0 moves from patient 0 to patient 1 at this instant
  handover: instantArb,
});

let db: TestDatabase;
const orgIds: string[] = [];
const capIds: string[] = [];
let uplinkId: number;
let seq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  for (const slug of ['sql-org-a', 'sql-org-b']) {
    orgIds.push((await db.query<{ id: string }>(`INSERT INTO organisations (slug, name) VALUES ($1, $1) RETURNING id`, [slug])).rows[0]!.id);
  }
  for (const serial of CAPS) capIds.push((await db.query<{ id: string }>(`INSERT INTO devices (serial, org_id) VALUES ($1, $2) RETURNING id`, [serial, orgIds[0]])).rows[0]!.id);
  uplinkId = Number((await db.query<{ id: number }>(`INSERT INTO uplinks (received_at, topic, payload) VALUES (now(), 't', '\\x00') RETURNING id`)).rows[0]!.id);
});

afterAll(async () => {
  await db?.close();
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** Loads a scenario into an empty database; returns what the pure engine needs per patient. */
async function load(s: Scenario): Promise<{ patientIds: string[]; policies: BillingPolicy[]; assignments: { cap: number; patient: number; from: number; to: number | null }[] }> {
  await db.query('DELETE FROM monitored_days');
  await db.query('DELETE FROM events');
  await db.query('DELETE FROM heartbeats');
  await db.query('DELETE FROM device_assignments');
  await db.query('DELETE FROM patients');
  const policies = s.policies.map((p) => policyFromSettings({ billing: p }));
  for (let i = 0; i < 2; i++) await db.query('UPDATE organisations SET settings = $2::jsonb WHERE id = $1', [orgIds[i], JSON.stringify({ billing: s.policies[i] })]);
  const patientIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    patientIds.push(
      (
        await db.query<{ id: string }>(
          `INSERT INTO patients (org_id, reference, name, time_zone, body_system, monitoring_start, period_anchor, billing_practitioner)
           VALUES ($1, $2, $2, $3, 'respiratory', '2026-01-01', '2026-01-01', 'Dr Q') RETURNING id`,
          [orgIds[i % 2], `P${i}`, s.zones[i]],
        )
      ).rows[0]!.id,
    );
  }
  const start = Date.parse('2025-06-01T00:00:00Z');
  const assignments = [
    { cap: 0, patient: 0, from: start, to: s.handover },
    { cap: 0, patient: 1, from: s.handover, to: null },
    { cap: 1, patient: 1, from: start, to: null },
    { cap: 2, patient: 2, from: start, to: null },
  ];
  for (const a of assignments) {
    await db.query('INSERT INTO device_assignments (device_id, patient_id, org_id, assigned_at, unassigned_at) VALUES ($1, $2, $3, $4, $5)', [
      capIds[a.cap],
      patientIds[a.patient],
      orgIds[a.patient % 2],
      new Date(a.from),
      a.to === null ? null : new Date(a.to),
    ]);
  }
  for (const e of s.events) {
    seq += 1;
    await db.query(
      `INSERT INTO events (device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at)
       VALUES ($1, $2, 1, $2, $3, '{1}', $4, $5, $6, $7, $8, now())`,
      [capIds[e.cap], seq, e.kind, e.source, e.at === null ? null : new Date(e.at), e.quality, patientIds[e.patient], uplinkId],
    );
  }
  for (const h of s.heartbeats) {
    seq += 1;
    await db.query(`INSERT INTO heartbeats (device_id, boot, uptime_s, sampled_at, received_at, metrics, uplink_id) VALUES ($1, 1, $2, $3, now(), '{}', $4)`, [
      capIds[h.cap],
      seq,
      h.at === null ? null : new Date(h.at),
      uplinkId,
    ]);
  }
  return { patientIds, policies: [0, 1, 2].map((i) => policies[i % 2]!), assignments };
}

/** The pure engine over the same rows, read back from the database (ids, serials). */
async function expected(patientIds: string[], policies: BillingPolicy[], zones: readonly string[], assignments: { cap: number; patient: number; from: number; to: number | null }[]): Promise<Map<string, MonitoredDay[]>> {
  const { rows: events } = await db.query<{ id: number; patient_id: string; occurred_at: Date | null; kind: number; source: string; time_quality: string; serial: string }>(
    'SELECT e.id, e.patient_id, e.occurred_at, e.kind, e.source, e.time_quality, d.serial FROM events e JOIN devices d ON d.id = e.device_id ORDER BY e.id DESC',
  );
  const { rows: heartbeats } = await db.query<{ device_id: string; sampled_at: Date | null; serial: string }>(
    'SELECT h.device_id, h.sampled_at, d.serial FROM heartbeats h JOIN devices d ON d.id = h.device_id',
  );
  const out = new Map<string, MonitoredDay[]>();
  patientIds.forEach((pid, i) => {
    const mine: DayEventInput[] = events
      .filter((e) => e.patient_id === pid)
      .map((e) => ({ eventId: Number(e.id), occurredAt: e.occurred_at, kind: e.kind, source: e.source, timeQuality: e.time_quality, serial: e.serial }));
    const beats = heartbeats
      .filter((h) => h.sampled_at !== null)
      .filter((h) => assignments.some((a) => a.patient === i && capIds[a.cap] === h.device_id && h.sampled_at!.getTime() >= a.from && (a.to === null || h.sampled_at!.getTime() < a.to)))
      .map((h) => ({ sampledAt: h.sampled_at!, serial: h.serial }));
    out.set(pid, buildMonitoredDays(mine, zones[i]!, policies[i]!, beats));
  });
  return out;
}

/** What a row stores: the day without the list of every event (migration 006). */
type StoredDay = Omit<MonitoredDay, 'eventIds'>;
const stored = (days: readonly MonitoredDay[] | undefined): StoredDay[] | undefined => days?.map(({ eventIds: _all, ...day }) => day);

const storedDays = async (patientId: string): Promise<StoredDay[]> =>
  (
    await db.query<{
      local_date: string;
      device_active: boolean;
      qualifying: boolean;
      qualifying_event_ids: number[];
      qualifying_sources: string[];
      sources: string[];
      serials: string[];
      event_count: number;
      heartbeat_count: number;
      kind_counts: Record<string, number>;
    }>('SELECT * FROM monitored_days WHERE patient_id = $1 ORDER BY local_date', [patientId])
  ).rows.map((r) => ({
    localDate: r.local_date,
    deviceActive: r.device_active,
    qualifying: r.qualifying,
    qualifyingEventIds: r.qualifying_event_ids.map(Number),
    qualifyingEventSources: r.qualifying_sources,
    sources: r.sources,
    serials: r.serials,
    eventCount: r.event_count,
    heartbeatCount: r.heartbeat_count,
    kindCounts: r.kind_counts,
  }));

describe('set-based SQL day rebuild', () => {
  it('agrees exactly with the pure day engine (random events, zones with DST, policies, reassignment)', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const { patientIds, policies, assignments } = await load(s);
        const want = await expected(patientIds, policies, s.zones, assignments);
        const byPolicy = new Map(patientIds.map((id, i) => [id, policies[i]!]));
        const first = await db.transaction((tx) => rebuildDaysInSql(tx, byPolicy, { returning: 'full' }));
        for (const id of patientIds) {
          expect(first.byPatient.get(id)).toEqual(want.get(id));
          expect(await storedDays(id)).toEqual(stored(want.get(id)));
        }
        // the period engine's loader reads the same facts back (with and without the qualifying events)
        const facts = (d: MonitoredDay) => ({ localDate: d.localDate, deviceActive: d.deviceActive, qualifying: d.qualifying, sources: d.sources, serials: d.serials });
        const loaded = await loadDays(db, patientIds);
        const loadedSlim = await loadDays(db, patientIds, { withEvents: false });
        for (const id of patientIds) {
          const days = want.get(id) ?? [];
          expect(loaded.get(id)).toEqual(days.map((d) => ({ ...facts(d), qualifyingEventIds: d.qualifyingEventIds, qualifyingEventSources: d.qualifyingEventSources })));
          expect(loadedSlim.get(id)).toEqual(days.map((d) => ({ ...facts(d), qualifyingEventIds: [], qualifyingEventSources: [] })));
        }
        // a second rebuild writes nothing
        const again = await db.transaction((tx) => rebuildDaysInSql(tx, byPolicy, { returning: 'none' }));
        expect({ written: again.written, removed: again.removed }).toEqual({ written: 0, removed: 0 });
        // events re-attributed away from patient 0: its days are rebuilt or removed, the others untouched
        await db.query('UPDATE events SET patient_id = $2 WHERE patient_id = $1', [patientIds[0], patientIds[2]]);
        const moved = await db.transaction((tx) => rebuildDaysForPatients(tx, patientIds));
        const wantMoved = await expected(patientIds, policies, s.zones, assignments);
        for (const id of patientIds) {
          expect(moved.get(id)).toEqual(wantMoved.get(id));
          expect(await storedDays(id)).toEqual(stored(wantMoved.get(id)));
        }
      }),
      { numRuns: db.kind === 'pg' ? 60 : 25 },
    );
  });
});
