/**
 * Realistic sample messages: the source of the golden vectors (protocol/vectors), the compactness checks and
 * the benchmark. Deterministic (seeded PRNG), so regenerating the vectors gives the same bytes.
 */
import {
  CommandCode,
  CommandStatus,
  EventKind,
  MessageKind,
  SymptomPattern,
  TimeSource,
  type Ack,
  type Command,
  type CommandResult,
  type Config,
  type DeviceEvent,
  type EventBatch,
  type FactoryReport,
  type Heartbeat,
  type Hello,
} from './messages.ts';

export const SAMPLE_SERIAL = 'PC1-000123';
const DAY0_UNIX = 1_790_000_000; // 2026-09-21T14:13:20Z: a wall-clock reference for the samples

/** mulberry32: small seeded PRNG so samples are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DayOptions {
  seed?: number;
  firstSeq?: number;
  boot?: number;
  /** Uptime at local midnight of the day. */
  dayStartUptimeS?: number;
  symptoms?: number;
}

/**
 * One patient day: 8 lid openings spread from 07:00 to 22:00 (a dose schedule with +-20 min jitter), each
 * open 5..40 s, plus `symptoms` button reports at random times. Events sorted as the firmware records them.
 */
export function realisticDay(opts: DayOptions = {}): DeviceEvent[] {
  const rnd = prng(opts.seed ?? 1);
  const boot = opts.boot ?? 3;
  const base = opts.dayStartUptimeS ?? 1_234_567;
  const times: { t: number; kind: EventKind; args: number[] }[] = [];
  const schedule = [7, 9, 11, 13, 15.5, 18, 20, 22];
  for (const hour of schedule) {
    const t = base + Math.round(hour * 3600 + (rnd() - 0.5) * 2400);
    times.push({ t, kind: EventKind.LidOpened, args: [5 + Math.floor(rnd() * 36)] });
  }
  for (let i = 0; i < (opts.symptoms ?? 0); i++) {
    const t = base + Math.round(8 * 3600 + rnd() * 13 * 3600);
    times.push({ t, kind: EventKind.Symptom, args: [SymptomPattern.Double] });
  }
  times.sort((a, b) => a.t - b.t);
  let seq = opts.firstSeq ?? 2_001;
  return times.map((e) => ({ seq: seq++, boot, uptimeS: e.t, kind: e.kind, args: e.args }));
}

export const anchorAt = (boot: number, uptimeS: number, unixS: number | null, source: TimeSource = TimeSource.Nitz) => ({
  boot,
  uptimeS,
  unixS,
  source: unixS === null ? TimeSource.None : source,
});

export function dailyBatch(opts: DayOptions = {}): EventBatch {
  const events = realisticDay(opts);
  const last = events[events.length - 1]!;
  const sendUptime = last.uptimeS + 95;
  return {
    kind: MessageKind.EventBatch,
    serial: SAMPLE_SERIAL,
    logTailSeq: events[0]!.seq,
    droppedTotal: 0,
    anchors: [anchorAt(last.boot, sendUptime, DAY0_UNIX + sendUptime - 1_234_567)],
    events,
  };
}

/**
 * The metric set a daily heartbeat carries in the field (diagnostics.md): what support reads first. Uptime
 * rides in the anchor; operator and version strings are sent only when they change (like the firmware
 * strings), so a normal day carries none of them.
 */
export function dailyHeartbeat(): Heartbeat {
  return {
    kind: MessageKind.Heartbeat,
    serial: SAMPLE_SERIAL,
    anchor: anchorAt(3, 1_320_000, DAY0_UNIX + 85_433),
    metrics: {
      intervalS: 86_400,
      batteryMv: 3_912,
      batteryPct: 78,
      temperatureDeciC: 231,
      rsrpDbm: -97,
      rsrqDeciDb: -105,
      sinrDeciDb: 62,
      ceLevel: 0,
      band: 13,
      cellId: 0x1a2b3c4,
      timeToConnectMs: 6_350,
      connectionLosses: 0,
      publishOk: 9,
      publishFail: 0,
      bytesTx: 1_184,
      queueDepth: 0,
      timeSource: TimeSource.Nitz,
    },
  };
}

export function fullHeartbeat(): Heartbeat {
  const hb = dailyHeartbeat();
  return {
    ...hb,
    metrics: {
      ...hb.metrics,
      operator: '311480',
      radioOnMs: 41_200,
      uptimeS: 1_320_000,
      lidOpenCount: 8,
      rssiDbm: -69,
      tac: 0x2f01,
      earfcn: 5_230,
      lteMode: 1,
      psmTauS: 36_000,
      psmActiveS: 60,
      attachFailures: 0,
      publishRetrans: 2,
      ackTimeouts: 0,
      bytesRx: 212,
      mqttStat: { 1: 2, 3: 1 },
      mqttOpenFailures: 0,
      mqttConnFailures: 1,
      uploadAttempts: 10,
      queueOldestAgeS: 0,
      eventsDroppedTotal: 0,
      flashBytesUsed: 12_288,
      bootCount: 3,
      lastResetReason: 0x0007,
      unexpectedReboots: 0,
      clockCorrectionMs: -1_250,
      lidBounceCount: 3,
      buttonPresses: 1,
      heapFreeMinBytes: 18_432,
      watchdogNearMiss: 0,
      appFirmware: '1.4.2+build.88',
      modemFirmware: 'BG95M3LAR02A03_01.200.01.200',
      imei: '867730050123456',
      iccid: '8901260882310000123',
    },
  };
}

export const sampleImageHash = (): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);

export function sampleHello(): Hello {
  return {
    kind: MessageKind.Hello,
    serial: SAMPLE_SERIAL,
    anchor: anchorAt(4, 42, DAY0_UNIX + 100_000),
    appFirmware: '1.4.2+build.88',
    imageHash: sampleImageHash(),
    modemFirmware: 'BG95M3LAR02A03_01.200.01.200',
    imei: '867730050123456',
    iccid: '8901260882310000123',
    hwRevision: 'B2',
    bootCount: 4,
    resetReason: 0x8006,
    configVersion: 7,
  };
}

export function sampleCommandResult(): CommandResult {
  return {
    kind: MessageKind.CommandResult,
    serial: SAMPLE_SERIAL,
    commandId: 1_042,
    status: CommandStatus.Ok,
    anchor: anchorAt(4, 3_600, DAY0_UNIX + 103_558),
    detail: 'heartbeat queued',
  };
}

export function sampleFactoryReport(): FactoryReport {
  return {
    kind: MessageKind.FactoryReport,
    serial: SAMPLE_SERIAL,
    passed: true,
    steps: [
      { name: 'lid', ok: true, value: null, message: 'open and close seen' },
      { name: 'button', ok: true, value: null, message: '' },
      { name: 'battery', ok: true, value: 4.05, message: 'V' },
      { name: 'rsrp', ok: true, value: -88, message: 'dBm' },
    ],
    anchor: anchorAt(1, 310, DAY0_UNIX - 86_400 * 30, TimeSource.Factory),
    appFirmware: '1.4.2+build.88',
    imageHash: sampleImageHash(),
    stationId: 'EOL-STATION-02',
  };
}

export function sampleAck(): Ack {
  return { kind: MessageKind.Ack, serial: SAMPLE_SERIAL, ackSeq: 2_009, serverUnixS: DAY0_UNIX + 85_440, configVersion: 7 };
}

export function sampleConfig(): Config {
  return {
    kind: MessageKind.Config,
    serial: SAMPLE_SERIAL,
    configVersion: 8,
    reminderMinutes: [480, 1200],
    utcOffsetMin: -300,
    nextOffsetChangeUnixS: 1_793_512_800,
    nextOffsetMin: -360,
    reminderGraceMin: 15,
    reminderWindowMin: 120,
    quietStartMin: 1320,
    quietEndMin: 420,
    heartbeatIntervalS: 86_400,
    uploadCoalesceS: 300,
    lidDebounceMs: 30,
    lidLeftOpenS: 600,
  };
}

export function sampleCommand(): Command {
  return { kind: MessageKind.Command, serial: SAMPLE_SERIAL, commandId: 1_042, code: CommandCode.HeartbeatNow };
}
