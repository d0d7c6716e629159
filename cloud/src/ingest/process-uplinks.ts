/**
 * The database half of ingestion for a group of raw uplinks that are already stored (group commit): decode
 * and validate each, then in ONE transaction insert events idempotently, resolve their times, attribute them
 * to the patient who had the cap, refresh monitored days, store heartbeats / Hello / command results /
 * factory reports, record time corrections, compute each device's ack and mark every uplink with its
 * outcome. Returns the acks to publish; the caller publishes them only after this resolves (= committed).
 *
 * Nothing here throws for bad input: an uplink that cannot be accepted is quarantined with a code and a
 * reason. Database errors propagate (the caller retries the whole group; every write is idempotent).
 */
import { MessageKind, type Ack, type EventBatch, type FactoryReport, type Heartbeat, type Hello, type CommandResult, type UplinkMessage } from '../../../protocol/src/messages.ts';
import { ProtocolError } from '../../../protocol/src/protocol-error.ts';
import { batchGaps } from '../../../protocol/src/ack.ts';
import type { Database, Queryable } from '../db/database.ts';
import { refreshDaysForEvents, refreshDaysForHeartbeats } from '../billing/refresh-days.ts';
import { lockPatientDays } from '../billing/patient-day-lock.ts';
import { enqueueAlertEvaluation } from '../clinical/alert-queue.ts';
import { patientsForDevicesAt } from '../repositories/assignments.ts';
import { recordCommandResults } from '../repositories/commands.ts';
import {
  findDevicesBySerials,
  lockDevices,
  recordFactoryReport,
  touchDevices,
  updateDevicesAckState,
  updateHelloInfo,
  updateIdentityFromHeartbeat,
  type Device,
} from '../repositories/devices.ts';
import { bootEpochs, contiguousAckSeqs, insertEvents, recordLostRanges, type NewEvent, type StoredEvent } from '../repositories/events.ts';
import { insertHeartbeats, type NewHeartbeat } from '../repositories/heartbeats.ts';
import { recordTimeCorrections, type NewTimeCorrection } from '../repositories/time-corrections.ts';
import { markUplinks, type QuarantineCode, type UplinkOutcome } from '../repositories/uplinks.ts';
import { eventSource } from './event-source.ts';
import { implausible, olderBoots, resolveEventTimes, DEFAULT_TIME_SANITY, type TimeSanity } from './time-resolution.ts';
import { parseUplinkTopic } from './uplink-topic.ts';

export interface StoredUplink {
  uplinkId: number;
  topic: string;
  payload: Uint8Array;
  receivedAt: Date;
}

export type UplinkDecoder = (bytes: Uint8Array) => UplinkMessage;

/** Billing hooks called inside the transaction (C2's refresh-days by default). */
export interface DayRefresher {
  /** Called once, before `events` and `heartbeats`, with every patient whose days they will refresh. */
  lock?(tx: Queryable, patientIds: string[]): Promise<void>;
  events(tx: Queryable, events: { eventId: number; patientId: string | null; occurredAt: Date | null; kind: number; source: string }[]): Promise<void>;
  heartbeats(tx: Queryable, heartbeats: { patientId: string | null; sampledAt: Date | null }[]): Promise<void>;
}

export const billingDayRefresher: DayRefresher = {
  lock: async (tx, patientIds) => void (await lockPatientDays(tx, patientIds)),
  events: (tx, events) => refreshDaysForEvents(tx, events),
  heartbeats: (tx, heartbeats) => refreshDaysForHeartbeats(tx, heartbeats),
};

export interface ProcessOptions {
  decode: UplinkDecoder;
  sanity?: TimeSanity;
  refresher?: DayRefresher;
  now?: () => Date;
}

export interface ProcessResult {
  acks: Ack[];
  outcomes: UplinkOutcome[];
  eventsInserted: number;
}

type Decoded = { uplink: StoredUplink; message: UplinkMessage; serial: string };

function reject(uplink: StoredUplink, code: QuarantineCode, error: string, kind?: number, deviceId?: string): UplinkOutcome {
  return { id: uplink.uplinkId, status: 'quarantined', errorCode: code, error: error.slice(0, 1000), kind: kind ?? null, deviceId: deviceId ?? null };
}

/** Decodes and checks the topic; pure, no database. */
export function decodeStored(uplink: StoredUplink, decode: UplinkDecoder): { ok: true; decoded: Decoded } | { ok: false; outcome: UplinkOutcome } {
  const topic = parseUplinkTopic(uplink.topic);
  if (!topic.ok) return { ok: false, outcome: reject(uplink, 'wrong_topic', topic.reason) };
  let message: UplinkMessage;
  try {
    message = decode(uplink.payload);
  } catch (error) {
    if (error instanceof ProtocolError) return { ok: false, outcome: reject(uplink, error.code, error.message) };
    return { ok: false, outcome: reject(uplink, 'invalid_field', `decoder failed: ${(error as Error)?.message ?? String(error)}`) };
  }
  if (message.serial !== topic.serial) {
    return {
      ok: false,
      outcome: reject(uplink, 'serial_mismatch', `payload serial "${message.serial}" does not match topic serial "${topic.serial}"`, message.kind),
    };
  }
  return { ok: true, decoded: { uplink, message, serial: topic.serial } };
}

export async function processUplinks(db: Database, uplinks: readonly StoredUplink[], options: ProcessOptions): Promise<ProcessResult> {
  const early: UplinkOutcome[] = [];
  const decoded: Decoded[] = [];
  for (const uplink of uplinks) {
    const result = decodeStored(uplink, options.decode);
    if (result.ok) decoded.push(result.decoded);
    else early.push(result.outcome);
  }
  return db.transaction((tx) => processDecoded(tx, decoded, early, options));
}

async function processDecoded(tx: Queryable, decoded: Decoded[], early: UplinkOutcome[], options: ProcessOptions): Promise<ProcessResult> {
  const sanity = options.sanity ?? DEFAULT_TIME_SANITY;
  const refresher = options.refresher ?? billingDayRefresher;
  const now = options.now?.() ?? new Date();
  const outcomes: UplinkOutcome[] = [...early];

  const devices = await findDevicesBySerials(tx, decoded.map((d) => d.serial));
  const known: (Decoded & { device: Device })[] = [];
  for (const d of decoded) {
    const device = devices.get(d.serial);
    if (device) known.push({ ...d, device });
    else outcomes.push(reject(d.uplink, 'unknown_device', `no registered device with serial ${d.serial}`, d.message.kind));
  }

  // ---- events: resolve times, attribute patients, insert idempotently
  const newEvents: NewEvent[] = [];
  const corrections: NewTimeCorrection[] = [];
  const batchEventCounts = new Map<number, number>();
  const lostRanges: { deviceId: string; from: number; to: number; uplinkId: number }[] = [];
  const batches = known.filter((k): k is Decoded & { device: Device; message: EventBatch } => k.message.kind === MessageKind.EventBatch);
  for (const b of batches) {
    const { anchors, events } = b.message;
    const older = olderBoots(anchors, events);
    const epochs = older.length > 0 ? await bootEpochs(tx, b.device.id, older) : new Map<number, number>();
    const resolution = resolveEventTimes(anchors, events, b.uplink.receivedAt, sanity, epochs);
    for (const note of resolution.notes) {
      corrections.push({ deviceId: b.device.id, uplinkId: b.uplink.uplinkId, boot: note.boot, action: note.action, correctionS: note.correctionS, detail: note.detail, at: b.uplink.receivedAt });
    }
    events.forEach((e, i) => {
      const time = resolution.times[i]!;
      newEvents.push({
        deviceId: b.device.id,
        seq: e.seq,
        boot: e.boot,
        uptimeS: e.uptimeS,
        kind: e.kind,
        args: e.args,
        source: eventSource(e.kind),
        occurredAt: time.occurredAt,
        timeQuality: time.quality,
        patientId: null,
        uplinkId: b.uplink.uplinkId,
        receivedAt: b.uplink.receivedAt,
      });
    });
    batchEventCounts.set(b.uplink.uplinkId, events.length);
    for (const gap of batchGaps(events)) lostRanges.push({ deviceId: b.device.id, from: gap.from, to: gap.to, uplinkId: b.uplink.uplinkId });
  }
  const placed = newEvents.filter((e) => e.occurredAt !== null);
  const patients = await patientsForDevicesAt(tx, placed.map((e) => ({ deviceId: e.deviceId, at: e.occurredAt! })));
  placed.forEach((e, i) => (e.patientId = patients[i] ?? null));
  // Within one group the same (device, seq) may come twice (a re-sent batch): keep the first.
  const unique = new Map<string, NewEvent>();
  for (const e of newEvents) if (!unique.has(`${e.deviceId}:${e.seq}`)) unique.set(`${e.deviceId}:${e.seq}`, e);
  const inserted: StoredEvent[] = await insertEvents(tx, [...unique.values()]);
  await recordLostRanges(tx, lostRanges);
  const insertedPerUplink = new Map<number, number>();
  for (const e of inserted) insertedPerUplink.set(e.uplinkId, (insertedPerUplink.get(e.uplinkId) ?? 0) + 1);

  // ---- heartbeats
  const identityUpdates: (() => Promise<void>)[] = [];
  const heartbeats: (NewHeartbeat & { uplink: StoredUplink })[] = [];
  for (const k of known) {
    if (k.message.kind !== MessageKind.Heartbeat) continue;
    const hb = k.message as Heartbeat;
    const receivedS = Math.floor(k.uplink.receivedAt.getTime() / 1000);
    const plausible = hb.anchor.unixS !== null && !implausible(hb.anchor.unixS, receivedS, sanity, true);
    heartbeats.push({
      deviceId: k.device.id,
      boot: hb.anchor.boot,
      uptimeS: hb.anchor.uptimeS,
      // Unknown when the cap did not know the time (or its clock was implausible): NULL, not a guess, so it
      // never feeds a boot-epoch estimate; the device-active day then uses the receive time.
      sampledAt: plausible ? new Date(hb.anchor.unixS! * 1000) : null,
      receivedAt: k.uplink.receivedAt,
      metrics: hb.metrics as Record<string, unknown>,
      uplinkId: k.uplink.uplinkId,
      uplink: k.uplink,
    });
    const m = hb.metrics;
    if (m.appFirmware || m.modemFirmware || m.imei || m.iccid || m.bootCount !== undefined || m.lastResetReason !== undefined) {
      identityUpdates.push(() => updateIdentityFromHeartbeat(tx, k.device.id, {
        appFirmware: m.appFirmware,
        modemFirmware: m.modemFirmware,
        imei: m.imei,
        iccid: m.iccid,
        bootCount: m.bootCount,
        lastResetReason: m.lastResetReason,
      }));
    }
  }
  // a redelivered heartbeat inserts nothing, so its uplink is marked a duplicate
  const newHeartbeatUplinks = await insertHeartbeats(tx, heartbeats);
  const freshHeartbeats = heartbeats.filter((h) => newHeartbeatUplinks.has(h.uplinkId));
  let heartbeatDays: { patientId: string | null; sampledAt: Date }[] = [];
  if (freshHeartbeats.length > 0) {
    const at = freshHeartbeats.map((h) => h.sampledAt ?? h.receivedAt);
    const hbPatients = await patientsForDevicesAt(tx, freshHeartbeats.map((h, i) => ({ deviceId: h.deviceId, at: at[i]! })));
    heartbeatDays = freshHeartbeats.map((h, i) => ({ patientId: hbPatients[i] ?? null, sampledAt: at[i]! }));
  }

  // ---- monitored days. The day locks of EVERY patient refreshed below are taken in one call, before the
  // refresh reads anything (two calls could deadlock against another ingestor), and before the device rows
  // are locked (the API's assign path takes them in the same order: day locks, then the device row).
  const eventDays = inserted.map((e) => ({ eventId: e.id, patientId: e.patientId, occurredAt: e.occurredAt, kind: e.kind, source: e.source }));
  const dayPatients = new Set<string>();
  for (const d of [...eventDays, ...heartbeatDays]) if (d.patientId) dayPatients.add(d.patientId);
  if (dayPatients.size > 0) await refresher.lock?.(tx, [...dayPatients]);
  if (eventDays.length > 0) await refresher.events(tx, eventDays);
  if (heartbeatDays.length > 0) await refresher.heartbeats(tx, heartbeatDays);
  // ---- alert evaluation: queued in this transaction (never evaluated here, so an ingest never waits for it)
  await enqueueAlertEvaluation(tx, [...dayPatients], known.map((k) => k.device.id));

  // ---- command results (device rows are updated below, under their locks)
  const results = known.filter((k) => k.message.kind === MessageKind.CommandResult);
  await recordCommandResults(
    tx,
    results.map((k) => {
      const r = k.message as CommandResult;
      return { deviceId: k.device.id, commandId: r.commandId, status: r.status, detail: r.detail, at: k.uplink.receivedAt };
    }),
  );
  await recordTimeCorrections(tx, corrections);

  // ---- device rows. Locked in id order and only now, at the end of the transaction: concurrent groups
  // (other ingestors, or this one's other worker) touching the same caps queue briefly here instead of
  // deadlocking, and the long part of the transaction (event inserts) runs in parallel. The lock is FOR NO
  // KEY UPDATE, which does not conflict with the KEY SHARE locks that other groups' event inserts hold on
  // the same rows (FOR UPDATE would, and could deadlock with a group waiting for our day locks).
  const ackState = await lockDevices(tx, known.map((k) => k.device.id));
  for (const update of identityUpdates) await update();
  for (const k of known) {
    if (k.message.kind === MessageKind.Hello) await updateHelloInfo(tx, k.device.id, k.message as Hello);
    else if (k.message.kind === MessageKind.FactoryReport) await recordFactoryReport(tx, k.device.id, k.message as FactoryReport);
  }

  // ---- acks: per device, the highest seq held contiguously from the declared log tail
  const acks: Ack[] = [];
  const perDevice = new Map<string, { device: Device; logTailSeq: number; droppedTotal: number; seenAt: Date }>();
  for (const b of batches) {
    const prev = perDevice.get(b.device.id);
    perDevice.set(b.device.id, {
      device: b.device,
      logTailSeq: Math.max(prev?.logTailSeq ?? 0, b.message.logTailSeq),
      droppedTotal: Math.max(prev?.droppedTotal ?? 0, b.message.droppedTotal),
      seenAt: prev && prev.seenAt > b.uplink.receivedAt ? prev.seenAt : b.uplink.receivedAt,
    });
  }
  const ackInputs = [...perDevice].map(([deviceId, d]) => {
    const state = ackState.get(deviceId) ?? { ackSeq: d.device.ackSeq, logTailSeq: d.device.logTailSeq, configVersion: d.device.configVersion };
    return { deviceId, logTailSeq: d.logTailSeq, previousAck: state.ackSeq, configVersion: state.configVersion };
  });
  const ackSeqs = await contiguousAckSeqs(tx, ackInputs);
  await updateDevicesAckState(
    tx,
    ackInputs.map((a) => {
      const d = perDevice.get(a.deviceId)!;
      return { deviceId: a.deviceId, ackSeq: ackSeqs.get(a.deviceId)!, logTailSeq: d.logTailSeq, droppedTotal: d.droppedTotal, seenAt: d.seenAt };
    }),
  );
  for (const a of ackInputs) {
    const serial = perDevice.get(a.deviceId)!.device.serial;
    acks.push({ kind: MessageKind.Ack, serial, ackSeq: ackSeqs.get(a.deviceId)!, serverUnixS: Math.floor(now.getTime() / 1000), configVersion: a.configVersion });
  }
  const others = known.filter((k) => !perDevice.has(k.device.id));
  if (others.length > 0) {
    const latest = new Map<string, Date>();
    for (const k of others) {
      const prev = latest.get(k.device.id);
      if (!prev || prev < k.uplink.receivedAt) latest.set(k.device.id, k.uplink.receivedAt);
    }
    await touchDevices(tx, [...latest.keys()], new Date(Math.max(...[...latest.values()].map((d) => d.getTime()))));
  }

  // ---- outcomes
  for (const k of known) {
    let status: 'processed' | 'duplicate' = 'processed';
    if (k.message.kind === MessageKind.EventBatch) {
      const count = batchEventCounts.get(k.uplink.uplinkId) ?? 0;
      if (count > 0 && !insertedPerUplink.get(k.uplink.uplinkId)) status = 'duplicate';
    } else if (k.message.kind === MessageKind.Heartbeat && !newHeartbeatUplinks.has(k.uplink.uplinkId)) {
      status = 'duplicate';
    }
    outcomes.push({ id: k.uplink.uplinkId, status, kind: k.message.kind, deviceId: k.device.id });
  }
  await markUplinks(tx, outcomes, now);
  return { acks, outcomes, eventsInserted: inserted.length };
}
