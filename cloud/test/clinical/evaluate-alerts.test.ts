/**
 * The alert evaluator on a real database: one alert per episode, duplicates and re-evaluation change nothing,
 * late data resolves with the engine's note, a person's close holds the episode until the condition is seen
 * gone, escalation in injected time, device reassignment, consent, DST on the SQL path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventKind, SymptomPattern } from '../../../protocol/src/messages.ts';
import { instantOfLocalTime } from '../../src/billing/local-date.ts';
import { actOnAlert } from '../../src/clinical/alert-repository.ts';
import { escalateAlerts, evaluateAlerts, evidenceHash } from '../../src/clinical/evaluate-alerts.ts';
import { rebuildDays, seedAssignment, seedEvents, seedHeartbeat, seedPatient } from '../api/fixture.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { alertsOf, createClinic, historyOf, monitoredPatient, type Clinic } from './clinical-world.ts';

let db: TestDatabase;
let clinic: Clinic;
let seq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  clinic = await createClinic(db);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

const H = 3_600_000;
const local = (date: string, time: string, zone = 'America/Chicago') => {
  const [h, m] = time.split(':').map(Number);
  return instantOfLocalTime(date, h! * 60 + m!, zone);
};
const contact = (p: { serial: string; deviceId: string }, at: Date, metrics: Record<string, unknown> = { batteryPct: 80, batteryMv: 4000 }) =>
  seedHeartbeat(db, p.serial, p.deviceId, at, metrics, Math.floor(at.getTime() / 1000) % 1_000_000_000);
const events = (p: { serial: string; deviceId: string; patientId: string }, list: { kind: number; args: number[]; at: Date }[]) =>
  seedEvents(db, p.serial, p.deviceId, p.patientId, list.map((e) => ({ ...e, seq: ++seq })));

describe('episodes', () => {
  it('raises a needs-help press once, however often it is evaluated', async () => {
    const p = await monitoredPatient(clinic);
    const pressAt = local('2026-10-10', '09:00');
    await events(p, [{ kind: EventKind.Symptom, args: [SymptomPattern.Long], at: pressAt }]);
    await contact(p, pressAt);
    await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(pressAt.getTime() + 60_000) });
    const raised = await alertsOf(db, p.patientId);
    const again = await evaluateAlerts(db, { patientIds: [p.patientId, p.patientId], now: new Date(pressAt.getTime() + 120_000) });
    expect(again).toMatchObject({ raised: 0, resolved: 0 });
    expect((await alertsOf(db, p.patientId)).map((a) => a.id)).toEqual(raised.map((a) => a.id));
    const alerts = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'needs_help');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'urgent', status: 'open', assignee_id: clinic.coordinator });
    expect((await historyOf(db, alerts[0]!.id)).map((h) => h.action)).toEqual(['raised']);
  });

  it('keeps a digest of the evidence beside it, and compares that: key order does not matter, a missing digest is filled in once', async () => {
    expect(evidenceHash({ a: 1, b: [1, { c: 'x', d: null }] })).toBe(evidenceHash({ b: [1, { d: null, c: 'x' }], a: 1 }));
    expect(evidenceHash({ a: 1 })).not.toBe(evidenceHash({ a: 2 }));
    const p = await monitoredPatient(clinic);
    const pressAt = local('2026-10-11', '09:00');
    await events(p, [{ kind: EventKind.Symptom, args: [SymptomPattern.Long], at: pressAt }]);
    await contact(p, pressAt);
    await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(pressAt.getTime() + 60_000) });
    const { rows } = await db.query<{ id: number; evidence: unknown; evidence_hash: string | null }>(`SELECT id, evidence, evidence_hash FROM alerts WHERE patient_id = $1 AND rule = 'needs_help'`, [p.patientId]);
    expect(rows).toHaveLength(1);
    // the stored digest is the digest of the evidence as PostgreSQL gives it back (jsonb reorders keys)
    expect(rows[0]!.evidence_hash).toBe(evidenceHash(rows[0]!.evidence));
    // an alert from before the digest was kept: read as changed once, then filled in and stable
    await db.query('UPDATE alerts SET evidence_hash = NULL WHERE id = $1', [rows[0]!.id]);
    expect(await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(pressAt.getTime() + 120_000) })).toMatchObject({ raised: 0, updated: 1 });
    expect((await db.query<{ evidence_hash: string }>('SELECT evidence_hash FROM alerts WHERE id = $1', [rows[0]!.id])).rows[0]!.evidence_hash).toBe(rows[0]!.evidence_hash);
    expect(await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(pressAt.getTime() + 180_000) })).toMatchObject({ raised: 0, updated: 0 });
  });

  it('resolves itself with a note when late data removes the condition (missed doses)', async () => {
    const p = await monitoredPatient(clinic);
    const now = local('2026-10-20', '12:00');
    // openings at 08:05 every day except 10-15, 10-16, 10-17; the cap reports daily
    const days = ['2026-10-10', '2026-10-11', '2026-10-12', '2026-10-13', '2026-10-14', '2026-10-18', '2026-10-19', '2026-10-20'];
    await events(p, days.map((d) => ({ kind: EventKind.LidOpened, args: [20], at: local(d, '08:05') })));
    await contact(p, local('2026-10-20', '09:00'));
    await rebuildDays(db, [p.patientId]);
    expect((await evaluateAlerts(db, { patientIds: [p.patientId], now })).raised).toBe(1);
    const [raised] = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'missed_doses');
    expect(raised).toMatchObject({ status: 'open', severity: 'high' });

    // the cap's flash had the 10-16 opening: it arrives late
    await events(p, [{ kind: EventKind.LidOpened, args: [20], at: local('2026-10-16', '08:30') }]);
    await rebuildDays(db, [p.patientId]);
    const later = new Date(now.getTime() + 10 * 60_000);
    expect((await evaluateAlerts(db, { patientIds: [p.patientId], now: later })).resolved).toBe(1);
    const [resolved] = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'missed_doses');
    expect(resolved).toMatchObject({ status: 'resolved', closed_by: null, outcome: 'condition_cleared' });
    expect(resolved!.note).toMatch(/rule engine.*fewer missed doses/);
    const history = await historyOf(db, resolved!.id);
    expect(history.map((h) => [h.action, h.user_id])).toEqual([
      ['raised', null],
      ['auto_resolved', null],
    ]);
    const audit = await db.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE action = 'alert.auto_resolve' AND target = $1`, [String(resolved!.id)]);
    expect(audit.rows.map((r) => r.actor)).toEqual(['clinical-engine']);
  });

  it('keeps a person-closed episode until the condition is seen gone, then raises a new alert when it returns', async () => {
    const p = await monitoredPatient(clinic);
    const lastContact = local('2026-10-10', '09:00');
    await contact(p, lastContact);
    const t1 = new Date(lastContact.getTime() + 50 * H);
    await evaluateAlerts(db, { patientIds: [p.patientId], now: t1 });
    const [silent] = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'cap_silent');
    expect(silent).toMatchObject({ status: 'open' });
    await actOnAlert(db, { orgId: clinic.orgId, alertId: silent!.id, userId: clinic.coordinator, actor: `user:${clinic.coordinator}`, action: { kind: 'resolve', outcome: 'contacted_patient', note: 'patient is travelling' }, now: t1 });

    // still silent: no new alert, the closed one carries the episode
    const t2 = new Date(t1.getTime() + 5 * H);
    expect((await evaluateAlerts(db, { patientIds: [p.patientId], now: t2 })).raised).toBe(0);
    let capAlerts = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'cap_silent');
    expect(capAlerts).toHaveLength(1);
    expect(capAlerts[0]!.last_seen_at).toEqual(t2);
    // a re-evaluation within LAST_SEEN_GRANULARITY_MS that finds nothing new writes nothing
    await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(t2.getTime() + 60_000) });
    expect((await alertsOf(db, p.patientId)).find((a) => a.id === capAlerts[0]!.id)!.last_seen_at).toEqual(t2);

    // the cap is back: the episode ends (no alert to resolve, the person already did)
    const back = new Date(t2.getTime() + H);
    await contact(p, back);
    await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(back.getTime() + 60_000) });
    capAlerts = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'cap_silent');
    expect(capAlerts).toHaveLength(1);
    expect(capAlerts[0]).toMatchObject({ status: 'resolved', outcome: 'contacted_patient', closed_by: clinic.coordinator });
    expect(capAlerts[0]!.evidence.conditionClearedAt).toBeDefined();
    expect((await historyOf(db, capAlerts[0]!.id)).map((h) => h.action)).toEqual(['raised', 'resolved', 'condition_cleared']);

    // silent again: a new episode, a new alert
    const t3 = new Date(back.getTime() + 49 * H);
    expect((await evaluateAlerts(db, { patientIds: [p.patientId], now: t3 })).raised).toBeGreaterThanOrEqual(1);
    capAlerts = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'cap_silent');
    expect(capAlerts.map((a) => a.status)).toEqual(['resolved', 'open']);
  });

  it('updates the live alert while the condition holds instead of raising again', async () => {
    const p = await monitoredPatient(clinic);
    const first = local('2026-10-12', '09:00');
    await events(p, [{ kind: EventKind.Symptom, args: [SymptomPattern.Long], at: first }]);
    await contact(p, first);
    await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(first.getTime() + 60_000) });
    // a second press ten minutes later belongs to the same episode: evidence grows
    const second = new Date(first.getTime() + 10 * 60_000);
    await events(p, [{ kind: EventKind.Symptom, args: [SymptomPattern.Long], at: second }]);
    const r = await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(second.getTime() + 60_000) });
    expect(r).toMatchObject({ raised: 0, updated: 1 });
    const [alert] = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'needs_help');
    expect((alert!.evidence.eventIds as number[]).length).toBe(2);
    expect((await historyOf(db, alert!.id)).map((h) => h.action)).toEqual(['raised', 'updated']);
  });
});

describe('escalation', () => {
  it("escalates an urgent alert nobody acknowledged to the care plan's clinical owner, once", async () => {
    const p = await monitoredPatient(clinic);
    const pressAt = local('2026-10-14', '22:00');
    await events(p, [{ kind: EventKind.Symptom, args: [SymptomPattern.Long], at: pressAt }]);
    await contact(p, pressAt);
    const raisedAt = new Date(pressAt.getTime() + 60_000);
    await evaluateAlerts(db, { patientIds: [p.patientId], now: raisedAt });
    expect(await escalateAlerts(db, { now: new Date(raisedAt.getTime() + 29 * 60_000), patientIds: [p.patientId] })).toBe(0);
    const r = await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(raisedAt.getTime() + 31 * 60_000) });
    expect(r.escalated).toBe(1);
    const [alert] = (await alertsOf(db, p.patientId)).filter((a) => a.rule === 'needs_help');
    expect(alert).toMatchObject({ status: 'open', assignee_id: clinic.clinician, escalated_to: clinic.clinician });
    expect(alert!.escalated_at).toEqual(new Date(raisedAt.getTime() + 31 * 60_000));
    expect((await historyOf(db, alert!.id)).map((h) => h.action)).toEqual(['raised', 'escalated']);
    expect(await escalateAlerts(db, { now: new Date(raisedAt.getTime() + 3 * H), patientIds: [p.patientId] })).toBe(0);
  });

  it('does not escalate an acknowledged alert, and follows the organisation setting', async () => {
    const quick = await createClinic(db, { clinical: { escalateAfterMinutes: 10 } });
    const a = await monitoredPatient(quick);
    const b = await monitoredPatient(quick);
    const pressAt = local('2026-10-14', '10:00');
    for (const p of [a, b]) {
      await events(p, [{ kind: EventKind.Symptom, args: [SymptomPattern.Long], at: pressAt }]);
      await contact(p, pressAt);
    }
    await evaluateAlerts(db, { patientIds: [a.patientId, b.patientId], now: pressAt });
    const [ack] = (await alertsOf(db, a.patientId)).filter((x) => x.rule === 'needs_help');
    await actOnAlert(db, { orgId: quick.orgId, alertId: ack!.id, userId: quick.coordinator, actor: `user:${quick.coordinator}`, action: { kind: 'acknowledge' }, now: new Date(pressAt.getTime() + 5 * 60_000) });
    expect(await escalateAlerts(db, { now: new Date(pressAt.getTime() + 11 * 60_000), patientIds: [a.patientId, b.patientId] })).toBe(1);
    expect((await alertsOf(db, a.patientId)).find((x) => x.rule === 'needs_help')!.escalated_at).toBeNull();
    expect((await alertsOf(db, b.patientId)).find((x) => x.rule === 'needs_help')!.escalated_to).toBe(quick.clinician);
  });
});

describe('data attribution and consent', () => {
  it("does not let a reassigned cap's earlier data speak for its new holder", async () => {
    const a = await monitoredPatient(clinic);
    const lowAt = local('2026-10-05', '10:00');
    await contact(a, lowAt, { batteryPct: 10, batteryMv: 3300 });
    await evaluateAlerts(db, { patientIds: [a.patientId], now: new Date(lowAt.getTime() + H) });
    expect((await alertsOf(db, a.patientId)).map((x) => x.rule)).toContain('battery_low');

    // the cap goes to patient B
    const moveAt = local('2026-10-06', '09:00');
    await db.query('UPDATE device_assignments SET unassigned_at = $2 WHERE device_id = $1 AND unassigned_at IS NULL', [a.deviceId, moveAt]);
    const bId = await seedPatient(db, clinic.orgId, `B-${Date.now()}`, { start: '2026-10-01' });
    await seedAssignment(db, a.deviceId, bId, clinic.orgId, moveAt);
    const { saveCarePlan } = await import('../../src/clinical/care-plan-repository.ts');
    await saveCarePlan(db, {
      orgId: clinic.orgId, patientId: bId, userId: clinic.clinician, now: moveAt,
      plan: { monitors: 'both', dosesPerDay: 1, doseTimes: ['08:00'], toleranceMinutes: 60, category: 'musculoskeletal', clinicalOwnerId: clinic.clinician, coordinatorId: clinic.coordinator, consent: { by: 'B', method: 'written', at: moveAt } },
    });
    const now = new Date(moveAt.getTime() + 2 * H);
    await evaluateAlerts(db, { patientIds: [a.patientId, bId], now });
    const aAlerts = await alertsOf(db, a.patientId);
    const battery = aAlerts.find((x) => x.rule === 'battery_low')!;
    expect(battery).toMatchObject({ status: 'resolved', outcome: 'condition_cleared' });
    expect(battery.note).toMatch(/no cap assigned/);
    // B's cap has not reported since B got it: no battery reading, no contact from A's time
    expect((await alertsOf(db, bId)).map((x) => x.rule)).toEqual([]);
    const later = new Date(moveAt.getTime() + 49 * H);
    await evaluateAlerts(db, { patientIds: [bId], now: later });
    const silent = (await alertsOf(db, bId)).find((x) => x.rule === 'cap_silent')!;
    expect(silent.evidence).toMatchObject({ lastContactAt: null, assignedAt: moveAt.toISOString() });
  });

  it('evaluates nobody without consent, and nothing from before consent', async () => {
    const p = await monitoredPatient(clinic, { consentAt: null });
    const pressAt = local('2026-10-10', '09:00');
    await events(p, [{ kind: EventKind.Symptom, args: [SymptomPattern.Long], at: pressAt }]);
    await contact(p, pressAt);
    expect(await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(pressAt.getTime() + H) })).toMatchObject({ evaluated: 1, raised: 0 });
    const { saveCarePlan } = await import('../../src/clinical/care-plan-repository.ts');
    const consentAt = new Date(pressAt.getTime() + 30 * 60_000);
    await saveCarePlan(db, {
      orgId: clinic.orgId, patientId: p.patientId, userId: clinic.coordinator, now: new Date(pressAt.getTime() + H),
      plan: { monitors: 'both', dosesPerDay: 1, doseTimes: ['08:00'], toleranceMinutes: 60, category: 'musculoskeletal', clinicalOwnerId: clinic.clinician, coordinatorId: clinic.coordinator, consent: { by: 'the patient', method: 'electronic', at: consentAt } },
    });
    await evaluateAlerts(db, { patientIds: [p.patientId], now: new Date(pressAt.getTime() + 2 * H) });
    expect((await alertsOf(db, p.patientId)).map((a) => a.rule)).not.toContain('needs_help');
  });
});

describe('sweep', () => {
  it('evaluates every monitored patient when no ids are given, and notices DST-safe silence of openings (America/New_York, 2026-11-01)', async () => {
    const zone = 'America/New_York';
    const p = await monitoredPatient(clinic, { zone, start: '2026-10-01' });
    await events(p, [{ kind: EventKind.LidOpened, args: [20], at: local('2026-10-30', '08:00', zone) }]);
    // the cap keeps reporting: heartbeats daily
    for (const d of ['2026-10-31', '2026-11-01', '2026-11-02']) await contact(p, local(d, '12:00', zone));
    await rebuildDays(db, [p.patientId]);
    const before = await evaluateAlerts(db, { now: local('2026-11-02', '23:30', zone) });
    expect(before.evaluated).toBeGreaterThan(1);
    expect((await alertsOf(db, p.patientId)).map((a) => a.rule)).not.toContain('no_openings');
    await evaluateAlerts(db, { now: local('2026-11-03', '00:30', zone) });
    const alert = (await alertsOf(db, p.patientId)).find((a) => a.rule === 'no_openings')!;
    expect(alert.evidence).toMatchObject({ quietFrom: '2026-10-31', quietDays: 3 });
  });
});
