/**
 * The alert lifecycle over the API: list with filters and paging, one alert with its history, acknowledge,
 * assign, resolve (outcome and note), dismiss (reason); illegal transitions are 409 `illegal_transition`;
 * every action is attributed to the user in alert_history and audit_log; another organisation's alert is 404;
 * support never sees alerts. Also the organisation's rule settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventKind, SymptomPattern } from '../../../protocol/src/messages.ts';
import { saveCarePlan } from '../../src/clinical/care-plan-repository.ts';
import { evaluateAlerts } from '../../src/clinical/evaluate-alerts.ts';
import { refreshWorkItems } from '../../src/clinical/work-queue-repository.ts';
import { bearer, createWorld, seedAssignment, seedDevice, seedEvents, seedHeartbeat, seedPatient, type World } from './fixture.ts';

let world: World;
const patients: string[] = [];
let foreignAlert: string;

const DAY = 86_400_000;

async function patientWithPress(org: 'clinicA' | 'clinicB', ref: string, name: string, presses: number): Promise<string> {
  const { db, orgIds, users } = world;
  const start = new Date(Date.now() - 10 * DAY);
  const id = await seedPatient(db, orgIds[org], ref, { name, start: start.toISOString().slice(0, 10) });
  const serial = `ALRT-${ref}`;
  const device = await seedDevice(db, serial, orgIds[org]);
  await seedAssignment(db, device, id, orgIds[org], start);
  await saveCarePlan(db, {
    orgId: orgIds[org], patientId: id, userId: users[org].clinician,
    plan: { monitors: 'both', dosesPerDay: 1, doseTimes: ['08:00'], toleranceMinutes: 60, category: 'musculoskeletal', clinicalOwnerId: users[org].clinician, coordinatorId: users[org].coordinator, consent: { by: name, method: 'verbal', at: start } },
  });
  // presses a day apart: one needs-help episode each
  await seedEvents(db, serial, device, id, Array.from({ length: presses }, (_, i) => ({ seq: i + 1, kind: EventKind.Symptom, args: [SymptomPattern.Long], at: new Date(Date.now() - (i * DAY + 3_600_000)) })));
  await seedHeartbeat(db, serial, device, new Date(Date.now() - 60_000), { batteryPct: 90 }, 1);
  return id;
}

beforeAll(async () => {
  world = await createWorld();
  await world.db.query(`UPDATE organisations SET settings = '{"billing": {"setupThresholdDays": 16}}' WHERE id = $1`, [world.orgIds.clinicA]);
  patients.push(await patientWithPress('clinicA', 'AL-1', 'Alan Alert', 2));
  patients.push(await patientWithPress('clinicA', 'AL-2', 'Beth Alert', 1));
  const foreign = await patientWithPress('clinicB', 'AL-B', 'Foreign Person', 1);
  await evaluateAlerts(world.db, { patientIds: [...patients, foreign], now: new Date() });
  await refreshWorkItems(world.db, { patientIds: [...patients, foreign], now: new Date() });
  const { rows } = await world.db.query<{ id: number }>(`SELECT id FROM alerts WHERE patient_id = $1 AND rule = 'needs_help'`, [foreign]);
  foreignAlert = String(rows[0]!.id);
}, 60_000);
afterAll(async () => world?.close());

const get = (url: string, token: string) => world.app.inject({ method: 'GET', url, headers: bearer(token) });
const post = (url: string, token: string, payload: unknown = {}) => world.app.inject({ method: 'POST', url, headers: bearer(token), payload: payload as object });

/** Urgent alerts the patient's newest work-queue row counts. */
async function liveAlertsOnQueue(patientId: string): Promise<number> {
  const { rows } = await world.db.query<{ urgent: number }>(
    "SELECT (summary->'alerts'->>'urgent')::int AS urgent FROM work_items WHERE patient_id = $1 ORDER BY month DESC LIMIT 1", [patientId]);
  return rows[0]?.urgent ?? 0;
}

async function needsHelpAlerts(token = world.tokens.clinicA.clinician): Promise<{ id: string; patient: { reference: string; name: string }; assigneeId: string | null }[]> {
  const res = await get('/v1/alerts?rule=needs_help&limit=200', token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().alerts;
}

describe('alerts API', () => {
  it('lists live alerts with the patient, filtered and paged', async () => {
    const alerts = await needsHelpAlerts(world.tokens.clinicA.clinic);
    expect(alerts.map((a) => a.patient.reference).sort()).toEqual(['AL-1', 'AL-1', 'AL-2']);
    expect(alerts.find((a) => a.patient.reference === 'AL-2')!.patient.name).toBe('Beth Alert');
    expect(alerts.every((a) => a.assigneeId === world.users.clinicA.coordinator)).toBe(true);

    const mine = await get('/v1/alerts?assignee=me&severity=urgent', world.tokens.clinicA.coordinator);
    expect(mine.json().alerts).toHaveLength(3);
    expect((await get('/v1/alerts?assignee=me&rule=needs_help', world.tokens.clinicA.clinician)).json().alerts).toHaveLength(0);
    expect((await get('/v1/alerts?assignee=unassigned&rule=needs_help', world.tokens.clinicA.clinician)).json().alerts).toHaveLength(0);
    expect((await get(`/v1/alerts?patientId=${patients[1]}&rule=needs_help`, world.tokens.clinicA.clinician)).json().alerts).toHaveLength(1);
    expect((await get('/v1/alerts?status=resolved,dismissed', world.tokens.clinicA.clinician)).json().alerts).toHaveLength(0);
    expect((await get('/v1/alerts?status=bogus', world.tokens.clinicA.clinician)).statusCode).toBe(400);

    const page1 = (await get('/v1/alerts?rule=needs_help&limit=2', world.tokens.clinicA.clinician)).json();
    expect(page1.alerts).toHaveLength(2);
    expect(page1.next).not.toBeNull();
    const page2 = (await get(`/v1/alerts?rule=needs_help&limit=2&cursor=${page1.next}`, world.tokens.clinicA.clinician)).json();
    expect(page2.alerts).toHaveLength(1);
    expect(page2.next).toBeNull();
    expect(new Set([...page1.alerts, ...page2.alerts].map((a: { id: string }) => a.id)).size).toBe(3);
  });

  it('walks the lifecycle, attributed to the user; illegal transitions are 409', async () => {
    const [alert] = (await needsHelpAlerts()).filter((a) => a.patient.reference === 'AL-2');
    const base = `/v1/alerts/${alert!.id}`;
    const ack = await post(`${base}/acknowledge`, world.tokens.clinicA.coordinator);
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: world.users.clinicA.coordinator });
    const twice = await post(`${base}/acknowledge`, world.tokens.clinicA.coordinator);
    expect([twice.statusCode, twice.json().error]).toEqual([409, 'illegal_transition']);
    expect(twice.json().details).toEqual({ status: 'acknowledged', action: 'acknowledge' });

    const assigned = await post(`${base}/assign`, world.tokens.clinicA.coordinator, { userId: world.users.clinicA.clinician });
    expect(assigned.json()).toMatchObject({ assigneeId: world.users.clinicA.clinician });
    const foreignUser = await post(`${base}/assign`, world.tokens.clinicA.coordinator, { userId: world.users.clinicB.clinician });
    expect([foreignUser.statusCode, foreignUser.json().error]).toEqual([422, 'invalid_assignee']);

    expect((await post(`${base}/resolve`, world.tokens.clinicA.clinician, { outcome: 'contacted_patient' })).statusCode).toBe(400);
    expect((await post(`${base}/resolve`, world.tokens.clinicA.clinician, { outcome: 'condition_cleared', note: 'x' })).statusCode).toBe(400);
    const resolved = await post(`${base}/resolve`, world.tokens.clinicA.clinician, { outcome: 'contacted_patient', note: 'Called: dizzy after the new dose, GP informed' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', outcome: 'contacted_patient', closedBy: world.users.clinicA.clinician });
    for (const [action, payload] of [['resolve', { outcome: 'other', note: 'again' }], ['dismiss', { reason: 'late' }], ['acknowledge', {}], ['assign', { userId: world.users.clinicA.coordinator }]] as const) {
      const res = await post(`${base}/${action}`, world.tokens.clinicA.clinician, payload);
      expect([res.statusCode, res.json().error], action).toEqual([409, 'illegal_transition']);
    }

    const detail = (await get(base, world.tokens.clinicA.clinic)).json();
    expect(detail.history.map((h: { action: string; userId: string | null }) => [h.action, h.userId])).toEqual([
      ['raised', null],
      ['acknowledged', world.users.clinicA.coordinator],
      ['assigned', world.users.clinicA.coordinator],
      ['resolved', world.users.clinicA.clinician],
    ]);
    const audit = await world.db.query<{ action: string; user_id: string; actor: string }>('SELECT action, user_id, actor FROM audit_log WHERE target = $1 ORDER BY id', [alert!.id]);
    expect(audit.rows.map((r) => [r.action, r.user_id, r.actor])).toEqual([
      ['alert.acknowledge', world.users.clinicA.coordinator, `user:${world.users.clinicA.coordinator}`],
      ['alert.assign', world.users.clinicA.coordinator, `user:${world.users.clinicA.coordinator}`],
      ['alert.resolve', world.users.clinicA.clinician, `user:${world.users.clinicA.clinician}`],
    ]);
  });

  it('dismisses with a reason, and a resolved episode is not raised again by the next evaluation', async () => {
    const [alert] = (await needsHelpAlerts()).filter((a) => a.patient.reference === 'AL-1');
    const urgentBefore = await liveAlertsOnQueue(patients[0]!);
    expect(urgentBefore).toBeGreaterThan(0);
    expect((await post(`/v1/alerts/${alert!.id}/dismiss`, world.tokens.clinicA.coordinator, {})).statusCode).toBe(400);
    const dismissed = await post(`/v1/alerts/${alert!.id}/dismiss`, world.tokens.clinicA.coordinator, { reason: 'pressed by the grandchild, confirmed by phone' });
    expect(dismissed.json()).toMatchObject({ status: 'dismissed', dismissReason: 'pressed by the grandchild, confirmed by phone' });
    // the work queue follows the action at once, not at the next sweep
    expect(await liveAlertsOnQueue(patients[0]!)).toBe(urgentBefore - 1);
    await evaluateAlerts(world.db, { patientIds: patients, now: new Date() });
    const live = await needsHelpAlerts();
    expect(live.map((a) => a.patient.reference)).toEqual(['AL-1']);
    expect(live[0]!.id).not.toBe(alert!.id);
  });

  it("answers another organisation's alert with 404, refuses machines on actions and support everywhere", async () => {
    expect((await get(`/v1/alerts/${foreignAlert}`, world.tokens.clinicA.clinician)).statusCode).toBe(404);
    expect((await get('/v1/alerts/123456789', world.tokens.clinicA.clinician)).statusCode).toBe(404);
    expect((await post(`/v1/alerts/${foreignAlert}/acknowledge`, world.tokens.clinicA.clinician)).statusCode).toBe(404);
    expect((await needsHelpAlerts()).map((a) => a.patient.name)).not.toContain('Foreign Person');
    expect((await get('/v1/alerts', world.tokens.clinicA.support)).statusCode).toBe(403);
    expect((await get(`/v1/alerts/${foreignAlert}`, world.tokens.clinicB.support)).statusCode).toBe(403);
    const machine = await post(`/v1/alerts/${foreignAlert}/acknowledge`, world.tokens.clinicB.admin);
    expect([machine.statusCode, machine.json().error]).toEqual([403, 'user_required']);
    expect((await post(`/v1/alerts/${foreignAlert}/acknowledge`, world.tokens.clinicB.clinic)).statusCode).toBe(403);
    const me = await get('/v1/alerts?assignee=me', world.tokens.clinicA.clinic);
    expect([me.statusCode, me.json().error]).toEqual([403, 'user_required']);
  });
});

describe('alert rule settings', () => {
  it('are read by clinical roles and replaced by a clinician, keeping other settings', async () => {
    const before = (await get('/v1/clinical/alert-rules', world.tokens.clinicA.coordinator)).json();
    expect(before).toMatchObject({ rules: {}, escalateAfterMinutes: 30, effective: { no_openings: { days: 3 } } });
    const put = await world.app.inject({
      method: 'PUT', url: '/v1/clinical/alert-rules', headers: bearer(world.tokens.clinicA.clinician),
      payload: { rules: { no_openings: { days: 5 }, cap_silent: { enabled: false } }, escalateAfterMinutes: 15 },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ rules: { no_openings: { days: 5 } }, escalateAfterMinutes: 15, effective: { no_openings: { days: 5, severity: 'high' }, cap_silent: { enabled: false } } });
    const { rows } = await world.db.query<{ settings: { billing: unknown; clinical: unknown } }>('SELECT settings FROM organisations WHERE id = $1', [world.orgIds.clinicA]);
    expect(rows[0]!.settings.billing).toEqual({ setupThresholdDays: 16 });
    const audit = await world.db.query<{ user_id: string }>(`SELECT user_id FROM audit_log WHERE action = 'alert_rules.update' AND org_id = $1`, [world.orgIds.clinicA]);
    expect(audit.rows.map((r) => r.user_id)).toEqual([world.users.clinicA.clinician]);

    const coordinator = await world.app.inject({ method: 'PUT', url: '/v1/clinical/alert-rules', headers: bearer(world.tokens.clinicA.coordinator), payload: { rules: {} } });
    expect(coordinator.statusCode).toBe(403);
    const invalid = await world.app.inject({ method: 'PUT', url: '/v1/clinical/alert-rules', headers: bearer(world.tokens.clinicA.clinician), payload: { rules: { no_openings: { days: -1 } } } });
    expect(invalid.statusCode).toBe(400);
    expect((await get('/v1/clinical/alert-rules', world.tokens.clinicA.support)).statusCode).toBe(403);
  });
});
