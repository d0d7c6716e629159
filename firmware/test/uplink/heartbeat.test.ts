import { describe, expect, it } from 'vitest';
import { TimeSource, LteMode } from '../../../protocol/src/messages.ts';
import { encodeUplink, decodeUplinkDevice } from '../../../protocol/src/device-codec.ts';
import { HeartbeatBuilder, lteModeOf, newUplinkCounters, type HeartbeatSources } from '../../src/uplink/heartbeat.ts';
import { newSupervisorCounters, type ModemSnapshot } from '../../src/modem/connection-supervisor.ts';
import type { LogStats } from '../../src/log/event-log.ts';
import type { DiagnosticCounters } from '../../src/context.ts';

function sources() {
  const state = { uptimeS: 5000, taken: 0 };
  const diag: DiagnosticCounters = { lidOpenCount: 3, lidBounceCount: 0, buttonPresses: 1, watchdogNearMiss: 0, unexpectedReboots: 0, bootCount: 4, lastResetReason: 7, remindersDue: 0, dosesMissed: 0 };
  const stats: LogStats = {
    count: 2,
    oldestSeq: 10,
    newestSeq: 11,
    oldest: { seq: 10, boot: 4, uptimeS: 1000, kind: 1, args: [5] },
    ackSeq: 9,
    nextSeq: 12,
    bytesUsed: 4096,
    capacityBytes: 1 << 20,
    droppedTotal: 0,
    blocksInUse: 1,
    blockCount: 64,
  };
  const s: HeartbeatSources = {
    serial: () => 'PC-0001',
    anchor: () => ({ boot: 4, uptimeS: state.uptimeS, unixS: null, source: TimeSource.None }),
    uptimeS: () => state.uptimeS,
    unixS: () => undefined,
    timeSource: () => TimeSource.Nitz,
    lastCorrectionS: () => -3,
    logStats: () => stats,
    diagnostics: () => diag,
    takeCounters: () => {
      state.taken++;
      diag.lidOpenCount = 0;
      diag.buttonPresses = 0;
    },
    batteryMv: () => 3900,
    temperatureDeciC: () => 215,
    appFirmware: '1.2.3+abc',
    supervisor: newSupervisorCounters(),
    identity: { modemFirmware: 'BG95M3LAR02A03_01.012.01.012', imei: '866123456789012', iccid: '89882280000012345678' },
    uplink: newUplinkCounters(),
  };
  return { s, state, diag };
}

const SNAP: ModemSnapshot = {
  signal: { sysmode: 'eMTC', rssiDbm: -70, rsrpDbm: -95, sinrDeciDb: 20, rsrqDeciDb: -110 },
  network: { act: 'eMTC', operator: '310410', band: 13, earfcn: 5230 },
  registration: { stat: 1, tac: 0x2008, cellId: 0x2b2078, act: 9 },
  ceLevel: 1,
  battery: { pct: 80, mv: 3950 },
  psm: { enabled: true, tauS: 86400, activeS: 10 },
};

describe('HeartbeatBuilder', () => {
  it('maps modem, log, core and time sources to HeartbeatKey metrics and encodes', () => {
    const { s } = sources();
    s.supervisor.publishOk = 4;
    s.supervisor.mqttStat[1] = 2;
    s.supervisor.timeToConnectMs = 8200;
    s.uplink.bytesTx = 300;
    const hb = new HeartbeatBuilder(s).build(SNAP);
    expect(hb.metrics).toMatchObject({
      intervalS: 5000,
      batteryMv: 3900,
      batteryPct: 80,
      temperatureDeciC: 215,
      rsrpDbm: -95,
      rsrqDeciDb: -110,
      sinrDeciDb: 20,
      rssiDbm: -70,
      ceLevel: 1,
      band: 13,
      earfcn: 5230,
      operator: '310410',
      lteMode: LteMode.LteM,
      cellId: 0x2b2078,
      tac: 0x2008,
      psmTauS: 86400,
      psmActiveS: 10,
      timeToConnectMs: 8200,
      publishOk: 4,
      mqttStat: { 1: 2 },
      bytesTx: 300,
      queueDepth: 2,
      queueOldestAgeS: 4000,
      eventsDroppedTotal: 0,
      flashBytesUsed: 4096,
      bootCount: 4,
      lastResetReason: 7,
      uptimeS: 5000,
      lidOpenCount: 3,
      buttonPresses: 1,
      timeSource: TimeSource.Nitz,
      clockCorrectionMs: -3000,
      appFirmware: '1.2.3+abc',
      modemFirmware: 'BG95M3LAR02A03_01.012.01.012',
      imei: '866123456789012',
      iccid: '89882280000012345678',
    });
    // unset or zero counters are omitted, never sent as 0
    expect(hb.metrics).not.toHaveProperty('publishFail');
    expect(hb.metrics).not.toHaveProperty('unexpectedReboots');
    expect(hb.metrics).not.toHaveProperty('heapFreeMinBytes');
    expect(decodeUplinkDevice(encodeUplink(hb))).toMatchObject({ kind: 2, serial: 'PC-0001' });
  });

  it('omits what the modem did not report and values outside the protocol range', () => {
    const { s } = sources();
    const hb = new HeartbeatBuilder(s).build({ signal: { sysmode: 'NOSERVICE' }, network: { act: 'eMTC', operator: 'AT&T' }, psm: { enabled: false, tauS: undefined, activeS: undefined }, registration: { stat: 1, cellId: 0x7fffffff } });
    expect(hb.metrics.lteMode).toBe(LteMode.None);
    expect(hb.metrics).not.toHaveProperty('rsrpDbm');
    expect(hb.metrics).not.toHaveProperty('operator');
    expect(hb.metrics).not.toHaveProperty('psmTauS');
    expect(hb.metrics).not.toHaveProperty('cellId');
  });

  it('resets counters and static strings only after commit', () => {
    const { s, state } = sources();
    const b = new HeartbeatBuilder(s);
    s.supervisor.publishOk = 4;
    s.supervisor.mqttStat[7] = 1;
    b.build(SNAP); // not delivered: nothing is reset
    const again = b.build(SNAP);
    expect(again.metrics.publishOk).toBe(4);
    expect(again.metrics.imei).toBe('866123456789012');
    b.commit();
    expect(state.taken).toBe(1);
    s.supervisor.publishOk = 6;
    state.uptimeS = 9000;
    const next = b.build(SNAP);
    expect(next.metrics.publishOk).toBe(2);
    expect(next.metrics).not.toHaveProperty('mqttStat');
    expect(next.metrics).not.toHaveProperty('imei');
    expect(next.metrics).not.toHaveProperty('appFirmware');
    expect(next.metrics).not.toHaveProperty('lidOpenCount');
    expect(next.metrics.intervalS).toBe(4000);
    s.identity.modemFirmware = 'BG95M3LAR02A03_01.013';
    expect(b.build(SNAP).metrics.modemFirmware).toBe('BG95M3LAR02A03_01.013');
  });

  it('names LTE modes from QCSQ / QNWINFO access technology strings', () => {
    expect(lteModeOf('eMTC')).toBe(LteMode.LteM);
    expect(lteModeOf('NBIoT')).toBe(LteMode.NbIot);
    expect(lteModeOf('NOSERVICE')).toBe(LteMode.None);
    expect(lteModeOf('GSM')).toBeUndefined();
  });
});
