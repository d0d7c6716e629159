/**
 * Clinic journeys through the API: enrol, assign a cap, monitored-days calendar, billing periods with codes
 * and evidence, management time and calls, documentation, adherence, symptoms, the monthly report (CSV and
 * JSON), export and amendment, unassignment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageKind, EventKind, SymptomPattern } from '../../../protocol/src/messages.ts';
import { bearer, createWorld, rebuildDays, seedDevice, seedEvents, seedHeartbeat, type World } from './fixture.ts';

let world: World;
let patientId: string;
let deviceId: string;
const SERIAL = 'CLN-0001';
const ASOF = '2026-11-05T12:00:00Z';
const at = (date: string, time = '15:00:00') => new Date(`${date}T${time}Z`); // 10:00 in Chicago (CDT)

const call = (method: string, url: string, payload?: unknown) =>
  world.app.inject({ method: method as 'GET', url, headers: bearer(world.tokens.clinicA.clinic), ...(payload === undefined ? {} : { payload: payload as object }) });

beforeAll(async () => {
  world = await createWorld();
  deviceId = await seedDevice(world.db, SERIAL, world.orgIds.clinicA);
  await seedDevice(world.db, 'CLN-0002', world.orgIds.clinicA);
});
afterAll(async () => world?.close());

describe('clinic journey', () => {
  it('enrols a patient with a validated zone', async () => {
    const res = await call('POST', '/v1/patients', {
      reference: 'MRN-1', name: 'Grace Hopper', timeZone: 'America/Chicago', bodySystem: 'musculoskeletal', monitoringStart: '2026-10-01', billingPractitioner: 'Dr. Lovelace', diagnosis: 'M54.5',
    });
    expect(res.statusCode).toBe(201);
    patientId = (res.json() as { id: string }).id;
    expect(res.json()).toMatchObject({ reference: 'MRN-1', periodAnchor: '2026-10-01', device: null });
    const again = await call('POST', '/v1/patients', {
      reference: 'MRN-1', name: 'Other', timeZone: 'UTC', bodySystem: 'cbt', monitoringStart: '2026-10-01', billingPractitioner: 'Dr. X',
    });
    expect(again.statusCode).toBe(409);
  });

  it('assigns a cap held by the clinic and refuses a second holder', async () => {
    const res = await call('POST', `/v1/patients/${patientId}/assignments`, { serial: SERIAL, at: '2026-09-30T00:00:00Z' });
    expect(res.statusCode).toBe(201);
    const other = await call('POST', '/v1/patients', {
      reference: 'MRN-2', name: 'Second', timeZone: 'UTC', bodySystem: 'respiratory', monitoringStart: '2026-10-01', billingPractitioner: 'Dr. X',
    });
    const clash = await call('POST', `/v1/patients/${(other.json() as { id: string }).id}/assignments`, { serial: SERIAL });
    expect(clash.statusCode).toBe(409);
    const patient = (await call('GET', `/v1/patients/${patientId}`)).json();
    expect(patient.device).toBe(SERIAL);
    // The cap is told its holder's reminder times and zone (Chicago: UTC-6 in winter, UTC-5 in summer).
    const configs = world.downlink.sent.filter((s) => s.serial === SERIAL && s.message.kind === MessageKind.Config);
    expect(configs).toHaveLength(1);
    expect(configs[0]!.message).toMatchObject({ reminderMinutes: [480], configVersion: 1 });
    expect([-360, -300]).toContain((configs[0]!.message as { utcOffsetMin: number }).utcOffsetMin);
  });

  it('shows the monitored-days calendar per 30-day period', async () => {
    // 17 days with a lid opening in period 0 (Oct 1..30), a symptom on Oct 3, a heartbeat-only day on Oct 25
    const dates = Array.from({ length: 17 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);
    let seq = 0;
    await seedEvents(world.db, SERIAL, deviceId, patientId, [
      ...dates.map((d) => ({ seq: ++seq, kind: EventKind.LidOpened, args: [20], at: at(d) })),
      { seq: ++seq, kind: EventKind.Symptom, args: [SymptomPattern.Double], at: at('2026-10-03', '16:30:00') },
      { seq: ++seq, kind: EventKind.Boot, args: [0x0007], at: at('2026-10-20') },
    ]);
    await seedHeartbeat(world.db, SERIAL, deviceId, at('2026-10-25'), { batteryPct: 80, rsrpDbm: -95 }, 99_000);
    await rebuildDays(world.db, [patientId]);

    const res = await call('GET', `/v1/patients/${patientId}/monitored-days?asOf=${ASOF}`);
    expect(res.statusCode).toBe(200);
    const calendar = res.json() as { thresholds: { low: number; high: number }; periods: { index: number; monitoredDays: number; supplyCode: string; days: { date: string; monitored: boolean; deviceActive: boolean; symptoms: number; lidOpenings: number; future: boolean }[] }[] };
    expect(calendar.thresholds).toEqual({ low: 2, high: 16 });
    expect(calendar.periods.map((p) => p.index)).toEqual([0, 1]);
    const first = calendar.periods[0]!;
    expect(first.days).toHaveLength(30);
    expect(first.monitoredDays).toBe(17);
    expect(first.supplyCode).toBe('98977');
    const day = (date: string) => first.days.find((d) => d.date === date)!;
    expect(day('2026-10-03')).toMatchObject({ monitored: true, symptoms: 1, lidOpenings: 1 });
    expect(day('2026-10-20')).toMatchObject({ monitored: false, deviceActive: true });
    expect(day('2026-10-25')).toMatchObject({ monitored: false, deviceActive: true });
    expect(day('2026-10-26')).toMatchObject({ monitored: false, deviceActive: false, future: false });
    expect(calendar.periods[1]!.days.find((d) => d.date === '2026-11-10')!.future).toBe(true);
    const only = (await call('GET', `/v1/patients/${patientId}/monitored-days?asOf=${ASOF}&period=1`)).json();
    expect(only.periods).toHaveLength(1);
  });

  it('gives billing periods with codes and evidence', async () => {
    const res = await call('GET', `/v1/patients/${patientId}/billing-periods?asOf=${ASOF}`);
    expect(res.statusCode).toBe(200);
    const billing = res.json();
    const first = billing.periods[0];
    expect(first.codes.map((c: { code: string }) => c.code)).toEqual(['98975', '98977']);
    expect(first.status).toBe('closed');
    expect(first.evidence.qualifyingDates).toHaveLength(17);
    expect(first.evidence.serials).toEqual([SERIAL]);
    expect(first.evidence.qualifyingDates[0].events[0].eventId).toEqual(expect.any(Number));
    expect(billing.setup).toMatchObject({ code: '98975', periodIndex: 0 });
    expect(billing.periods[1].status).toBe('open');
  });

  it('logs management time and calls, and derives management codes', async () => {
    const t1 = await call('POST', `/v1/patients/${patientId}/time-entries`, { staff: 'Nurse Joy', minutes: 15, activity: 'reviewed adherence', performedAt: '2026-10-10T14:00:00Z' });
    expect(t1.statusCode).toBe(201);
    expect(t1.json().month).toBe('2026-10');
    await call('POST', `/v1/patients/${patientId}/time-entries`, { staff: 'Nurse Joy', minutes: 10, activity: 'adjusted reminders', performedAt: '2026-10-12T14:00:00Z' });
    // 00:30 UTC on Nov 1 is still October 31 in Chicago: the month is patient-local
    const late = await call('POST', `/v1/patients/${patientId}/communications`, { at: '2026-11-01T00:30:00Z', minutes: 8, modality: 'phone', staff: 'Nurse Joy', note: 'discussed missed doses' });
    expect(late.statusCode).toBe(201);
    expect(late.json().month).toBe('2026-10');
    const bad = await call('POST', `/v1/patients/${patientId}/communications`, { at: '2026-10-11T10:00:00Z', minutes: 5, modality: 'sms', staff: 'Joy' });
    expect(bad.statusCode).toBe(400);
    const billing = (await call('GET', `/v1/patients/${patientId}/billing-periods?asOf=${ASOF}`)).json();
    const october = billing.management.find((m: { month: string }) => m.month === '2026-10');
    expect(october).toMatchObject({ minutes: 25, interactiveCommunications: 1, codes: [{ code: '98980', units: 1 }] });
  });

  it('keeps the monthly documentation', async () => {
    const put = await call('PUT', `/v1/patients/${patientId}/documentation/2026-10`, { whyMonitored: 'Low back pain, adherence to NSAID', whatReviewed: 'Calendar and symptom reports' });
    expect(put.statusCode).toBe(200);
    await call('PUT', `/v1/patients/${patientId}/documentation/2026-10`, { whatChanged: 'Reminder moved to 09:00' });
    const doc = (await call('GET', `/v1/patients/${patientId}/documentation/2026-10`)).json();
    expect(doc.answers).toMatchObject({ whyMonitored: 'Low back pain, adherence to NSAID', whatReviewed: 'Calendar and symptom reports', whatChanged: 'Reminder moved to 09:00' });
    expect(doc.management.codes).toEqual([{ code: '98980', units: 1 }]);
    expect(doc.timeEntries).toHaveLength(2);
    expect(doc.communications).toHaveLength(1);
    expect(doc.periods[0]).toMatchObject({ index: 0, startDate: '2026-10-01' });
    // the only call was on Oct 31 (patient-local), after period 0 ended on Oct 30: period 0 still lacks one
    expect(doc.periods[0].checklist.missing).toEqual(['communication']);
    expect(doc.periods[1].checklist.communications).toHaveLength(1);
  });

  it('summarises adherence and lists symptoms in patient-local time', async () => {
    const adherence = (await call('GET', `/v1/patients/${patientId}/adherence?from=2026-10-01&to=2026-10-30`)).json();
    expect(adherence).toMatchObject({ zone: 'America/Chicago', regimen: { dosesPerDay: 1 } });
    expect(adherence.summary).toMatchObject({ observedDays: 30, expectedDoses: 30, takenDoses: 17 });
    expect(adherence.summary.takingAdherence).toBeCloseTo(17 / 30);
    expect(adherence.days).toHaveLength(30);
    expect(adherence.days.find((d: { date: string }) => d.date === '2026-10-01')).toMatchObject({ observed: true, taken: 1, doseTimes: ['10:00'] });
    const symptoms = (await call('GET', `/v1/patients/${patientId}/symptoms?from=2026-10-01&to=2026-10-31`)).json();
    expect(symptoms.symptoms).toEqual([expect.objectContaining({ localDate: '2026-10-03', localTime: '11:30', pattern: 2, label: 'feels unwell', serial: SERIAL })]);
    expect((await call('GET', `/v1/patients/${patientId}/symptoms?from=2026-10-31&to=2026-10-01`)).statusCode).toBe(400);
  });

  it("lists patients with this period's monitored days", async () => {
    const list = (await call('GET', '/v1/patients')).json();
    expect(list.thresholds).toEqual({ low: 2, high: 16 });
    const grace = list.patients.find((p: { reference: string }) => p.reference === 'MRN-1');
    expect(grace.device).toBe(SERIAL);
    expect(grace.currentPeriod).toMatchObject({ monitoredDays: expect.any(Number), startDate: expect.any(String) });
    const page = (await call('GET', '/v1/patients?limit=1')).json();
    expect(page.patients).toHaveLength(1);
    expect(page.next).toBe('MRN-1');
  });

  it('exports the month as CSV and JSON, and flags late data as an amendment', async () => {
    const csv = await call('GET', '/v1/billing/reports/2026-10?format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('billing-clinic-a-2026-10.csv');
    expect(csv.body).toContain('MRN-1');
    expect(csv.body).toContain('98977');
    const json = (await call('GET', '/v1/billing/reports/2026-10')).json();
    expect(json.month).toBe('2026-10');
    expect(json.rows.some((r: { patientReference: string; type: string }) => r.patientReference === 'MRN-1' && r.type === 'supply')).toBe(true);

    const exported = await call('POST', '/v1/billing/reports/2026-10/export');
    expect(exported.statusCode).toBe(201);
    expect(Number(exported.headers['x-export-id'])).toBeGreaterThan(0);
    expect(exported.json().exportedPeriods).toBeGreaterThanOrEqual(1);
    const exports = (await call('GET', '/v1/billing/exports')).json();
    expect(exports.exports[0].month).toBe('2026-10');

    await seedEvents(world.db, SERIAL, deviceId, patientId, [{ seq: 100, kind: EventKind.LidOpened, args: [5], at: at('2026-10-28') }]);
    await rebuildDays(world.db, [patientId]);
    const billing = (await call('GET', `/v1/patients/${patientId}/billing-periods?asOf=${ASOF}`)).json();
    expect(billing.periods[0].status).toBe('amended');
    expect(billing.periods[0].monitoredDays).toBe(18);
    expect(billing.periods[0].amendment).not.toBeNull();
  });

  it('unassigns the cap', async () => {
    const res = await call('DELETE', `/v1/patients/${patientId}/assignments/${SERIAL}?at=2026-11-20T00:00:00Z`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ serial: SERIAL, unassignedAt: '2026-11-20T00:00:00.000Z' });
    const again = await call('DELETE', `/v1/patients/${patientId}/assignments/${SERIAL}`);
    expect(again.statusCode).toBe(404);
    const history = (await call('GET', `/v1/patients/${patientId}/assignments`)).json();
    expect(history.assignments).toEqual([{ serial: SERIAL, assignedAt: '2026-09-30T00:00:00.000Z', unassignedAt: '2026-11-20T00:00:00.000Z' }]);
    const audit = await world.db.query<{ action: string }>('SELECT action FROM audit_log WHERE org_id = $1 ORDER BY id', [world.orgIds.clinicA]);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['patient.enrol', 'device.assign', 'billing.time_entry', 'billing.export', 'device.unassign']));
  });
});
