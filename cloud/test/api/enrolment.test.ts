/**
 * Enrolment over the API beyond the patient record: the clinic's cap stock (its own unassigned caps only),
 * "ship a cap" requests (a person records them, validated, audited without the address), each patient's
 * activation from enrolment to the first data, the list of enrolments not yet active, organisation
 * isolation; and the month's exports attributed to the person who made them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventKind } from '../../../protocol/src/messages.ts';
import { bearer, createWorld, seedAssignment, seedDevice, seedEvents, seedHeartbeat, seedPatient, type World } from './fixture.ts';

let world: World;
let patientId: string;
let otherOrgPatient: string;
let freeCap: string;

const as = (token: string, method: string, url: string, payload?: unknown) =>
  world.app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });
const coordinator = (method: string, url: string, payload?: unknown) => as(world.tokens.clinicA.coordinator, method, url, payload);

beforeAll(async () => {
  world = await createWorld();
  const { db, orgIds } = world;
  freeCap = await seedDevice(db, 'ENR-A-0002', orgIds.clinicA);
  await seedDevice(db, 'ENR-A-0001', orgIds.clinicA);
  const held = await seedDevice(db, 'ENR-A-0003', orgIds.clinicA);
  await seedDevice(db, 'ENR-B-0001', orgIds.clinicB);
  await seedDevice(db, 'ENR-STOCK-1', null);
  const holder = await seedPatient(db, orgIds.clinicA, 'HOLDER-1');
  await seedAssignment(db, held, holder, orgIds.clinicA, new Date('2026-10-01T00:00:00Z'));
  otherOrgPatient = await seedPatient(db, orgIds.clinicB, 'B-ENR-1');
}, 60_000);
afterAll(async () => world?.close());

describe('clinic stock', () => {
  it("lists the organisation's caps no patient holds, by serial, paged", async () => {
    const res = await coordinator('GET', '/v1/stock/caps');
    expect(res.statusCode).toBe(200);
    expect(res.json().caps.map((c: { serial: string }) => c.serial)).toEqual(['ENR-A-0001', 'ENR-A-0002']);
    const first = (await coordinator('GET', '/v1/stock/caps?limit=1')).json();
    expect(first).toMatchObject({ caps: [{ serial: 'ENR-A-0001', factoryPassed: true }], next: 'ENR-A-0001' });
    const second = (await coordinator('GET', `/v1/stock/caps?limit=1&after=${first.next}`)).json();
    expect(second).toMatchObject({ caps: [{ serial: 'ENR-A-0002' }], next: null });
    const clinicB = (await as(world.tokens.clinicB.clinic, 'GET', '/v1/stock/caps')).json();
    expect(clinicB.caps.map((c: { serial: string }) => c.serial)).toEqual(['ENR-B-0001']);
    expect((await as(world.tokens.ops.support, 'GET', '/v1/stock/caps')).statusCode).toBe(403);
  });
});

describe('activation', () => {
  const activation = async () => {
    const res = await coordinator('GET', `/v1/patients/${patientId}/activation`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('follows a new patient from enrolment to the first data', async () => {
    const enrolled = await coordinator('POST', '/v1/patients', {
      reference: 'ENR-NEW-1', name: 'Nora New', timeZone: 'America/Denver', bodySystem: 'respiratory', monitoringStart: '2026-11-02', billingPractitioner: 'Dr clinicA Clinician',
    });
    expect(enrolled.statusCode).toBe(201);
    patientId = enrolled.json().id;
    expect(await activation()).toMatchObject({ status: 'awaiting_care_plan', reference: 'ENR-NEW-1', timeZone: 'America/Denver', consent: null, cap: null, latestShipment: null, firstDataAt: null });

    const plan = {
      monitors: 'both', dosesPerDay: 1, doseTimes: ['08:30'], toleranceMinutes: 60, category: 'respiratory',
      clinicalOwnerId: world.users.clinicA.clinician, coordinatorId: world.users.clinicA.coordinator,
    };
    expect((await coordinator('PUT', `/v1/patients/${patientId}/care-plan`, plan)).statusCode).toBe(200);
    expect((await activation()).status).toBe('awaiting_consent');

    const consent = { by: 'Nora New', method: 'verbal', at: '2026-11-02T16:00:00.000Z' };
    expect((await coordinator('PUT', `/v1/patients/${patientId}/care-plan`, { ...plan, consent })).statusCode).toBe(200);
    expect(await activation()).toMatchObject({ status: 'awaiting_cap', consent: { by: 'Nora New', method: 'verbal', at: consent.at } });

    const pending = (await coordinator('GET', '/v1/enrolments/pending')).json();
    expect(pending.enrolments.map((e: { reference: string }) => e.reference)).toContain('ENR-NEW-1');
    expect(pending.enrolments[0].reference).toBe('ENR-NEW-1');

    const assigned = await coordinator('POST', `/v1/patients/${patientId}/assignments`, { serial: 'ENR-A-0002', at: '2026-11-03T00:00:00Z' });
    expect(assigned.statusCode).toBe(201);
    expect(await activation()).toMatchObject({ status: 'waiting_for_first_data', cap: { serial: 'ENR-A-0002', assignedAt: '2026-11-03T00:00:00.000Z' }, firstDataAt: null });
    expect((await coordinator('GET', '/v1/stock/caps')).json().caps.map((c: { serial: string }) => c.serial)).toEqual(['ENR-A-0001']);

    // a heartbeat from before the assignment is not the patient's; the first one after it is
    await seedHeartbeat(world.db, 'ENR-A-0002', freeCap, new Date('2026-11-02T12:00:00Z'), { battery_pct: 90 }, 100);
    expect((await activation()).status).toBe('waiting_for_first_data');
    await seedHeartbeat(world.db, 'ENR-A-0002', freeCap, new Date('2026-11-03T09:00:00Z'), { battery_pct: 90 }, 200);
    expect(await activation()).toMatchObject({ status: 'active', firstDataAt: '2026-11-03T09:00:00.000Z' });
    // an earlier event of the patient's (a back-dated arrival) moves "active since" back
    await seedEvents(world.db, 'ENR-A-0002', freeCap, patientId, [{ seq: 1, kind: EventKind.LidOpened, args: [3], at: new Date('2026-11-03T08:15:00Z') }]);
    expect((await activation()).firstDataAt).toBe('2026-11-03T08:15:00.000Z');

    const after = (await coordinator('GET', '/v1/enrolments/pending')).json();
    expect(after.enrolments.map((e: { reference: string }) => e.reference)).not.toContain('ENR-NEW-1');
  });

  it("is another organisation's patient: not found", async () => {
    expect((await coordinator('GET', `/v1/patients/${otherOrgPatient}/activation`)).statusCode).toBe(404);
    const b = (await as(world.tokens.clinicB.clinic, 'GET', '/v1/enrolments/pending')).json();
    expect(b.enrolments.map((e: { reference: string }) => e.reference)).toEqual(['B-ENR-1']);
    expect(b.enrolments[0]).toMatchObject({ status: 'awaiting_care_plan' });
  });
});

describe('ship a cap', () => {
  let shipPatient: string;

  it('records who asked for a cap to be shipped, when and where, and audits it without the address', async () => {
    shipPatient = await seedPatient(world.db, world.orgIds.clinicA, 'ENR-SHIP-1', { name: 'Sid Ship' });
    const invalid = await coordinator('POST', `/v1/patients/${shipPatient}/cap-shipments`, { addressNote: '   ' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().issues.map((i: { path: string }) => i.path)).toEqual(['addressNote']);
    // a machine token has no person to attribute the request to; the clinic's integration role may not write it
    const machine = await as(world.tokens.clinicA.admin, 'POST', `/v1/patients/${shipPatient}/cap-shipments`, { addressNote: '12 Elm St' });
    expect(machine.statusCode).toBe(403);
    expect(machine.json().error).toBe('user_required');
    expect((await as(world.tokens.clinicA.clinic, 'POST', `/v1/patients/${shipPatient}/cap-shipments`, { addressNote: '12 Elm St' })).json().error).toBe('forbidden');

    const res = await coordinator('POST', `/v1/patients/${shipPatient}/cap-shipments`, { addressNote: '  12 Elm St, Springfield, IL 62701  ' });
    expect(res.statusCode, res.body).toBe(201);
    const shipment = res.json();
    expect(shipment).toMatchObject({ patientId: shipPatient, addressNote: '12 Elm St, Springfield, IL 62701', requestedBy: { id: world.users.clinicA.coordinator, name: 'clinicA Coordinator' } });
    expect(Date.now() - Date.parse(shipment.requestedAt)).toBeLessThan(60_000);

    const list = (await coordinator('GET', `/v1/patients/${shipPatient}/cap-shipments`)).json();
    expect(list.shipments).toEqual([shipment]);
    const audit = await world.db.query<{ user_id: string; detail: Record<string, unknown> }>(`SELECT user_id, detail FROM audit_log WHERE action = 'cap_shipment.request' AND target = $1`, [shipPatient]);
    expect(audit.rows).toEqual([{ user_id: world.users.clinicA.coordinator, detail: { shipmentId: shipment.id } }]);

    const plan = {
      monitors: 'adherence', dosesPerDay: 2, doseTimes: ['08:00', '20:00'], toleranceMinutes: 90, category: 'musculoskeletal',
      clinicalOwnerId: world.users.clinicA.clinician, coordinatorId: world.users.clinicA.coordinator, consent: { by: 'Sid Ship', method: 'written', at: '2026-11-01T15:00:00Z' },
    };
    expect((await coordinator('PUT', `/v1/patients/${shipPatient}/care-plan`, plan)).statusCode).toBe(200);
    const activation = (await coordinator('GET', `/v1/patients/${shipPatient}/activation`)).json();
    expect(activation).toMatchObject({ status: 'awaiting_cap', cap: null, latestShipment: { id: shipment.id, requestedAt: shipment.requestedAt, requestedBy: 'clinicA Coordinator' } });
  });

  it("refuses another organisation's patient and support staff", async () => {
    expect((await coordinator('POST', `/v1/patients/${otherOrgPatient}/cap-shipments`, { addressNote: 'x' })).statusCode).toBe(404);
    expect((await coordinator('GET', `/v1/patients/${otherOrgPatient}/cap-shipments`)).statusCode).toBe(404);
    expect((await as(world.tokens.ops.support, 'GET', `/v1/patients/${shipPatient}/cap-shipments`)).statusCode).toBe(403);
  });
});

describe('billing exports', () => {
  it('are attributed to the person who exported, and the report rows carry their typed fields', async () => {
    const report = await coordinator('GET', '/v1/billing/reports/2026-11');
    expect(report.statusCode, report.body).toBe(200);
    const exported = await coordinator('POST', '/v1/billing/reports/2026-11/export?format=csv');
    expect(exported.statusCode).toBe(201);
    expect(exported.body.split('\r\n')[0]).toMatch(/^type,patient_reference,patient_name,/);
    const list = (await coordinator('GET', '/v1/billing/exports')).json();
    expect(list.exports[0]).toMatchObject({ month: '2026-11', createdBy: `user:${world.users.clinicA.coordinator}` });
  });
});
