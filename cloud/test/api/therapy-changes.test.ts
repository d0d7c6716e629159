/**
 * Therapy changes and data reviews through the API: recorded by a person, linked to this patient's alert and
 * events only, filed under the patient-local month, feeding the documentation's suggested "what changed";
 * "why monitored" suggested from the care plan's goal; organisation isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDateOf, monthOf } from '../../src/billing/local-date.ts';
import { bearer, createWorld, seedAssignment, seedDevice, seedEvents, seedPatient, type World } from './fixture.ts';

let world: World;
let tokyo: string;
let chicago: string;
let eventId: number;
let foreignEventId: number;
let alertId: number;
let otherAlertId: number;

const as = (token: string) => (method: string, url: string, payload?: unknown) =>
  world.app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });
let clinician: ReturnType<typeof as>;

async function insertAlert(orgId: string, patientId: string): Promise<number> {
  const { rows } = await world.db.query<{ id: number }>(
    `INSERT INTO alerts (org_id, patient_id, rule, severity, title, condition_since, raised_at, last_seen_at)
     VALUES ($1, $2, 'missed_doses', 'high', 'missed doses', '2026-10-20T00:00:00Z', '2026-10-20T00:00:00Z', '2026-10-20T00:00:00Z') RETURNING id`,
    [orgId, patientId],
  );
  return Number(rows[0]!.id);
}

beforeAll(async () => {
  world = await createWorld();
  const { db, orgIds } = world;
  tokyo = await seedPatient(db, orgIds.clinicA, 'TC-1', { zone: 'Asia/Tokyo', start: '2026-09-01' });
  chicago = await seedPatient(db, orgIds.clinicA, 'TC-2', { zone: 'America/Chicago', start: '2026-09-01' });
  const dev = await seedDevice(db, 'TC-CAP-1', orgIds.clinicA);
  await seedAssignment(db, dev, tokyo, orgIds.clinicA, new Date('2026-09-01T00:00:00Z'));
  await seedEvents(db, 'TC-CAP-1', dev, tokyo, [{ seq: 1, kind: 1, args: [4], at: new Date('2026-10-25T00:00:00Z') }]);
  eventId = Number((await db.query<{ id: number }>('SELECT id FROM events WHERE patient_id = $1', [tokyo])).rows[0]!.id);
  const dev2 = await seedDevice(db, 'TC-CAP-2', orgIds.clinicA);
  await seedEvents(db, 'TC-CAP-2', dev2, chicago, [{ seq: 1, kind: 1, args: [4], at: new Date('2026-10-25T00:00:00Z') }]);
  foreignEventId = Number((await db.query<{ id: number }>('SELECT id FROM events WHERE patient_id = $1', [chicago])).rows[0]!.id);
  alertId = await insertAlert(orgIds.clinicA, tokyo);
  otherAlertId = await insertAlert(orgIds.clinicA, chicago);
  await db.query(
    `INSERT INTO care_plans (patient_id, org_id, category, goal, coordinator_id, clinical_owner_id) VALUES ($1, $2, 'musculoskeletal', $3, $4, $5)`,
    [tokyo, orgIds.clinicA, 'I want to take my arthritis tablets every morning', world.users.clinicA.coordinator, world.users.clinicA.clinician],
  );
  clinician = as(world.tokens.clinicA.clinician);
});
afterAll(async () => world?.close());

describe('therapy changes', () => {
  it('records a change in the patient-local month, linked to its alert and events, attributed to the person', async () => {
    // 2026-10-31T16:00Z is already November 1 in Tokyo (UTC+9) but still October 31 in Chicago
    const res = await clinician('POST', `/v1/patients/${tokyo}/therapy-changes`, {
      what: 'Methotrexate moved to the evening', why: 'three missed morning doses', changedAt: '2026-10-31T16:00:00Z', alertId, evidence: { eventIds: [eventId], dates: ['2026-10-25', '2026-10-24'] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      month: '2026-11', alertId, userId: world.users.clinicA.clinician, userName: 'Dr clinicA Clinician', evidence: { eventIds: [eventId], dates: ['2026-10-24', '2026-10-25'] },
    });
    const chi = await clinician('POST', `/v1/patients/${chicago}/therapy-changes`, { what: 'dose reduced', why: 'nausea', changedAt: '2026-10-31T16:00:00Z' });
    expect(chi.json().month).toBe('2026-10');
    const audit = await world.db.query<{ user_id: string }>("SELECT user_id FROM audit_log WHERE action = 'therapy.change' AND target = $1", [tokyo]);
    expect(audit.rows).toEqual([{ user_id: world.users.clinicA.clinician }]);
  });

  it("refuses another patient's alert or events, and a change in the future", async () => {
    const body = { what: 'x', why: 'y', changedAt: '2026-10-20T10:00:00Z' };
    const alert = await clinician('POST', `/v1/patients/${tokyo}/therapy-changes`, { ...body, alertId: otherAlertId });
    expect(alert.statusCode).toBe(422);
    expect(alert.json().error).toBe('invalid_alert');
    const events = await clinician('POST', `/v1/patients/${tokyo}/therapy-changes`, { ...body, evidence: { eventIds: [foreignEventId] } });
    expect(events.statusCode).toBe(422);
    expect(events.json().error).toBe('invalid_evidence');
    const future = await clinician('POST', `/v1/patients/${tokyo}/therapy-changes`, { ...body, changedAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(future.statusCode).toBe(400);
    const empty = await clinician('POST', `/v1/patients/${tokyo}/therapy-changes`, { ...body, what: '  ' });
    expect(empty.statusCode).toBe(400);
    expect((await world.db.query('SELECT 1 FROM therapy_changes WHERE patient_id = $1', [tokyo])).rowCount).toBe(1);
  });

  it('lists changes by month', async () => {
    const all = (await clinician('GET', `/v1/patients/${tokyo}/therapy-changes`)).json().changes;
    expect(all).toHaveLength(1);
    expect((await clinician('GET', `/v1/patients/${tokyo}/therapy-changes?month=2026-10`)).json().changes).toHaveLength(0);
    expect((await clinician('GET', `/v1/patients/${tokyo}/therapy-changes?month=2026-11`)).json().changes).toHaveLength(1);
  });

  it("suggests 'why monitored' from the care plan and 'what changed' from the month's changes, until answered", async () => {
    const doc = (await clinician('GET', `/v1/patients/${tokyo}/documentation/2026-11`)).json();
    expect(doc.answers.whyMonitored).toBeNull();
    expect(doc.suggestions).toEqual({
      whyMonitored: { text: 'I want to take my arthritis tablets every morning', source: 'care_plan.goal', suggested: true },
      whatChanged: { text: '2026-11-01: Methotrexate moved to the evening (why: three missed morning doses)', source: 'therapy_changes', suggested: true },
    });
    // October has no change for Tokyo: nothing to suggest there
    expect((await clinician('GET', `/v1/patients/${tokyo}/documentation/2026-10`)).json().suggestions.whatChanged).toBeNull();
    const put = await clinician('PUT', `/v1/patients/${tokyo}/documentation/2026-11`, { whatChanged: 'evening dosing' });
    expect(put.json().suggestions.whatChanged).toBeNull();
    expect(put.json().suggestions.whyMonitored).not.toBeNull();
    const row = await world.db.query<{ updated_by_user: string; updated_by: string }>('SELECT updated_by_user, updated_by FROM monthly_documentation WHERE patient_id = $1', [tokyo]);
    expect(row.rows[0]).toEqual({ updated_by_user: world.users.clinicA.clinician, updated_by: `user:${world.users.clinicA.clinician}` });
  });

  it('is for people of the organisation only', async () => {
    expect((await as(world.tokens.clinicA.clinic)('GET', `/v1/patients/${tokyo}/therapy-changes`)).statusCode).toBe(403);
    expect((await as(world.tokens.clinicA.admin)('GET', `/v1/patients/${tokyo}/therapy-changes`)).json().error).toBe('user_required');
    const foreign = await as(world.tokens.clinicB.clinician)('GET', `/v1/patients/${tokyo}/therapy-changes`);
    const absent = await as(world.tokens.clinicB.clinician)('GET', '/v1/patients/11111111-1111-4111-8111-111111111111/therapy-changes');
    expect(foreign.statusCode).toBe(404);
    expect({ ...foreign.json(), requestId: 0 }).toEqual({ ...absent.json(), requestId: 0 });
    expect((await as(world.tokens.clinicB.clinician)('POST', `/v1/patients/${tokyo}/data-reviews`, { month: '2026-10' })).statusCode).toBe(404);
    expect((await as(world.tokens.clinicA.support)('GET', `/v1/patients/${tokyo}/data-reviews`)).statusCode).toBe(403);
  });
});

describe('data reviews', () => {
  it('records a review for a month by the signed-in person and lists it', async () => {
    const month = monthOf(localDateOf(new Date(), 'Asia/Tokyo'));
    const res = await as(world.tokens.clinicA.coordinator)('POST', `/v1/patients/${tokyo}/data-reviews`, { month, note: 'calendar and symptoms reviewed' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ month, userId: world.users.clinicA.coordinator, note: 'calendar and symptoms reviewed' });
    const list = (await clinician('GET', `/v1/patients/${tokyo}/data-reviews?month=${month}`)).json().reviews;
    expect(list).toHaveLength(1);
    const future = await clinician('POST', `/v1/patients/${tokyo}/data-reviews`, { month: '2099-01' });
    expect(future.statusCode).toBe(400);
  });
});
