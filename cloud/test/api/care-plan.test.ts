/**
 * Care plans over the API: validation, staff of the organisation only, consent before monitoring (status,
 * cannot be erased or dated in the future), the regimen becoming the cap's reminders (patients.regimen and a
 * pushed Config), attribution and audit, organisation isolation, and who may read and write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageKind } from '../../../protocol/src/messages.ts';
import { bearer, createWorld, seedAssignment, seedDevice, seedPatient, type World } from './fixture.ts';

let world: World;
let patient: string;
let otherPatient: string;
const SERIAL = 'PLAN-A-0001';

beforeAll(async () => {
  world = await createWorld();
  patient = await seedPatient(world.db, world.orgIds.clinicA, 'CP-1', { name: 'Carol Plan' });
  otherPatient = await seedPatient(world.db, world.orgIds.clinicB, 'CP-B', { name: 'Other Org' });
  const device = await seedDevice(world.db, SERIAL, world.orgIds.clinicA);
  await seedAssignment(world.db, device, patient, world.orgIds.clinicA, new Date('2026-10-01T00:00:00Z'));
}, 60_000);
afterAll(async () => world?.close());

const url = (id: string) => `/v1/patients/${id}/care-plan`;
const body = (over: Record<string, unknown> = {}) => ({
  monitors: 'both',
  dosesPerDay: 2,
  doseTimes: ['20:00', '08:00'],
  toleranceMinutes: 90,
  category: 'musculoskeletal',
  clinicalOwnerId: world.users.clinicA.clinician,
  coordinatorId: world.users.clinicA.coordinator,
  goal: 'I want to stop forgetting my evening tablet',
  ...over,
});
const put = (token: string, payload: unknown, id = patient) => world.app.inject({ method: 'PUT', url: url(id), headers: bearer(token), payload: payload as object });

describe('care plan', () => {
  it('has none at first', async () => {
    const res = await world.app.inject({ method: 'GET', url: url(patient), headers: bearer(world.tokens.clinicA.clinic) });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('no_care_plan');
  });

  it('saves a plan awaiting consent, writes the regimen and pushes the reminders to the cap', async () => {
    world.downlink.sent.length = 0;
    const res = await put(world.tokens.clinicA.coordinator, body());
    expect(res.statusCode, res.body).toBe(200);
    const plan = res.json();
    expect(plan).toMatchObject({ status: 'awaiting_consent', doseTimes: ['08:00', '20:00'], consent: null, updatedBy: world.users.clinicA.coordinator });
    expect(plan.warnings.join(' ')).toMatch(/no consent/);
    const { rows } = await world.db.query<{ regimen: unknown }>('SELECT regimen FROM patients WHERE id = $1', [patient]);
    expect(rows[0]!.regimen).toEqual({ dosesPerDay: 2, reminderMinutes: [480, 1200] });
    const config = world.downlink.sent.find((s) => s.serial === SERIAL && s.message.kind === MessageKind.Config);
    expect(config?.message).toMatchObject({ reminderMinutes: [480, 1200] });
    const audit = await world.db.query<{ user_id: string; action: string }>(`SELECT user_id, action FROM audit_log WHERE target = $1 AND action LIKE 'care_plan.%'`, [patient]);
    expect(audit.rows).toEqual([{ user_id: world.users.clinicA.coordinator, action: 'care_plan.create' }]);
    // the patient is on the coordinator's queue as soon as the plan names them
    const { rows: queue } = await world.db.query<{ coordinator_id: string | null; clinical_owner_id: string | null }>(
      'SELECT coordinator_id, clinical_owner_id FROM work_items WHERE patient_id = $1', [patient]);
    expect(queue.length).toBeGreaterThan(0);
    expect(queue.every((r) => r.coordinator_id === world.users.clinicA.coordinator)).toBe(true);
  });

  it('records consent, which activates the plan and cannot be erased by a later save', async () => {
    const at = '2026-10-01T15:00:00.000Z';
    const res = await put(world.tokens.clinicA.clinician, body({ consent: { by: 'Carol Plan', method: 'written', at } }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'active', consent: { by: 'Carol Plan', method: 'written', at, recordedBy: world.users.clinicA.clinician } });
    const again = await put(world.tokens.clinicA.coordinator, body({ consent: null, toleranceMinutes: 45 }));
    expect(again.json()).toMatchObject({ status: 'active', toleranceMinutes: 45, consent: { at, recordedBy: world.users.clinicA.clinician } });
    const read = await world.app.inject({ method: 'GET', url: url(patient), headers: bearer(world.tokens.clinicA.clinic) });
    expect(read.json().consent.at).toBe(at);
  });

  it('refuses consent dated in the future, wrong staff, a mismatched category and a bad regimen', async () => {
    const future = await put(world.tokens.clinicA.clinician, body({ consent: { by: 'x', method: 'verbal', at: new Date(Date.now() + 86_400_000).toISOString() } }));
    expect([future.statusCode, future.json().error]).toEqual([422, 'consent_in_future']);
    const coordinatorAsOwner = await put(world.tokens.clinicA.clinician, body({ clinicalOwnerId: world.users.clinicA.coordinator }));
    expect([coordinatorAsOwner.statusCode, coordinatorAsOwner.json().error]).toEqual([422, 'invalid_staff']);
    const foreignStaff = await put(world.tokens.clinicA.clinician, body({ coordinatorId: world.users.clinicB.coordinator }));
    expect([foreignStaff.statusCode, foreignStaff.json().error]).toEqual([422, 'invalid_staff']);
    const category = await put(world.tokens.clinicA.clinician, body({ category: 'respiratory' }));
    expect([category.statusCode, category.json().error]).toEqual([422, 'category_mismatch']);
    expect((await put(world.tokens.clinicA.clinician, body({ doseTimes: ['08:00'] }))).statusCode).toBe(400);
    expect((await put(world.tokens.clinicA.clinician, body({ doseTimes: ['08:00', '25:00'] }))).statusCode).toBe(400);
    expect((await put(world.tokens.clinicA.clinician, body({ rules: { no_openings: { days: 0 } } }))).statusCode).toBe(400);
    expect((await put(world.tokens.clinicA.clinician, body({ rules: { no_openings: { days: 5 } } }))).json().rules).toEqual({ no_openings: { days: 5 } });
  });

  it('is written only by a person of a clinical role, and another organisation\'s patient is not found', async () => {
    const machine = await put(world.tokens.clinicA.clinic, body());
    expect([machine.statusCode, machine.json().error]).toEqual([403, 'forbidden']);
    const admin = await put(world.tokens.clinicA.admin, body());
    expect([admin.statusCode, admin.json().error]).toEqual([403, 'user_required']);
    const support = await world.app.inject({ method: 'GET', url: url(patient), headers: bearer(world.tokens.clinicA.support) });
    expect(support.statusCode).toBe(403);
    const foreign = await put(world.tokens.clinicA.clinician, body(), otherPatient);
    expect(foreign.statusCode).toBe(404);
    const foreignRead = await world.app.inject({ method: 'GET', url: url(otherPatient), headers: bearer(world.tokens.clinicA.clinician) });
    expect([foreignRead.statusCode, foreignRead.json().error]).toEqual([404, 'not_found']);
  });
});
