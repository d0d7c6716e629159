/**
 * Organisation isolation in the repositories the API uses: another organisation's patient, cap or token is
 * simply absent (the API turns that into 404), and identifiers that are not UUIDs never reach SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { assignDevice, listPatientCapHistoryInOrg } from '../../src/repositories/assignments.ts';
import { createCommand, listRecentCommands, markCommandFailed } from '../../src/repositories/commands.ts';
import { findDeviceInScope, getDeviceSummary, listDeviceSummaries, registerDevice, registerTestedUnit } from '../../src/repositories/devices.ts';
import { attachEventsToPatient, detachEventsFromPatient, insertEvents } from '../../src/repositories/events.ts';
import { ensureOrganisation } from '../../src/repositories/organisations.ts';
import { enrolPatient, findPatientInOrg, findPatientSummaryInOrg, listPatientSummaries } from '../../src/repositories/patients.ts';
import { findLiveTokenByHash, insertToken, listTokensInOrg, revokeTokenInOrg } from '../../src/repositories/tokens.ts';
import { storeUplinks } from '../../src/repositories/uplinks.ts';

let db: TestDatabase;
let orgA: string;
let orgB: string;
beforeAll(async () => {
  db = await createTestDatabase();
  orgA = (await ensureOrganisation(db, 'scope-a')).organisation.id;
  orgB = (await ensureOrganisation(db, 'scope-b')).organisation.id;
});
afterAll(async () => {
  await db?.close();
});

const enrol = (orgId: string, reference: string) =>
  enrolPatient(db, { orgId, reference, name: `Patient ${reference}`, timeZone: 'Europe/Paris', bodySystem: 'respiratory', monitoringStart: '2026-03-01', billingPractitioner: 'Dr X' });

describe('patients', () => {
  it('finds a patient only within its organisation, and never looks up a non-UUID', async () => {
    const patient = await enrol(orgA, 'R-1');
    expect((await findPatientInOrg(db, orgA, patient.id))?.reference).toBe('R-1');
    expect(await findPatientInOrg(db, orgB, patient.id)).toBeUndefined();
    expect(await findPatientInOrg(db, orgA, "1' OR '1'='1")).toBeUndefined();
    expect(await findPatientSummaryInOrg(db, orgB, patient.id)).toBeUndefined();
  });

  it('lists summaries with the current cap, paged by reference', async () => {
    const p2 = await enrol(orgA, 'R-2');
    await enrol(orgA, 'R-3');
    await enrol(orgB, 'R-0');
    const { device } = await registerDevice(db, { serial: 'SCOPE-0001', orgId: orgA });
    await assignDevice(db, { deviceId: device.id, patientId: p2.id, at: new Date('2026-03-02T00:00:00Z') });
    const first = await listPatientSummaries(db, orgA, { limit: 2 });
    expect(first.map((p) => p.reference)).toEqual(['R-1', 'R-2']);
    expect(first[1]).toMatchObject({ device: 'SCOPE-0001', monitoringStart: '2026-03-01', periodAnchor: '2026-03-01', timeZone: 'Europe/Paris' });
    expect(first[1]).not.toHaveProperty('orgId');
    expect((await listPatientSummaries(db, orgA, { after: 'R-2', limit: 10 })).map((p) => p.reference)).toEqual(['R-3']);
    expect((await findPatientSummaryInOrg(db, orgA, p2.id))?.device).toBe('SCOPE-0001');
    expect(await listPatientCapHistoryInOrg(db, orgA, p2.id)).toEqual([{ serial: 'SCOPE-0001', assignedAt: new Date('2026-03-02T00:00:00Z'), unassignedAt: null }]);
    expect(await listPatientCapHistoryInOrg(db, orgB, p2.id)).toEqual([]);
  });

  it('moves unowned events to the patient and back from a given instant', async () => {
    const patient = await enrol(orgA, 'R-4');
    const { device } = await registerDevice(db, { serial: 'SCOPE-0004', orgId: orgA });
    const [uplinkId] = await storeUplinks(db, [{ receivedAt: new Date('2026-03-05T00:00:00Z'), topic: 'pillcap/v1/SCOPE-0004/up', topicSerial: 'SCOPE-0004', payload: new Uint8Array([1]) }]);
    const at = (day: number) => new Date(Date.UTC(2026, 2, day));
    await insertEvents(
      db,
      [1, 2, 3].map((seq) => ({
        deviceId: device.id, seq, boot: 1, uptimeS: seq, kind: 1, args: [], source: 'device' as const, occurredAt: at(seq), timeQuality: 'device_clock' as const,
        patientId: null, uplinkId: uplinkId!, receivedAt: at(5),
      })),
    );
    expect(await attachEventsToPatient(db, { deviceId: device.id, patientId: patient.id, from: at(2) })).toBe(2);
    expect(await detachEventsFromPatient(db, { deviceId: device.id, patientId: patient.id, from: at(3) })).toBe(1);
    const owned = await db.query<{ seq: number }>('SELECT seq FROM events WHERE device_id = $1 AND patient_id = $2 ORDER BY seq', [device.id, patient.id]);
    expect(owned.rows.map((r) => r.seq)).toEqual([2]);
  });
});

describe('devices', () => {
  it('scopes caps to their organisation unless the caller is the fleet operator', async () => {
    const id = await registerTestedUnit(db, { serial: 'SCOPE-0100', orgId: orgB, imei: '123456789012345', iccid: '891234567890123456', appFirmware: '1.0.0', factoryReport: { passed: true } });
    expect(id).toBeDefined();
    expect(await registerTestedUnit(db, { serial: 'SCOPE-0100', orgId: orgA, imei: '123456789012345', iccid: '891234567890123456', appFirmware: '1.0.0', factoryReport: {} })).toBeUndefined();
    expect(await findDeviceInScope(db, { orgId: orgA, fleet: false }, 'SCOPE-0100')).toBeUndefined();
    expect((await findDeviceInScope(db, { orgId: orgB, fleet: false }, 'SCOPE-0100'))?.id).toBe(id);
    expect((await findDeviceInScope(db, { orgId: orgA, fleet: true }, 'SCOPE-0100'))?.id).toBe(id);
    expect(await getDeviceSummary(db, id!)).toMatchObject({ serial: 'SCOPE-0100', organisation: 'scope-b', factoryPassed: true, assigned: false, imei: '123456789012345' });
    const mine = await listDeviceSummaries(db, { orgId: orgB, fleet: false }, { limit: 100 });
    expect(mine.map((d) => d.serial)).toEqual(['SCOPE-0100']);
    const all = await listDeviceSummaries(db, { orgId: orgA, fleet: true }, { after: 'SCOPE-0001', limit: 2 });
    expect(all.map((d) => d.serial)).toEqual(['SCOPE-0004', 'SCOPE-0100']);
  });

  it('numbers commands per cap and records a cloud-side failure', async () => {
    const { device } = await registerDevice(db, { serial: 'SCOPE-0200', orgId: orgA });
    const ids = await Promise.all([1, 2, 3].map(() => db.transaction((tx) => createCommand(tx, { deviceId: device.id, code: 1, requestedBy: 'test' }))));
    expect([...ids].sort()).toEqual([1, 2, 3]);
    await markCommandFailed(db, { deviceId: device.id, commandId: 2, detail: 'x'.repeat(300) });
    const failed = (await listRecentCommands(db, device.id, 10)).find((c) => c.commandId === 2);
    expect(failed).toMatchObject({ status: 'failed', code: 1 });
    expect(failed?.detail).toHaveLength(200);
  });
});

describe('tokens', () => {
  it('matches live tokens by hash and revokes only within the organisation', async () => {
    const hash = new Uint8Array(32).fill(7);
    const id = await insertToken(db, { orgId: orgA, role: 'clinic', tokenHash: hash, label: 'desk', expiresAt: null });
    expect(await findLiveTokenByHash(db, hash, new Date())).toMatchObject({ id, orgId: orgA, orgSlug: 'scope-a', role: 'clinic' });
    expect(await revokeTokenInOrg(db, orgB, id)).toBe(false);
    expect(await revokeTokenInOrg(db, orgA, id)).toBe(true);
    expect(await revokeTokenInOrg(db, orgA, id)).toBe(false);
    expect(await findLiveTokenByHash(db, hash, new Date())).toBeUndefined();
    expect((await listTokensInOrg(db, orgA)).map((t) => ({ id: t.id, label: t.label, revoked: t.revokedAt !== null }))).toEqual([{ id, label: 'desk', revoked: true }]);
    expect(await listTokensInOrg(db, orgB)).toEqual([]);
  });
});
