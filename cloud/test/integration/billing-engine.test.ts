/**
 * Billing on a real database (PGlite by default, PostgreSQL with DATABASE_URL): days from events and
 * heartbeats, idempotent refresh, clock faults, reassignment, export, late data => amended, management codes,
 * the monthly report. Expectations are hand-computed (patient in America/New_York, anchor 2026-01-01:
 * period 0 = 1..30 Jan, period 1 = 31 Jan..1 Mar).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markExported, buildMonthlyReport } from '../../src/billing/monthly-report.ts';
import { logInteractiveCommunication, logManagementTime, saveMonthlyDocumentation } from '../../src/billing/management-repository.ts';
import { billingForPatient, recomputePatient } from '../../src/billing/recompute-patient.ts';
import { rebuildDaysForPatients, refreshDaysForDeviceHeartbeats, refreshDaysForEvents, type IngestedEvent } from '../../src/billing/refresh-days.ts';
import { BillingInputError } from '../../src/billing/billing-errors.ts';
import { adherenceForPatient, symptomTimeline } from '../../src/adherence/adherence-repository.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let db: TestDatabase;
let orgId: string;
let patientId: string;
let capA: string;
let capB: string;
let uplinkId: number;
let seq = 0;

async function insertEvent(deviceId: string, occurredAt: string | null, kind = 1, source = 'device', timeQuality = 'device_clock'): Promise<IngestedEvent> {
  seq += 1;
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO events (device_id, seq, boot, uptime_s, kind, args, source, occurred_at, time_quality, patient_id, uplink_id, received_at)
     VALUES ($1, $2, 1, $2, $3, $9::integer[], $4, $5, $6, $7, $8, now()) RETURNING id`,
    [deviceId, seq, kind, source, occurredAt, timeQuality, patientId, uplinkId, kind === 2 ? [2] : [30]],
  );
  return { eventId: Number(rows[0]!.id), patientId, occurredAt: occurredAt === null ? null : new Date(occurredAt), kind, source };
}

async function ingest(events: IngestedEvent[]): Promise<void> {
  await db.transaction((tx) => refreshDaysForEvents(tx, events, { now: new Date('2026-02-10T12:00:00Z') }));
}

const dayRows = async () =>
  (await db.query<{ local_date: string; qualifying: boolean; device_active: boolean; qualifying_event_ids: number[]; serials: string[] }>(
    'SELECT local_date, qualifying, device_active, qualifying_event_ids, serials FROM monitored_days WHERE patient_id = $1 ORDER BY local_date',
    [patientId],
  )).rows.map((r) => ({ ...r, qualifying_event_ids: r.qualifying_event_ids.map(Number) }));

beforeAll(async () => {
  db = await createTestDatabase();
  orgId = (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name) VALUES ('clinic-b', 'Clinic B') RETURNING id`)).rows[0]!.id;
  capA = (await db.query<{ id: string }>(`INSERT INTO devices (serial, org_id) VALUES ('CAP-A001', $1) RETURNING id`, [orgId])).rows[0]!.id;
  capB = (await db.query<{ id: string }>(`INSERT INTO devices (serial, org_id) VALUES ('CAP-B002', $1) RETURNING id`, [orgId])).rows[0]!.id;
  patientId = (
    await db.query<{ id: string }>(
      `INSERT INTO patients (org_id, reference, name, time_zone, body_system, monitoring_start, period_anchor, billing_practitioner, diagnosis)
       VALUES ($1, 'MRN-1', 'Ada Example', 'America/New_York', 'respiratory', '2026-01-01', '2026-01-01', 'Dr Lee', 'COPD') RETURNING id`,
      [orgId],
    )
  ).rows[0]!.id;
  // cap A until 15 Jan noon EST, then cap B (reassignment mid-period)
  await db.query(`INSERT INTO device_assignments (device_id, patient_id, org_id, assigned_at, unassigned_at) VALUES ($1, $2, $3, '2026-01-01T05:00:00Z', '2026-01-15T17:00:00Z')`, [capA, patientId, orgId]);
  await db.query(`INSERT INTO device_assignments (device_id, patient_id, org_id, assigned_at) VALUES ($1, $2, $3, '2026-01-15T17:00:00Z')`, [capB, patientId, orgId]);
  uplinkId = Number((await db.query<{ id: number }>(`INSERT INTO uplinks (received_at, topic, payload) VALUES (now(), 't', '\\x00') RETURNING id`)).rows[0]!.id);
});

afterAll(async () => {
  await db?.close();
});

describe('billing on the database', () => {
  const batch: IngestedEvent[] = [];

  it('builds days from events; duplicates and out-of-order refreshes change nothing', async () => {
    // 14 days of openings: 1..14 Jan on cap A at 15:00Z (10:00 EST); a second opening on 3 Jan
    for (let d = 1; d <= 14; d++) batch.push(await insertEvent(capA, `2026-01-${String(d).padStart(2, '0')}T15:00:00Z`));
    batch.push(await insertEvent(capA, '2026-01-03T23:00:00Z'));
    // 16 Jan on cap B: a symptom report at 23:30 EST = 04:30Z on the 17th
    batch.push(await insertEvent(capB, '2026-01-17T04:30:00Z', 2, 'self_report'));
    await ingest(batch.slice(0, 8));
    await ingest(batch.slice(8));
    const first = await dayRows();
    expect(first.map((d) => d.local_date)).toEqual([...Array.from({ length: 14 }, (_, i) => `2026-01-${String(i + 1).padStart(2, '0')}`), '2026-01-16']);
    expect(first.every((d) => d.qualifying)).toBe(true);
    expect(first[2]!.qualifying_event_ids).toEqual([batch[2]!.eventId, batch[14]!.eventId]);
    expect(first[14]!.serials).toEqual(['CAP-B002']);
    await ingest([...batch].reverse());
    await ingest([batch[3]!, batch[3]!, batch[15]!]);
    expect(await dayRows()).toEqual(first);
  });

  it('clock faults create no day; heartbeat-only days are device-active but not monitored', async () => {
    const unresolved = await insertEvent(capB, null, 1, 'device', 'unresolved');
    await ingest([unresolved]);
    await db.query(
      `INSERT INTO heartbeats (device_id, boot, uptime_s, sampled_at, received_at, metrics, uplink_id) VALUES ($1, 1, 99999, '2026-01-20T15:00:00Z', now(), '{}', $2)`,
      [capB, uplinkId],
    );
    await db.transaction((tx) => refreshDaysForDeviceHeartbeats(tx, [{ deviceId: capB, sampledAt: new Date('2026-01-20T15:00:00Z') }]));
    const days = await dayRows();
    expect(days).toHaveLength(16);
    expect(days.find((d) => d.local_date === '2026-01-20')).toMatchObject({ qualifying: false, device_active: true, serials: ['CAP-B002'] });
  });

  it('periods with codes, both serials, evidence and device-active days', async () => {
    const b = await billingForPatient(db, patientId, { asOf: new Date('2026-02-05T12:00:00Z') });
    const p0 = b.periods[0]!;
    expect([p0.startDate, p0.endDate, p0.status, p0.monitoredDays, p0.deviceActiveDays]).toEqual(['2026-01-01', '2026-01-30', 'closed', 15, 16]);
    expect(p0.codes).toEqual([{ code: '98975', units: 1 }, { code: '98984', units: 1 }]);
    expect(p0.evidence.serials).toEqual(['CAP-A001', 'CAP-B002']);
    expect(p0.evidence.qualifyingDates.find((d) => d.date === '2026-01-16')).toEqual({
      date: '2026-01-16',
      events: [{ eventId: batch[15]!.eventId, source: 'self_report' }],
      sources: ['self_report'],
    });
    expect(b.periods[1]!.status).toBe('open');
    const recomputed = await recomputePatient(db, patientId, { asOf: new Date('2026-02-05T12:00:00Z') });
    expect(recomputed.periods.map((p) => p.snapshot)).toEqual(b.periods.map((p) => p.snapshot));
    // the stored record: what the claim rests on (evidence detail is derived on read)
    const stored = await db.query<{ period_index: number; status: string; monitored_days: number; supply_code: string | null; qualifying_dates: (string | Date)[]; serials: string[] }>(
      `SELECT period_index, status, monitored_days, supply_code, qualifying_dates::text[] AS qualifying_dates, serials FROM billing_periods
        WHERE patient_id = $1 ORDER BY period_index`,
      [patientId],
    );
    expect(stored.rows).toEqual(
      b.periods.map((p) => ({ period_index: p.index, status: p.status, monitored_days: p.monitoredDays, supply_code: p.supplyCode, qualifying_dates: p.snapshot.qualifyingDates, serials: p.snapshot.serials })),
    );
  });

  it('management codes need an interactive communication in the month', async () => {
    await logManagementTime(db, { patientId, staff: 'RN Diaz', minutes: 25, activity: 'data review', performedAt: new Date('2026-01-12T15:00:00Z'), createdBy: 'test' });
    let b = await billingForPatient(db, patientId, { asOf: new Date('2026-02-05T12:00:00Z') });
    expect(b.management).toMatchObject([{ month: '2026-01', minutes: 25, interactiveCommunications: 0, codes: [] }]);
    await logInteractiveCommunication(db, { patientId, at: new Date('2026-01-12T16:00:00Z'), minutes: 10, modality: 'phone', staff: 'RN Diaz', note: 'reviewed missed doses', createdBy: 'test' });
    await saveMonthlyDocumentation(db, { patientId, month: '2026-01', whatReviewed: 'adherence chart', whatChanged: 'evening reminder added', updatedBy: 'test' });
    b = await billingForPatient(db, patientId, { asOf: new Date('2026-02-05T12:00:00Z') });
    expect(b.management[0]!.codes).toEqual([{ code: '98980', units: 1 }]);
    expect(b.periods[0]!.evidence.checklist.complete).toBe(true);
    await expect(logManagementTime(db, { patientId, staff: 'x', minutes: 0, activity: 'y', performedAt: new Date(), createdBy: 't' })).rejects.toThrow(BillingInputError);
  });

  it('export snapshots the closed period; late data flags it amended with the difference', async () => {
    const asOf = new Date('2026-02-05T12:00:00Z');
    const result = await markExported(db, orgId, '2026-01', 'cli:tester', { asOf });
    expect(result.exportedPeriods).toBe(1);
    expect(result.rows.map((r) => [r.type, r.periodIndex, r.status, r.codes.map((c) => c.code).join(';')])).toEqual([
      ['supply', 0, 'exported', '98975;98984'],
      ['management', null, 'exported', '98980'],
    ]);
    expect(result.csv.split('\r\n')[0]).toMatch(/^type,patient_reference,/);
    const stored = (await db.query<{ status: string; setup_threshold_days: number }>('SELECT p.status, e.setup_threshold_days FROM billing_periods p JOIN billing_exports e ON e.id = p.export_id WHERE p.patient_id = $1', [patientId])).rows;
    expect(stored).toEqual([{ status: 'exported', setup_threshold_days: 2 }]);
    expect((await db.query(`SELECT 1 FROM audit_log WHERE action = 'billing.export'`)).rowCount).toBe(1);

    // a cap uploads a week late: an opening on 20 Jan (the 16th monitored day)
    await ingest([await insertEvent(capB, '2026-01-20T16:00:00Z')]);
    const row = (await db.query<{ status: string; export_snapshot: { supplyCode: string; monitoredDays: number }; amended_diff: { addedDates: string[] } }>(
      'SELECT status, export_snapshot, amended_diff FROM billing_periods WHERE patient_id = $1 AND period_index = 0',
      [patientId],
    )).rows[0]!;
    expect(row.status).toBe('amended');
    expect(row.export_snapshot).toMatchObject({ supplyCode: '98984', monitoredDays: 15 });
    expect(row.amended_diff.addedDates).toEqual(['2026-01-20']);

    const report = await buildMonthlyReport(db, { orgId, month: '2026-01', asOf });
    const supply = report.rows.find((r) => r.type === 'supply')!;
    expect(supply).toMatchObject({ status: 'amended', amended: true, monitoredDays: 16 });
    expect(supply.codes.map((c) => c.code)).toEqual(['98975', '98976']);
    expect(report.json.evidence[supply.evidenceRef]!.monitoredDays).toBe(16);
    // the first export is unchanged
    const firstExport = (await db.query<{ snapshot: { rows: { codes: { code: string }[] }[] } }>('SELECT snapshot FROM billing_exports WHERE id = $1', [result.exportId])).rows[0]!;
    expect(firstExport.snapshot.rows[0]!.codes.map((c) => c.code)).toEqual(['98975', '98984']);
  });

  it('adherence and symptom timeline from the same events', async () => {
    // default regimen: 1 dose a day at 08:00; openings at 10:00 EST each day, a second one at 18:00 on 3 Jan
    const a = await adherenceForPatient(db, patientId, { from: '2026-01-01', to: '2026-01-05' });
    expect(a.days.map((d) => [d.date, d.doses, d.correct, d.onTime])).toEqual([
      ['2026-01-01', 1, true, 1],
      ['2026-01-02', 1, true, 1],
      ['2026-01-03', 2, false, 1],
      ['2026-01-04', 1, true, 1],
      ['2026-01-05', 1, true, 1],
    ]);
    expect([a.summary.takingAdherence, a.summary.extraDoses, a.summary.correctDosingDays]).toEqual([1, 1, 4]);
    // before the first assignment nothing was monitored
    const early = await adherenceForPatient(db, patientId, { from: '2025-12-30', to: '2026-01-01' });
    expect(early.days.map((d) => d.observed)).toEqual([false, false, true]);
    const symptoms = await symptomTimeline(db, patientId, { from: '2026-01-16', to: '2026-01-16' });
    expect(symptoms.map((s) => [s.localDate, s.localTime, s.label, s.serial])).toEqual([['2026-01-16', '23:30', 'feels unwell', 'CAP-B002']]);
    await expect(adherenceForPatient(db, patientId, { from: '2026-01-05', to: '2026-01-01' })).rejects.toThrow(BillingInputError);
  });

  it('the organisation policy decides what qualifies (device data only => the symptom-only day drops out)', async () => {
    await db.query(`UPDATE organisations SET settings = '{"billing": {"qualifyingSources": ["device"], "setupThresholdDays": 16}}' WHERE id = $1`, [orgId]);
    const b = await recomputePatient(db, patientId, { asOf: new Date('2026-02-05T12:00:00Z') });
    const p0 = b.periods[0]!;
    expect(p0.monitoredDays).toBe(15); // 1..14 and 20 Jan; 16 Jan held only a symptom report
    expect(p0.status).toBe('amended');
    expect(p0.setupCode).toBeNull(); // threshold 16 not reached in the first supply period
    expect(p0.evidence.deviceActiveOnlyDates).toEqual(['2026-01-16']);
    await db.query(`UPDATE organisations SET settings = '{}' WHERE id = $1`, [orgId]);
  });

  it('re-attributing events (a back-dated unassignment) rebuilds days and updates the exported period at once', async () => {
    await db.transaction(async (tx) => {
      await tx.query(`UPDATE events SET patient_id = NULL WHERE device_id = $1 AND occurred_at >= '2026-01-20T00:00:00Z'`, [capB]);
      await tx.query(`UPDATE device_assignments SET unassigned_at = '2026-01-20T05:00:00Z' WHERE device_id = $1`, [capB]);
      await rebuildDaysForPatients(tx, [patientId], { now: new Date('2026-02-05T12:00:00Z') });
    });
    expect((await dayRows()).map((d) => d.local_date)).not.toContain('2026-01-20');
    // back to exactly what was exported: no longer an amendment
    const row = (await db.query<{ status: string; amended_diff: unknown }>('SELECT status, amended_diff FROM billing_periods WHERE patient_id = $1 AND period_index = 0', [patientId])).rows[0]!;
    expect(row).toEqual({ status: 'exported', amended_diff: null });
  });

  it('rejects a bad month with a typed error', async () => {
    await expect(buildMonthlyReport(db, { orgId, month: '2026-13' })).rejects.toThrow(BillingInputError);
  });
});
