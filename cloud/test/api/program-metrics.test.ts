/**
 * Program metrics on a small hand-built cohort (three patients in clinic A, one in clinic B that must not
 * count), at an injected time; every expected figure is worked out by hand in the comments. Then the fee
 * schedule (seeded estimates, an admin override) and the routes' roles.
 *
 * now = 2027-01-20 12:00 UTC, all patients in UTC, musculoskeletal, one dose a day, 98975 threshold 2.
 *  P1: start Oct 1, coordinator C; one opening a day Oct 3 - Nov 21 (50 days). Periods (anchor Oct 1):
 *      #0 Oct 1-30: 28 days -> 98975 + 98977; #1 Oct 31-Nov 29: 22 days -> 98977; #2 Nov 30-Dec 29: 0 days.
 *      October time: 25 min care + 30 min device logistics, one call -> 98980 (logistics not counted).
 *      November: 12 min, no call -> nothing. A therapy change in November.
 *      Alerts: Oct 10 acknowledged after 30 min; Nov 5 resolved by a person after 90 min.
 *  P2: start Nov 10, coordinator C; openings Nov 15, 16 and Dec 20 - Jan 19. Periods (anchor Nov 10):
 *      #0 Nov 10-Dec 9: 2 days -> 98975 + 98985; #1 Dec 10-Jan 8: 20 days (ends in January, outside the range).
 *      December: 45 min and one call -> 98980 + 98981. Alert Dec 1 never acted on.
 *  P3: start Dec 1, no coordinator, no data: period #0 Dec 1-30 closes with 0 days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/billing/local-date.ts';
import { rebuildDaysForPatients } from '../../src/billing/refresh-days.ts';
import { loadProgramMetrics } from '../../src/clinical/program-metrics-repository.ts';
import { DEFAULT_FEE_SCHEDULE, expectedRevenue, feeScheduleFrom } from '../../src/clinical/fee-schedule.ts';
import { median, monthsBetween } from '../../src/clinical/program-metrics.ts';
import { bearer, createWorld, seedAssignment, seedDevice, seedEvents, seedPatient, type World } from './fixture.ts';

let world: World;
let p1: string;
let p2: string;
let p3: string;
const NOW = new Date('2027-01-20T12:00:00Z');
const dates = (from: string, n: number) => Array.from({ length: n }, (_, i) => addDays(from, i));

const as = (token: string) => (method: string, url: string, payload?: unknown) =>
  world.app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });

async function openings(serial: string, patientId: string, days: string[]): Promise<void> {
  const device = await seedDevice(world.db, serial, world.orgIds.clinicA);
  await seedAssignment(world.db, device, patientId, world.orgIds.clinicA, new Date('2026-09-01T00:00:00Z'));
  await seedEvents(world.db, serial, device, patientId, days.map((d, i) => ({ seq: i + 1, kind: 1, args: [5], at: new Date(`${d}T14:00:00Z`) })));
}

async function time(patientId: string, month: string, day: string, minutes: number, category = 'treatment_management'): Promise<void> {
  await world.db.query(
    `INSERT INTO management_time (patient_id, org_id, staff, minutes, activity, performed_at, month, created_by, category) VALUES ($1, $2, 'RN', $3, 'care', $4, $5, 'test', $6)`,
    [patientId, world.orgIds.clinicA, minutes, new Date(`${day}T10:00:00Z`), month, category],
  );
}
async function call(patientId: string, month: string, day: string): Promise<void> {
  await world.db.query(
    `INSERT INTO interactive_communications (patient_id, org_id, at, minutes, modality, staff, month, created_by) VALUES ($1, $2, $3, 5, 'phone', 'RN', $4, 'test')`,
    [patientId, world.orgIds.clinicA, new Date(`${day}T11:00:00Z`), month],
  );
}
async function alert(patientId: string, raised: string, action: { ackMin?: number; closedByPersonMin?: number }): Promise<void> {
  const at = new Date(raised);
  const ack = action.ackMin === undefined ? null : new Date(at.getTime() + action.ackMin * 60_000);
  const closed = action.closedByPersonMin === undefined ? null : new Date(at.getTime() + action.closedByPersonMin * 60_000);
  await world.db.query(
    `INSERT INTO alerts (org_id, patient_id, rule, severity, title, condition_since, raised_at, last_seen_at, status, acknowledged_at, acknowledged_by, closed_at, closed_by)
     VALUES ($1, $2, 'missed_doses', 'high', 't', $3, $3, $3, $4, $5, $6, $7, $8)`,
    [world.orgIds.clinicA, patientId, at, closed ? 'resolved' : ack ? 'acknowledged' : 'open', ack, ack ? world.users.clinicA.coordinator : null, closed, closed ? world.users.clinicA.clinician : null],
  );
}

beforeAll(async () => {
  world = await createWorld();
  const { db, orgIds, users } = world;
  p1 = await seedPatient(db, orgIds.clinicA, 'M-1', { zone: 'UTC', start: '2026-10-01' });
  p2 = await seedPatient(db, orgIds.clinicA, 'M-2', { zone: 'UTC', start: '2026-11-10' });
  p3 = await seedPatient(db, orgIds.clinicA, 'M-3', { zone: 'UTC', start: '2026-12-01' });
  const foreign = await seedPatient(db, orgIds.clinicB, 'M-B', { zone: 'UTC', start: '2026-10-01' });
  for (const [p, c] of [[p1, users.clinicA.coordinator], [p2, users.clinicA.coordinator], [p3, null]] as const) {
    await db.query("INSERT INTO care_plans (patient_id, org_id, category, coordinator_id) VALUES ($1, $2, 'musculoskeletal', $3)", [p, orgIds.clinicA, c]);
  }
  await openings('MET-0001', p1, dates('2026-10-03', 50));
  await openings('MET-0002', p2, [...dates('2026-11-15', 2), ...dates('2026-12-20', 31)]);
  const bDevice = await seedDevice(db, 'MET-B001', orgIds.clinicB);
  await seedEvents(db, 'MET-B001', bDevice, foreign, dates('2026-10-01', 40).map((d, i) => ({ seq: i + 1, kind: 1, args: [5], at: new Date(`${d}T14:00:00Z`) })));
  await db.transaction((tx) => rebuildDaysForPatients(tx, [p1, p2, p3, foreign], { now: NOW }));
  await time(p1, '2026-10', '2026-10-12', 25);
  await time(p1, '2026-10', '2026-10-13', 30, 'device_logistics');
  await call(p1, '2026-10', '2026-10-12');
  await time(p1, '2026-11', '2026-11-12', 12);
  await time(p2, '2026-12', '2026-12-12', 45);
  await call(p2, '2026-12', '2026-12-12');
  await db.query(
    "INSERT INTO therapy_changes (org_id, patient_id, user_id, changed_at, month, what, why) VALUES ($1, $2, $3, '2026-11-20T10:00:00Z', '2026-11', 'evening dose', 'missed mornings')",
    [orgIds.clinicA, p1, users.clinicA.clinician],
  );
  await alert(p1, '2026-10-10T00:00:00Z', { ackMin: 30 });
  await alert(p1, '2026-11-05T00:00:00Z', { closedByPersonMin: 90 });
  await alert(p2, '2026-12-01T00:00:00Z', {});
});
afterAll(async () => world?.close());

describe('program metrics on a hand-built cohort', () => {
  it('counts each month by its own definitions', async () => {
    const m = await loadProgramMetrics(world.db, { orgId: world.orgIds.clinicA, from: '2026-10', to: '2026-12', now: NOW });
    expect(m.months.map((x) => x.month)).toEqual(['2026-10', '2026-11', '2026-12']);
    const [oct, nov, dec] = m.months as [(typeof m.months)[0], (typeof m.months)[0], (typeof m.months)[0]];

    // October: P1 enrolled and activated on Oct 3 (2 days); period #0 of P1 ends Oct 30 with 28 days
    expect(oct).toMatchObject({ enrolled: 1, activated: 1, medianDaysToActivation: 2, periods: { closed: 1, monitoredDaysPerPeriod: 28, reached2: 1, reached16: 1 } });
    // P1 activated Oct 3: day 30 = Nov 2 (data Oct 27-Nov 2), day 60 = Dec 2 and day 90 = Jan 1 (no data in their weeks)
    expect(oct.retention).toEqual({ d30: { eligible: 1, retained: 1, share: 1 }, d60: { eligible: 1, retained: 0, share: 0 }, d90: { eligible: 1, retained: 0, share: 0 } });
    expect(oct.alerts).toEqual({ raised: 1, acknowledged: 1, medianMinutesToAcknowledge: 30 });
    expect(oct.interventions).toEqual({ communications: 1, therapyChanges: 0, patientMonths: 1, perPatientMonth: 1 });
    // P1: a dose every day of Oct 3-Nov 1 (1.0), none in Dec 21-Jan 19 (0.0)
    expect(oct.adherence).toEqual({ patients: 1, first30: 1, latest30: 0, change: -1 });
    // 25 min of care with a call: 98980; the 30 min of device logistics would have made it 98981 too
    expect(oct.codes).toEqual({ '98975': 1, '98977': 1, '98980': 1 });
    expect(oct.expectedRevenue).toEqual({ amount: 0, currency: 'USD', estimate: false, unpriced: [{ code: '98975', units: 1 }, { code: '98977', units: 1 }, { code: '98980', units: 1 }] });

    // November: P2 enrolled (Nov 10) and activated (Nov 15, 5 days); P1's period #1 ends Nov 29 with 22 days
    expect(nov).toMatchObject({ enrolled: 1, activated: 1, medianDaysToActivation: 5, periods: { closed: 1, monitoredDaysPerPeriod: 22, reached2: 1, reached16: 1 } });
    // P2 activated Nov 15: day 30 = Dec 15 (nothing Dec 9-15), day 60 = Jan 14 (data), day 90 = Feb 13 not yet
    expect(nov.retention).toEqual({ d30: { eligible: 1, retained: 0, share: 0 }, d60: { eligible: 1, retained: 1, share: 1 }, d90: { eligible: 0, retained: 0, share: null } });
    expect(nov.alerts).toEqual({ raised: 1, acknowledged: 1, medianMinutesToAcknowledge: 90 });
    // one therapy change over two patient-months (P1 and P2 had both started by Nov 30)
    expect(nov.interventions).toEqual({ communications: 0, therapyChanges: 1, patientMonths: 2, perPatientMonth: 0.5 });
    // P2: 2 doses in Nov 15-Dec 14 (2/30), every day of Dec 21-Jan 19 (1.0)
    expect(nov.adherence.first30).toBeCloseTo(2 / 30, 10);
    expect(nov.adherence.latest30).toBe(1);
    expect(nov.codes).toEqual({ '98977': 1 });

    // December: P3 enrolled, nobody activated; three periods end: P2's #0 (2 days, Dec 9), P1's #2 (0 days,
    // Dec 29) and P3's #0 (0 days, Dec 30: enrolled but never activated, a lost period, counted as such)
    expect(dec).toMatchObject({ enrolled: 1, activated: 0, medianDaysToActivation: null, periods: { closed: 3, reached16: 0 } });
    expect(dec.periods.monitoredDaysPerPeriod).toBeCloseTo(2 / 3, 10);
    expect(dec.periods.reached2).toBeCloseTo(1 / 3, 10);
    expect(dec.retention.d30).toEqual({ eligible: 0, retained: 0, share: null });
    expect(dec.alerts).toEqual({ raised: 1, acknowledged: 0, medianMinutesToAcknowledge: null });
    expect(dec.interventions.patientMonths).toBe(3);
    expect(dec.interventions.perPatientMonth).toBeCloseTo(1 / 3, 10);
    expect(dec.codes).toEqual({ '98975': 1, '98980': 1, '98981': 1, '98985': 1 });
    // 98985 is the only code the reference prices: $40.08, an estimate
    expect(dec.expectedRevenue).toMatchObject({ amount: 40.08, estimate: true, unpriced: [{ code: '98975', units: 1 }, { code: '98980', units: 1 }, { code: '98981', units: 1 }] });
  });

  it('sums the range in the total and per coordinator', async () => {
    const m = await loadProgramMetrics(world.db, { orgId: world.orgIds.clinicA, from: '2026-10', to: '2026-12', now: NOW });
    // activation days 2 and 5: median 3.5; periods 28, 22, 0, 2, 0 days: mean 52 / 5, 2 of 5 reach 16, 3 of 5 reach 2
    expect(m.total).toMatchObject({ enrolled: 3, activated: 2, medianDaysToActivation: 3.5, periods: { closed: 5, monitoredDaysPerPeriod: 10.4, reached2: 0.6, reached16: 0.4 } });
    expect(m.total.retention).toEqual({ d30: { eligible: 2, retained: 1, share: 0.5 }, d60: { eligible: 2, retained: 1, share: 0.5 }, d90: { eligible: 1, retained: 0, share: 0 } });
    expect(m.total.alerts).toEqual({ raised: 3, acknowledged: 2, medianMinutesToAcknowledge: 60 });
    // 2 calls + 1 change over 1 + 2 + 3 patient-months
    expect(m.total.interventions).toEqual({ communications: 2, therapyChanges: 1, patientMonths: 6, perPatientMonth: 0.5 });
    // means of (1, 2/30) and (0, 1); mean change ((0 - 1) + (1 - 2/30)) / 2
    expect(m.total.adherence.patients).toBe(2);
    expect(m.total.adherence.first30).toBeCloseTo((1 + 2 / 30) / 2, 10);
    expect(m.total.adherence.latest30).toBeCloseTo(0.5, 10);
    expect(m.total.adherence.change).toBeCloseTo((-1 + (1 - 2 / 30)) / 2, 10);
    expect(m.total.codes).toEqual({ '98975': 2, '98977': 2, '98980': 2, '98981': 1, '98985': 1 });
    expect(m.total.expectedRevenue.amount).toBe(40.08);

    const byCoordinator = new Map(m.coordinators.map((c) => [c.coordinatorId, c]));
    expect([...byCoordinator.keys()]).toEqual([world.users.clinicA.coordinator, null]);
    const c = byCoordinator.get(world.users.clinicA.coordinator)!;
    // P1 over Oct-Dec (3 patient-months) and P2 over Nov-Dec (2): 3 interventions / 5
    expect(c).toMatchObject({ enrolled: 2, activated: 2, interventions: { communications: 2, therapyChanges: 1, patientMonths: 5, perPatientMonth: 0.6 } });
    expect(byCoordinator.get(null)).toMatchObject({ enrolled: 1, activated: 0, interventions: { patientMonths: 1, perPatientMonth: 0 } });

    const one = await loadProgramMetrics(world.db, { orgId: world.orgIds.clinicA, from: '2026-10', to: '2026-12', coordinatorId: world.users.clinicA.coordinator, now: NOW });
    expect(one.total.enrolled).toBe(2);
    expect(one.coordinators.map((x) => x.coordinatorId)).toEqual([world.users.clinicA.coordinator]);
  });

  it('prices earned units with the organisation override', async () => {
    const admin = as(world.tokens.clinicA.admin);
    const put = await admin('PUT', '/v1/program/fee-schedule', { amounts: { '98977': { amount: 50, source: 'MAC locality 2026, contracted' }, '98980': { amount: 52.5, estimate: false, source: 'contract' } } });
    expect(put.statusCode).toBe(200);
    const entries = new Map((put.json().entries as { code: string; amount: number | null; overridden: boolean; estimate: boolean }[]).map((e) => [e.code, e]));
    expect(entries.get('98977')).toMatchObject({ amount: 50, overridden: true, estimate: true });
    expect(entries.get('98985')).toMatchObject({ amount: 40.08, overridden: false, estimate: true });
    const m = await loadProgramMetrics(world.db, { orgId: world.orgIds.clinicA, from: '2026-11', to: '2026-11', now: NOW });
    expect(m.total.expectedRevenue).toEqual({ amount: 50, currency: 'USD', estimate: true, unpriced: [] });
    const oct = await loadProgramMetrics(world.db, { orgId: world.orgIds.clinicA, from: '2026-10', to: '2026-10', now: NOW });
    // 98977 at 50 (estimate) + 98980 at 52.50 (contract); 98975 still unpriced
    expect(oct.total.expectedRevenue).toEqual({ amount: 102.5, currency: 'USD', estimate: true, unpriced: [{ code: '98975', units: 1 }] });
    expect((await as(world.tokens.clinicA.clinician)('PUT', '/v1/program/fee-schedule', { amounts: {} })).statusCode).toBe(403);
    expect((await admin('PUT', '/v1/program/fee-schedule', { amounts: { '98977': { amount: -1, source: 'x' } } })).statusCode).toBe(400);
    expect((await admin('PUT', '/v1/program/fee-schedule', { amounts: { '99999': { amount: 1, source: 'x' } } })).statusCode).toBe(400);
    const audit = await world.db.query("SELECT 1 FROM audit_log WHERE action = 'program.fee_schedule' AND org_id = $1", [world.orgIds.clinicA]);
    expect(audit.rowCount).toBe(1);
    // clinic B keeps the seeded schedule
    const b = await as(world.tokens.clinicB.clinician)('GET', '/v1/program/fee-schedule');
    expect(b.json().entries.every((e: { overridden: boolean }) => !e.overridden)).toBe(true);
  });

  it('serves the metrics to clinical roles only, scoped to the organisation', async () => {
    const res = await as(world.tokens.clinicA.coordinator)('GET', `/v1/program/metrics?from=2026-10&to=2026-12&coordinator=${world.users.clinicA.coordinator}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().coordinators[0]).toMatchObject({ coordinatorId: world.users.clinicA.coordinator, name: 'clinicA Coordinator' });
    expect((await as(world.tokens.clinicA.support)('GET', '/v1/program/metrics?from=2026-10&to=2026-12')).statusCode).toBe(403);
    expect((await as(world.tokens.clinicA.clinician)('GET', '/v1/program/metrics?from=2026-12&to=2026-10')).statusCode).toBe(400);
    const b = (await as(world.tokens.clinicB.clinic)('GET', '/v1/program/metrics?from=2026-10&to=2026-12')).json();
    expect(b.total.enrolled).toBe(1); // only clinic B's own patient
  });
});

describe('metric helpers and the seeded fee schedule', () => {
  it('medians, month ranges and revenue', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(monthsBetween('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(expectedRevenue({ '98985': 3, '98977': 1 }, feeScheduleFrom({}))).toEqual({ amount: 120.24, currency: 'USD', estimate: true, unpriced: [{ code: '98977', units: 1 }] });
  });

  it('marks every seeded amount an estimate with its source, and prices only what the reference gives', () => {
    expect(DEFAULT_FEE_SCHEDULE.every((e) => e.estimate && e.source.length > 0)).toBe(true);
    expect(DEFAULT_FEE_SCHEDULE.filter((e) => e.amount !== null).map((e) => [e.code, e.amount])).toEqual([['98985', 40.08]]);
    expect(DEFAULT_FEE_SCHEDULE.find((e) => e.code === '98976')!.source).toContain('gives no CY2026 national amount');
    expect(() => feeScheduleFrom({ feeSchedule: { '98977': { amount: 'lots' } } })).toThrow(/invalid fee schedule/);
  });
});
