import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { createOrganisation, ensureOrganisation, findOrganisationBySlug, updateOrganisationSettings } from '../../src/repositories/organisations.ts';
import { findDeviceBySerial, registerDevice, updateDeviceAckState, updateHelloInfo } from '../../src/repositories/devices.ts';
import { enrolPatient, isValidTimeZone, updatePatient } from '../../src/repositories/patients.ts';
import { assignDevice, patientForDeviceAt, patientsForDevicesAt, unassignDevice } from '../../src/repositories/assignments.ts';
import { getUplink, markUplinks, storeUplinks } from '../../src/repositories/uplinks.ts';
import { contiguousAckSeq, insertEvents, seqGaps, type NewEvent } from '../../src/repositories/events.ts';
import { insertHeartbeats } from '../../src/repositories/heartbeats.ts';
import { listTimeCorrections, recordTimeCorrections } from '../../src/repositories/time-corrections.ts';
import { appendAudit, listAudit } from '../../src/repositories/audit.ts';
import { RepositoryError } from '../../src/repositories/repository-error.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

const t = (iso: string) => new Date(iso);

describe('organisations', () => {
  it('creates by slug, refuses duplicates and bad slugs, merges settings', async () => {
    const org = await createOrganisation(db, { slug: 'north-clinic', name: 'North Clinic' });
    expect(org.settings).toEqual({});
    await expect(createOrganisation(db, { slug: 'north-clinic', name: 'x' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(createOrganisation(db, { slug: 'Bad Slug', name: 'x' })).rejects.toMatchObject({ code: 'invalid_slug' });
    const again = await ensureOrganisation(db, 'north-clinic');
    expect(again).toMatchObject({ created: false, organisation: { id: org.id } });
    expect(await updateOrganisationSettings(db, org.id, { setupThresholdDays: 2, policy: 'lid_or_symptom' })).toEqual({
      setupThresholdDays: 2,
      policy: 'lid_or_symptom',
    });
    expect(await updateOrganisationSettings(db, org.id, { policy: null })).toEqual({ setupThresholdDays: 2 });
    expect((await findOrganisationBySlug(db, 'north-clinic'))?.settings).toEqual({ setupThresholdDays: 2 });
  });
});

describe('devices, patients and assignments', () => {
  it('registers idempotently and validates serials', async () => {
    const first = await registerDevice(db, { serial: 'PC-0001' });
    const second = await registerDevice(db, { serial: 'PC-0001' });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, device: { id: first.device.id } });
    await expect(registerDevice(db, { serial: 'pc-lower' })).rejects.toBeInstanceOf(RepositoryError);
  });

  it('keeps ack state monotonic and stores Hello info', async () => {
    const { device } = await registerDevice(db, { serial: 'PC-0002' });
    await updateDeviceAckState(db, device.id, { ackSeq: 10, logTailSeq: 5, droppedTotal: 2, seenAt: t('2025-01-02T00:00:00Z') });
    await updateDeviceAckState(db, device.id, { ackSeq: 7, logTailSeq: 3, droppedTotal: 1, seenAt: t('2025-01-01T00:00:00Z') });
    await updateHelloInfo(db, device.id, {
      appFirmware: '1.2.3+45',
      imageHash: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]),
      imei: '490154203237518',
      bootCount: 7,
      resetReason: 3,
      configVersion: 2,
    });
    const d = (await findDeviceBySerial(db, 'PC-0002'))!;
    expect(d).toMatchObject({
      ackSeq: 10,
      logTailSeq: 5,
      droppedTotal: 2,
      appFirmware: '1.2.3+45',
      imageHash: 'deadbeef01020304',
      imei: '490154203237518',
      bootCount: 7,
      lastResetReason: 3,
      deviceConfigVersion: 2,
    });
    expect(d.lastSeenAt?.toISOString()).toBe('2025-01-02T00:00:00.000Z');
  });

  it('validates patient enrolment input', async () => {
    expect(isValidTimeZone('America/Chicago')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('+01:00')).toBe(false);
    const { organisation } = await ensureOrganisation(db, 'enrol-clinic');
    const base = {
      orgId: organisation.id,
      reference: 'MRN-1',
      name: 'Ada',
      timeZone: 'America/Chicago',
      bodySystem: 'respiratory',
      monitoringStart: '2025-03-01',
      billingPractitioner: 'Dr Who',
    };
    await expect(enrolPatient(db, { ...base, timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'invalid_time_zone' });
    await expect(enrolPatient(db, { ...base, bodySystem: 'cardiac' })).rejects.toMatchObject({ code: 'invalid_body_system' });
    await expect(enrolPatient(db, { ...base, monitoringStart: '2025-02-30' })).rejects.toMatchObject({ code: 'invalid_date' });
    const p = await enrolPatient(db, base);
    expect(p).toMatchObject({ monitoringStart: '2025-03-01', periodAnchor: '2025-03-01', episode: 1, regimen: { dosesPerDay: 1 } });
    await expect(enrolPatient(db, base)).rejects.toMatchObject({ code: 'conflict' });
    const updated = await updatePatient(db, p.id, { regimen: { dosesPerDay: 2, reminderMinutes: [480, 1200] }, diagnosis: 'COPD' });
    expect(updated).toMatchObject({ regimen: { dosesPerDay: 2 }, diagnosis: 'COPD', timeZone: 'America/Chicago' });
  });

  it('assigns over non-overlapping intervals and finds the patient at an instant', async () => {
    const { organisation } = await ensureOrganisation(db, 'assign-clinic');
    const common = { orgId: organisation.id, timeZone: 'Europe/London', bodySystem: 'cbt', monitoringStart: '2025-01-01', billingPractitioner: 'Dr A' };
    const alice = await enrolPatient(db, { ...common, reference: 'A', name: 'Alice' });
    const bob = await enrolPatient(db, { ...common, reference: 'B', name: 'Bob' });
    const { device } = await registerDevice(db, { serial: 'PC-0003' });
    await assignDevice(db, { deviceId: device.id, patientId: alice.id, at: t('2025-01-01T00:00:00Z') });
    await expect(assignDevice(db, { deviceId: device.id, patientId: bob.id, at: t('2025-01-10T00:00:00Z') })).rejects.toMatchObject({
      code: 'assignment_overlap',
    });
    await unassignDevice(db, { deviceId: device.id, at: t('2025-01-15T00:00:00Z') });
    await assignDevice(db, { deviceId: device.id, patientId: bob.id, at: t('2025-01-15T00:00:00Z') });
    // A historic interval that would overlap Alice's is refused too.
    await expect(
      assignDevice(db, { deviceId: device.id, patientId: bob.id, at: t('2024-12-01T00:00:00Z'), until: t('2025-01-02T00:00:00Z') }),
    ).rejects.toMatchObject({ code: 'assignment_overlap' });
    expect(await patientForDeviceAt(db, device.id, t('2025-01-14T23:59:59Z'))).toBe(alice.id);
    expect(await patientForDeviceAt(db, device.id, t('2025-01-15T00:00:00Z'))).toBe(bob.id);
    expect(await patientForDeviceAt(db, device.id, t('2024-12-31T00:00:00Z'))).toBeUndefined();
    expect(
      await patientsForDevicesAt(db, [
        { deviceId: device.id, at: t('2025-01-05T00:00:00Z') },
        { deviceId: device.id, at: t('2024-01-05T00:00:00Z') },
        { deviceId: device.id, at: t('2026-01-05T00:00:00Z') },
      ]),
    ).toEqual([alice.id, null, bob.id]);
    expect((await findDeviceBySerial(db, 'PC-0003'))?.orgId).toBe(organisation.id);
    const other = await ensureOrganisation(db, 'other-clinic');
    const carol = await enrolPatient(db, { ...common, orgId: other.organisation.id, reference: 'C', name: 'Carol' });
    await unassignDevice(db, { deviceId: device.id, at: t('2025-02-01T00:00:00Z') });
    await expect(assignDevice(db, { deviceId: device.id, patientId: carol.id, at: t('2025-03-01T00:00:00Z') })).rejects.toMatchObject({
      code: 'organisation_mismatch',
    });
  });
});

describe('uplinks, events, heartbeats, corrections, audit', () => {
  it('stores raw uplinks in order and marks outcomes', async () => {
    const ids = await storeUplinks(db, [
      { receivedAt: t('2025-01-01T00:00:00Z'), topic: 'pillcap/v1/PC-0001/up', topicSerial: 'PC-0001', payload: new Uint8Array([1]) },
      { receivedAt: t('2025-01-01T00:00:01Z'), topic: 'bad/topic', topicSerial: null, payload: new Uint8Array([2, 3]) },
    ]);
    expect(ids).toHaveLength(2);
    await markUplinks(db, [{ id: ids[1]!, status: 'quarantined', errorCode: 'wrong_topic', error: 'not an uplink topic' }], t('2025-01-01T00:00:02Z'));
    const first = (await getUplink(db, ids[0]!))!;
    const second = (await getUplink(db, ids[1]!))!;
    expect(first).toMatchObject({ status: 'received', topicSerial: 'PC-0001' });
    expect(Array.from(first.payload)).toEqual([1]);
    expect(second).toMatchObject({ status: 'quarantined', errorCode: 'wrong_topic', topic: 'bad/topic' });
    expect(Array.from(second.payload)).toEqual([2, 3]);
  });

  it('inserts events idempotently and computes the contiguous ack', async () => {
    const { device } = await registerDevice(db, { serial: 'PC-0010' });
    const [uplinkId] = await storeUplinks(db, [{ receivedAt: new Date(), topic: 'pillcap/v1/PC-0010/up', topicSerial: 'PC-0010', payload: new Uint8Array() }]);
    const ev = (seq: number): NewEvent => ({
      deviceId: device.id,
      seq,
      boot: 1,
      uptimeS: seq * 10,
      kind: 1,
      args: [seq],
      source: 'device',
      occurredAt: seq % 2 ? new Date(1_700_000_000_000 + seq * 1000) : null,
      timeQuality: seq % 2 ? 'device_clock' : 'unresolved',
      patientId: null,
      uplinkId: uplinkId!,
      receivedAt: new Date(),
    });
    const first = await insertEvents(db, [ev(3), ev(1), ev(2), ev(5)]);
    expect(first.map((e) => e.seq)).toEqual([1, 2, 3, 5]);
    expect(first[0]).toMatchObject({ args: [1], kind: 1, source: 'device', timeQuality: 'device_clock' });
    expect(first[1]!.occurredAt).toBeNull();
    const again = await insertEvents(db, [ev(2), ev(3), ev(4)]);
    expect(again.map((e) => e.seq)).toEqual([4]);
    await insertEvents(db, [ev(8)]);
    expect(await contiguousAckSeq(db, device.id, 1, 0)).toBe(5);
    expect(await contiguousAckSeq(db, device.id, 6, 0)).toBe(5); // device no longer holds 6: acks below its tail
    expect(await contiguousAckSeq(db, device.id, 7, 0)).toBe(6); // the cloud lacks 7: nothing from the tail on
    expect(await contiguousAckSeq(db, device.id, 8, 0)).toBe(8);
    expect(await contiguousAckSeq(db, device.id, 1, 9)).toBe(9); // never decreases
    expect(await seqGaps(db, device.id)).toEqual([{ from: 6, to: 7 }]);
  });

  it('ignores a redelivered heartbeat and records corrections and audit entries', async () => {
    const { device } = await registerDevice(db, { serial: 'PC-0011' });
    const [uplinkId] = await storeUplinks(db, [{ receivedAt: new Date(), topic: 'pillcap/v1/PC-0011/up', topicSerial: 'PC-0011', payload: new Uint8Array() }]);
    const hb = { deviceId: device.id, boot: 2, uptimeS: 3600, sampledAt: null, receivedAt: new Date(), metrics: { batteryMv: 3900 }, uplinkId: uplinkId! };
    expect(await insertHeartbeats(db, [hb])).toEqual(new Set([hb.uplinkId]));
    expect(await insertHeartbeats(db, [hb])).toEqual(new Set());
    // two uplinks carrying the same heartbeat in one call: the first one's is new, the second is a duplicate
    const [first, second] = await storeUplinks(db, [1, 2].map(() => ({ receivedAt: new Date(), topic: 'pillcap/v1/PC-0011/up', topicSerial: 'PC-0011', payload: new Uint8Array() })));
    const next = { ...hb, uptimeS: 7200 };
    expect(await insertHeartbeats(db, [{ ...next, uplinkId: first! }, { ...next, uplinkId: second! }, { ...hb, uplinkId: second! }])).toEqual(new Set([first]));
    await recordTimeCorrections(db, [{ deviceId: device.id, uplinkId: uplinkId!, boot: 2, action: 'corrected_future', correctionS: -86400, detail: 'x' }]);
    expect(await listTimeCorrections(db, device.id)).toMatchObject([{ action: 'corrected_future', correctionS: -86400, boot: 2 }]);
    await appendAudit(db, { actor: 'cli', action: 'device.register', target: 'PC-0011', detail: { a: 1 } });
    expect(await listAudit(db, { target: 'PC-0011' })).toMatchObject([{ actor: 'cli', action: 'device.register', detail: { a: 1 } }]);
  });
});
