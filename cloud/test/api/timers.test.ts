/**
 * Time that holds up, through the API: timers (one per user, survive a reload, switch, stop into an entry in
 * whole minutes, refusals under 1 min and over 12 h, discard), time entries attributed to the person, manual
 * entries with a reason, overlaps refused (also two concurrent requests), device logistics recorded but never
 * counted toward 98979-98981, soft deletion with audit, organisation isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDateOf, monthOf } from '../../src/billing/local-date.ts';
import { issueToken } from '../../src/api/auth/tokens.ts';
import { insertUser } from '../../src/repositories/users.ts';
import { bearer, createWorld, seedPatient, type World } from './fixture.ts';

let world: World;
let patient: string;
let other: string;
const ZONE = 'America/Chicago';

const as = (token: string) => (method: string, url: string, payload?: unknown) =>
  world.app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });
let clinician: ReturnType<typeof as>;
let coordinator: ReturnType<typeof as>;

/** Moves the caller's running timer back in time, as if it had been started `ms` ago. */
async function backdateTimer(userId: string, ms: number): Promise<void> {
  await world.db.query('UPDATE running_timers SET started_at = now() - $2 * interval \'1 millisecond\' WHERE user_id = $1', [userId, ms]);
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

beforeAll(async () => {
  world = await createWorld();
  const start = localDateOf(new Date(Date.now() - 40 * 86_400_000), ZONE);
  patient = await seedPatient(world.db, world.orgIds.clinicA, 'T-1', { zone: ZONE, start });
  other = await seedPatient(world.db, world.orgIds.clinicA, 'T-2', { zone: ZONE, start });
  clinician = as(world.tokens.clinicA.clinician);
  coordinator = as(world.tokens.clinicA.coordinator);
});
afterAll(async () => world?.close());

describe('timers', () => {
  it('starts one timer per user, which survives a reload, and refuses a second', async () => {
    expect((await clinician('GET', '/v1/timers/current')).json()).toEqual({ timer: null });
    const started = await clinician('POST', `/v1/patients/${patient}/timers`, { category: 'data_review', activity: 'reviewed the calendar' });
    expect(started.statusCode).toBe(201);
    expect(started.json().timer).toMatchObject({ patientId: patient, category: 'data_review', activity: 'reviewed the calendar' });
    // a new page (a new request, nothing kept in the client) finds it
    const current = (await clinician('GET', '/v1/timers/current')).json();
    expect(current.timer).toMatchObject({ patientId: patient, category: 'data_review' });
    const second = await clinician('POST', `/v1/patients/${other}/timers`, { category: 'care_coordination', activity: 'called pharmacy' });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: 'timer_running', details: { timer: { patientId: patient } } });
    // another user has a timer of their own
    expect((await coordinator('POST', `/v1/patients/${patient}/timers`, { category: 'documentation', activity: 'notes' })).statusCode).toBe(201);
    expect((await coordinator('DELETE', `/v1/patients/${patient}/timers`)).statusCode).toBe(200);
  });

  it('refuses to stop a timer under a minute, then stops it into an entry of whole minutes', async () => {
    const short = await clinician('POST', `/v1/patients/${patient}/timers/stop`);
    expect(short.statusCode).toBe(422);
    expect(short.json().error).toBe('timer_too_short');
    // the refusal rolled back: the timer still runs
    expect((await clinician('GET', '/v1/timers/current')).json().timer).not.toBeNull();
    await backdateTimer(world.users.clinicA.clinician, 7 * 60_000 + 59_000);
    const stopped = await clinician('POST', `/v1/patients/${patient}/timers/stop`);
    expect(stopped.statusCode).toBe(201);
    const entry = stopped.json().entry;
    expect(entry).toMatchObject({ minutes: 7, entryKind: 'timer', category: 'data_review', userId: world.users.clinicA.clinician, countsTowardManagement: true, manualReason: null });
    expect(Date.parse(entry.endedAt) - Date.parse(entry.startedAt)).toBeGreaterThanOrEqual(479_000);
    expect(entry.staff).toBe('Dr clinicA Clinician');
    expect((await clinician('GET', '/v1/timers/current')).json()).toEqual({ timer: null });
    const audit = await world.db.query<{ user_id: string }>("SELECT user_id FROM audit_log WHERE action = 'time.timer_stop' AND target = $1", [patient]);
    expect(audit.rows.map((r) => r.user_id)).toEqual([world.users.clinicA.clinician]);
  });

  it('refuses a timer left running over 12 hours; it can be discarded', async () => {
    await clinician('POST', `/v1/patients/${other}/timers`, { category: 'treatment_management', activity: 'forgot it' });
    await backdateTimer(world.users.clinicA.clinician, 12 * 3_600_000 + 60_000);
    const res = await clinician('POST', `/v1/patients/${other}/timers/stop`);
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toBe('timer_too_long');
    expect((await clinician('POST', `/v1/patients/${patient}/timers/stop`)).statusCode).toBe(404);
    const discarded = await clinician('DELETE', `/v1/patients/${other}/timers`);
    expect(discarded.statusCode).toBe(200);
    expect(discarded.json().discarded.patientId).toBe(other);
    expect((await clinician('DELETE', `/v1/patients/${other}/timers`)).statusCode).toBe(404);
  });

  it('switches: the running timer becomes an entry and the new one starts', async () => {
    // the coordinator: the clinician's earlier timer entry ended a moment ago and would overlap
    await coordinator('POST', `/v1/patients/${other}/timers`, { category: 'patient_communication', activity: 'call' });
    await backdateTimer(world.users.clinicA.coordinator, 3 * 60_000);
    const res = await coordinator('POST', `/v1/patients/${patient}/timers`, { category: 'care_coordination', activity: 'pharmacy', switch: true });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.timer.patientId).toBe(patient);
    expect(body.switched.stopped.entry).toMatchObject({ patientId: other, minutes: 3, entryKind: 'timer', category: 'patient_communication' });
    expect(body.switched.discarded).toBeNull();
    // a switch away from a timer under a minute discards it instead
    const again = await coordinator('POST', `/v1/patients/${other}/timers`, { category: 'documentation', activity: 'notes', switch: true });
    expect(again.json().switched).toMatchObject({ stopped: null, discarded: { patientId: patient } });
    await coordinator('DELETE', `/v1/patients/${other}/timers`);
  });

  it('is for people only, and other organisations see nothing', async () => {
    const machine = await as(world.tokens.clinicA.clinic)('POST', `/v1/patients/${patient}/timers`, { category: 'data_review', activity: 'x' });
    expect(machine.statusCode).toBe(403);
    const admin = await as(world.tokens.clinicA.admin)('GET', '/v1/timers/current');
    expect(admin.statusCode).toBe(403);
    expect(admin.json().error).toBe('user_required');
    const foreign = await as(world.tokens.clinicB.clinician)('POST', `/v1/patients/${patient}/timers`, { category: 'data_review', activity: 'x' });
    expect(foreign.statusCode).toBe(404);
    const support = await as(world.tokens.clinicA.support)('GET', '/v1/timers/current');
    expect(support.statusCode).toBe(403);
  });
});

describe('time entries', () => {
  it('needs a reason for a manual entry and attributes it to the person', async () => {
    const noReason = await coordinator('POST', `/v1/patients/${patient}/time-entries`, { minutes: 5, activity: 'review', performedAt: minutesAgo(600) });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error).toBe('manual_reason_required');
    const ok = await coordinator('POST', `/v1/patients/${patient}/time-entries`, { minutes: 5, activity: 'review', performedAt: minutesAgo(600), manualReason: 'timer app was down' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ userId: world.users.clinicA.coordinator, staff: 'clinicA Coordinator', entryKind: 'manual', manualReason: 'timer app was down' });
    const row = await world.db.query<{ user_id: string; created_by: string }>('SELECT user_id, created_by FROM management_time WHERE id = $1', [ok.json().id]);
    expect(row.rows[0]).toEqual({ user_id: world.users.clinicA.coordinator, created_by: `user:${world.users.clinicA.coordinator}` });
    const future = await coordinator('POST', `/v1/patients/${patient}/time-entries`, { startedAt: minutesAgo(-30), endedAt: minutesAgo(-40), activity: 'x' });
    expect(future.statusCode).toBe(400);
  });

  it("refuses an entry overlapping one of the same user's, on any patient, but not another user's", async () => {
    const first = await coordinator('POST', `/v1/patients/${patient}/time-entries`, { startedAt: minutesAgo(300), endedAt: minutesAgo(280), activity: 'call prep', category: 'care_coordination' });
    expect(first.statusCode).toBe(201);
    expect(first.json().minutes).toBe(20);
    const clash = await coordinator('POST', `/v1/patients/${other}/time-entries`, { startedAt: minutesAgo(290), endedAt: minutesAgo(270), activity: 'other patient' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json()).toMatchObject({ error: 'time_overlap', details: { overlaps: [{ id: first.json().id, patientId: patient }] } });
    // touching (ends exactly when the other starts) is not an overlap
    const adjacent = await coordinator('POST', `/v1/patients/${other}/time-entries`, { startedAt: minutesAgo(280), endedAt: minutesAgo(270), activity: 'right after' });
    expect(adjacent.statusCode).toBe(201);
    // a manual entry's span is performedAt + minutes
    const manual = await coordinator('POST', `/v1/patients/${other}/time-entries`, { performedAt: minutesAgo(295), minutes: 10, activity: 'x', manualReason: 'paper log' });
    expect(manual.statusCode).toBe(409);
    const otherUser = await clinician('POST', `/v1/patients/${patient}/time-entries`, { startedAt: minutesAgo(300), endedAt: minutesAgo(280), activity: 'same time, other person' });
    expect(otherUser.statusCode).toBe(201);
  });

  it('lets only one of two concurrent overlapping requests through', async () => {
    const body = (n: number) => ({ startedAt: minutesAgo(200), endedAt: minutesAgo(185), activity: `concurrent ${n}` });
    const results = await Promise.all([1, 2, 3, 4].map((n) => coordinator('POST', `/v1/patients/${n % 2 ? patient : other}/time-entries`, body(n))));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    const rows = await world.db.query("SELECT 1 FROM management_time WHERE user_id = $1 AND activity LIKE 'concurrent %'", [world.users.clinicA.coordinator]);
    expect(rows.rowCount).toBe(1);
  });

  it('keeps a timer stop from overlapping logged time', async () => {
    await clinician('POST', `/v1/patients/${patient}/timers`, { category: 'data_review', activity: 'overlapping timer' });
    await backdateTimer(world.users.clinicA.clinician, 295 * 60_000);
    const res = await clinician('POST', `/v1/patients/${patient}/timers/stop`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('time_overlap');
    await clinician('DELETE', `/v1/patients/${patient}/timers`);
  });

  it('records device logistics without counting it toward 98979-98981', async () => {
    const zone = 'UTC';
    const p = await seedPatient(world.db, world.orgIds.clinicA, 'T-LOG', { zone, start: localDateOf(new Date(Date.now() - 20 * 86_400_000), zone) });
    // one UTC day that has fully passed its first 35 minutes, so every entry below is in the past and in one month
    const day = localDateOf(new Date(Date.now() - 35 * 60_000), zone);
    const month = monthOf(day);
    // a nurse of her own (no other entries that could overlap) logs 9 min of care and 15 min shipping a replacement cap
    const nurse = await insertUser(world.db, { orgId: world.orgIds.clinicA, name: 'Nurse Logistics', email: 'logistics@clinicA.test', role: 'coordinator' });
    const clinician = as((await issueToken(world.db, { orgSlug: 'clinic-a', role: 'coordinator', userId: nurse.id, label: 'nurse' })).token);
    const base = Date.parse(`${day}T00:00:00Z`);
    const at = (min: number) => new Date(base + min * 60_000).toISOString();
    await clinician('POST', `/v1/patients/${p}/communications`, { at: at(1), minutes: 3, modality: 'phone' });
    const care = await clinician('POST', `/v1/patients/${p}/time-entries`, { startedAt: at(2), endedAt: at(11), activity: 'reviewed adherence', category: 'treatment_management' });
    expect(care.statusCode).toBe(201);
    const logistics = await clinician('POST', `/v1/patients/${p}/time-entries`, { startedAt: at(12), endedAt: at(27), activity: 'shipped a new cap', category: 'device_logistics' });
    expect(logistics.json()).toMatchObject({ minutes: 15, countsTowardManagement: false });
    const doc = (await clinician('GET', `/v1/patients/${p}/documentation/${month}`)).json();
    expect(doc.management).toMatchObject({ minutes: 9, excludedMinutes: 15, codes: [] });
    expect(doc.management.reason).toContain('15 min of device logistics recorded but not counted');
    expect(doc.timeEntries.map((t: { category: string }) => t.category).sort()).toEqual(['device_logistics', 'treatment_management']);
    // one more minute of care reaches 98979; logistics never would have
    await clinician('POST', `/v1/patients/${p}/time-entries`, { startedAt: at(28), endedAt: at(29), activity: 'one more minute' });
    const after = (await clinician('GET', `/v1/patients/${p}/documentation/${month}`)).json();
    expect(after.management).toMatchObject({ minutes: 10, excludedMinutes: 15, codes: [{ code: '98979', units: 1 }] });
  });

  it('soft-deletes an entry with audit; a coordinator cannot delete a clinician entry', async () => {
    const created = await clinician('POST', `/v1/patients/${patient}/time-entries`, { startedAt: minutesAgo(100), endedAt: minutesAgo(90), activity: 'to delete' });
    const id = created.json().id as number;
    const denied = await coordinator('DELETE', `/v1/patients/${patient}/time-entries/${id}`);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toBe('not_your_entry');
    expect((await clinician('DELETE', `/v1/patients/${other}/time-entries/${id}`)).statusCode).toBe(404);
    expect((await as(world.tokens.clinicB.clinician)('DELETE', `/v1/patients/${patient}/time-entries/${id}`)).statusCode).toBe(404);
    const del = await clinician('DELETE', `/v1/patients/${patient}/time-entries/${id}`);
    expect(del.statusCode).toBe(200);
    expect((await clinician('DELETE', `/v1/patients/${patient}/time-entries/${id}`)).statusCode).toBe(404);
    const row = await world.db.query<{ deleted_at: Date | null }>('SELECT deleted_at FROM management_time WHERE id = $1', [id]);
    expect(row.rows[0]!.deleted_at).toBeInstanceOf(Date);
    const listed = (await clinician('GET', `/v1/patients/${patient}/time-entries`)).json().entries.map((e: { id: number }) => e.id);
    expect(listed).not.toContain(id);
    const withDeleted = (await clinician('GET', `/v1/patients/${patient}/time-entries?includeDeleted=true`)).json().entries;
    expect(withDeleted.find((e: { id: number }) => e.id === id).deletedAt).not.toBeNull();
    const audit = await world.db.query<{ user_id: string; detail: { entryId: number } }>("SELECT user_id, detail FROM audit_log WHERE action = 'time.entry_delete'");
    expect(audit.rows).toEqual([{ user_id: world.users.clinicA.clinician, detail: expect.objectContaining({ entryId: id, minutes: 10 }) }]);
    // the freed span can be logged again
    expect((await clinician('POST', `/v1/patients/${patient}/time-entries`, { startedAt: minutesAgo(100), endedAt: minutesAgo(90), activity: 'again' })).statusCode).toBe(201);
  });

  it('keeps the machine-token path of the old API (staff given, no user)', async () => {
    const res = await as(world.tokens.clinicA.clinic)('POST', `/v1/patients/${patient}/time-entries`, { staff: 'Nurse Joy', minutes: 4, activity: 'import', performedAt: minutesAgo(2000) });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ staff: 'Nurse Joy', userId: null, manualReason: null });
    const noStaff = await as(world.tokens.clinicA.clinic)('POST', `/v1/patients/${patient}/time-entries`, { minutes: 4, activity: 'import', performedAt: minutesAgo(2000) });
    expect(noStaff.statusCode).toBe(400);
  });
});
