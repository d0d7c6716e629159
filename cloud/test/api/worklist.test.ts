/**
 * The stored work queue: refreshWorkItems for hand-built patients at an injected time (patient-local months
 * across time zones, the closing previous month until export), /v1/worklist (sort, assignee and urgency
 * filters, cursor paging, counts, roles, organisation isolation), and items closing themselves in the same
 * request that records the work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDateOf, localDateTimeOf, monthOf } from '../../src/billing/local-date.ts';
import { refreshWorkItems } from '../../src/clinical/work-queue-repository.ts';
import { bearer, createWorld, seedPatient, type World } from './fixture.ts';

let world: World;
let kiritimati: string;
let pagoPago: string;
let utc: string;
const NOW = new Date('2026-11-30T20:00:00Z'); // Dec 1, 10:00 in Kiritimati (UTC+14); Nov 30, 09:00 in Pago Pago (UTC-11)

const as = (token: string) => (method: string, url: string, payload?: unknown) =>
  world.app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });

async function seedDays(patientId: string, dates: string[]): Promise<void> {
  for (const d of dates) await world.db.query('INSERT INTO monitored_days (patient_id, local_date, device_active, qualifying) VALUES ($1, $2, true, true)', [patientId, d]);
}
const days = (from: string, n: number) => Array.from({ length: n }, (_, i) => addDays(from, i));

async function carePlan(patientId: string, coordinator: string | null, owner: string | null): Promise<void> {
  await world.db.query('INSERT INTO care_plans (patient_id, org_id, category, coordinator_id, clinical_owner_id) VALUES ($1, $2, $3, $4, $5)', [
    patientId, world.orgIds.clinicA, 'musculoskeletal', coordinator, owner,
  ]);
}

async function monthsOf(patientId: string): Promise<string[]> {
  const { rows } = await world.db.query<{ month: string }>('SELECT month FROM work_items WHERE patient_id = $1 ORDER BY month', [patientId]);
  return rows.map((r) => r.month);
}

beforeAll(async () => {
  world = await createWorld();
  const { db, orgIds, users } = world;
  kiritimati = await seedPatient(db, orgIds.clinicA, 'W-KIR', { zone: 'Pacific/Kiritimati', start: '2026-11-01' });
  pagoPago = await seedPatient(db, orgIds.clinicA, 'W-PPG', { zone: 'Pacific/Pago_Pago', start: '2026-11-01' });
  utc = await seedPatient(db, orgIds.clinicA, 'W-UTC', { zone: 'UTC', start: '2026-10-01' });
  await carePlan(kiritimati, users.clinicA.coordinator, null);
  await carePlan(pagoPago, null, users.clinicA.clinician);
  await seedDays(pagoPago, days('2026-11-01', 10));
  await db.query(
    `INSERT INTO alerts (org_id, patient_id, rule, severity, title, condition_since, raised_at, last_seen_at, status, closed_at)
     VALUES ($1, $2, 'needs_help', 'urgent', 'needs help', $3, $3, $3, 'open', NULL), ($1, $2, 'battery_low', 'normal', 'battery', $3, $3, $3, 'resolved', $3)`,
    [orgIds.clinicA, utc, new Date('2026-11-29T10:00:00Z')],
  );
});
afterAll(async () => world?.close());

const list = async (token: string, query: string) => {
  const res = await as(token)('GET', `/v1/worklist?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: { patientId: string; urgency: number; level: string; items: { kind: string; status: string }[] }[]; counts: { total: number; byKind: Record<string, number>; byLevel: Record<string, number> }; next: string | null };
};

describe('refreshWorkItems', () => {
  it('writes each patient-local month, and the previous month until it is exported or its window ends', async () => {
    const early = new Date('2026-11-05T12:00:00Z');
    expect(await refreshWorkItems(world.db, { patientIds: [utc], now: early })).toEqual({ refreshed: 2 });
    expect(await monthsOf(utc)).toEqual(['2026-10', '2026-11']);
    const closing = await world.db.query<{ items: { kind: string }[]; summary: { closing: boolean; windowEnds: string } }>("SELECT items, summary FROM work_items WHERE patient_id = $1 AND month = '2026-10'", [utc]);
    expect(closing.rows[0]!.summary).toMatchObject({ closing: true, windowEnds: '2026-11-10' });
    expect(closing.rows[0]!.items.map((i) => i.kind).sort()).toEqual(['data_review', 'documentation']);
    // the organisation exports October: the month leaves the queue
    await world.db.query(
      `INSERT INTO billing_exports (org_id, month, created_by, policy, setup_threshold_days, snapshot, csv) VALUES ($1, '2026-10', 'test', '{}', 2, '[]', '')`,
      [world.orgIds.clinicA],
    );
    await refreshWorkItems(world.db, { patientIds: [utc], now: early });
    expect(await monthsOf(utc)).toEqual(['2026-11']);
  });

  it('uses the patient-local month in every zone, for all patients in one sweep', async () => {
    const { refreshed } = await refreshWorkItems(world.db, { now: NOW });
    expect(refreshed).toBe(4); // Kiritimati: December and closing November; Pago Pago and UTC: November
    expect(await monthsOf(kiritimati)).toEqual(['2026-11', '2026-12']);
    expect(await monthsOf(pagoPago)).toEqual(['2026-11']);
    expect(await monthsOf(utc)).toEqual(['2026-11']);
    const ppg = await world.db.query<{ summary: { period: { monitoredDays: number; daysLeft: number } } }>("SELECT summary FROM work_items WHERE patient_id = $1", [pagoPago]);
    // Nov 30 is the last day of period 0 in Pago Pago: 10 monitored, 1 day left
    expect(ppg.rows[0]!.summary.period).toMatchObject({ monitoredDays: 10, daysLeft: 1, neededFor16: 6 });
    // a patient whose monitoring has not started has no row
    const later = await seedPatient(world.db, world.orgIds.clinicA, 'W-LATER', { zone: 'UTC', start: '2026-12-15' });
    await refreshWorkItems(world.db, { patientIds: [later], now: NOW });
    expect(await monthsOf(later)).toEqual([]);
  });
});

describe('GET /v1/worklist', () => {

  it('lists the month most urgent first, with counts', async () => {
    const body = await list(world.tokens.clinicA.clinician, 'month=2026-11&assignee=all');
    expect(body.items.map((i) => i.patientId)[0]).toBe(utc); // the urgent alert
    expect(body.items[0]!.level).toBe('urgent');
    expect(new Set(body.items.map((i) => i.patientId))).toEqual(new Set([utc, pagoPago, kiritimati]));
    expect(body.items.map((i) => i.urgency)).toEqual([...body.items.map((i) => i.urgency)].sort((a, b) => b - a));
    expect(body.counts.total).toBe(3);
    expect(body.counts.byKind.alerts).toBe(1);
    expect(body.counts.byKind.data_review).toBe(3);
    expect(body.counts.byLevel.urgent).toBe(1);
    const alerts = body.items[0]!.items.find((i) => i.kind === 'alerts');
    expect(alerts).toMatchObject({ status: 'open', title: '1 open alert (1 urgent)' });
  });

  it('filters by assignee (coordinator or clinical owner) and by urgency', async () => {
    const mine = await list(world.tokens.clinicA.coordinator, 'month=2026-11&assignee=me');
    expect(mine.items.map((i) => i.patientId)).toEqual([kiritimati]);
    expect(mine.counts.total).toBe(1);
    const owned = await list(world.tokens.clinicA.clinician, 'month=2026-11&assignee=me');
    expect(owned.items.map((i) => i.patientId)).toEqual([pagoPago]);
    const theirs = await list(world.tokens.clinicA.clinician, `month=2026-11&assignee=${world.users.clinicA.coordinator}`);
    expect(theirs.items.map((i) => i.patientId)).toEqual([kiritimati]);
    const urgent = await list(world.tokens.clinicA.clinician, 'month=2026-11&urgency=urgent');
    expect(urgent.items.map((i) => i.patientId)).toEqual([utc]);
    expect(urgent.counts.total).toBe(1);
    const december = await list(world.tokens.clinicA.clinician, 'month=2026-12');
    expect(december.items.map((i) => i.patientId)).toEqual([kiritimati]);
  });

  it('pages with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(world.tokens.clinicA.clinician, `month=2026-11&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((i) => i.patientId));
      cursor = page.next;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    expect((await as(world.tokens.clinicA.clinician)('GET', '/v1/worklist?month=2026-11&cursor=bm9wZQ')).statusCode).toBe(400);
  });

  it('is for clinical roles of the organisation; support never', async () => {
    expect((await as(world.tokens.clinicA.support)('GET', '/v1/worklist?month=2026-11')).statusCode).toBe(403);
    expect((await as(world.tokens.clinicA.manufacturing)('GET', '/v1/worklist?month=2026-11')).statusCode).toBe(403);
    const machine = await as(world.tokens.clinicA.clinic)('GET', '/v1/worklist?month=2026-11&assignee=me');
    expect(machine.json().error).toBe('user_required');
    expect((await list(world.tokens.clinicA.clinic, 'month=2026-11')).counts.total).toBe(3);
    const other = await list(world.tokens.clinicB.clinician, 'month=2026-11');
    expect(other.items).toEqual([]);
    expect(other.counts.total).toBe(0);
    expect((await as(world.tokens.clinicA.clinician)('GET', '/v1/worklist?month=2026-13')).statusCode).toBe(400);
  });
});

describe('items close themselves when the work is recorded', () => {
  it('closes review, call, time and documentation in the request that records them', async () => {
    // a zone where it is past 00:30 locally, so "a few minutes ago" is in the current local month
    const zone = ['UTC', 'Asia/Tokyo'].find((z) => localDateTimeOf(Date.now() - 15 * 60_000, z).date === localDateOf(Date.now(), z))!;
    const now = new Date();
    const month = monthOf(localDateOf(now, zone));
    const patient = await seedPatient(world.db, world.orgIds.clinicA, 'W-LIVE', { zone, start: addDays(localDateOf(now, zone), -20) });
    await carePlan(patient, world.users.clinicA.coordinator, world.users.clinicA.clinician);
    await refreshWorkItems(world.db, { patientIds: [patient], now });
    const coordinator = as(world.tokens.clinicA.coordinator);
    const row = async () => {
      const page = await list(world.tokens.clinicA.coordinator, `month=${month}&assignee=me&limit=500`);
      return page.items.find((i) => i.patientId === patient);
    };
    const status = async (kind: string) => (await row())?.items.find((i) => i.kind === kind)?.status;
    expect(await status('data_review')).toBe('open');
    expect(await status('interactive_communication')).toBe('open');
    expect(await status('management_time')).toBe('open');

    expect((await coordinator('POST', `/v1/patients/${patient}/data-reviews`, { month })).statusCode).toBe(201);
    expect(await status('data_review')).toBe('done');
    expect((await coordinator('POST', `/v1/patients/${patient}/communications`, { at: new Date(Date.now() - 60_000).toISOString(), minutes: 4, modality: 'video' })).statusCode).toBe(201);
    expect(await status('interactive_communication')).toBe('done');
    const entry = await coordinator('POST', `/v1/patients/${patient}/time-entries`, { startedAt: new Date(Date.now() - 14 * 60_000).toISOString(), endedAt: new Date(Date.now() - 4 * 60_000).toISOString(), activity: 'review' });
    expect(entry.statusCode).toBe(201);
    expect(await status('management_time')).toBe('done');
    // deleting the entry reopens the item
    expect((await coordinator('DELETE', `/v1/patients/${patient}/time-entries/${entry.json().id}`)).statusCode).toBe(200);
    expect(await status('management_time')).toBe('open');
    expect(await status('documentation')).toBe('open');
    const doc = await coordinator('PUT', `/v1/patients/${patient}/documentation/${month}`, { whyMonitored: 'COPD inhaler adherence', whatReviewed: 'calendar', whatChanged: 'no change' });
    expect(doc.statusCode).toBe(200);
    expect(await status('documentation')).toBe('done');
    expect((await row())!.items.filter((i) => i.status === 'open').map((i) => i.kind).sort()).toEqual(['management_time', 'supply_days']);
  });
});
