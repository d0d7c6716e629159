import { describe, expect, it } from 'vitest';
import { AtParseError, splitFields } from '../../src/modem/at-command.ts';
import { cpinRead, gsn, qccid, qcfgSet, qgmr } from '../../src/modem/commands/basic.ts';
import { cbc, celevel, ceregRead, cesq, cesqRsrpDbm, cesqRsrqDeciDb, copsRead, parseCeregUrc, qcsq, qnwinfo, sinrRawToDeciDb } from '../../src/modem/commands/network.ts';
import { parsePdpDeact, qiactRead, qicsgp } from '../../src/modem/commands/pdp.ts';
import { qmtcfgSsl, qsslcfg } from '../../src/modem/commands/tls.ts';
import { parseQmtstat, qmtcfg, qmtconn, qmtconnRead, qmtopen, qmtopenRead, qmtpub, qmtsub } from '../../src/modem/commands/mqtt.ts';
import { cpsms, qpsmsRead } from '../../src/modem/commands/psm.ts';
import { decodePsmTimers, encodePsmTimers } from '../../src/modem/commands/psm-timers.ts';
import { cclkRead, parseModemTime, plausibleTime, qltsUtc } from '../../src/modem/commands/time.ts';
import { qpowd } from '../../src/modem/commands/power.ts';

describe('field splitting', () => {
  it('keeps commas inside quotes', () => {
    expect(splitFields(' 0,"a,b",3')).toEqual(['0', 'a,b', '3']);
  });
});

describe('basic family', () => {
  it('parses SIM state, identity and builds QCFG', () => {
    expect(cpinRead.parse(['+CPIN: READY'], undefined)).toBe('READY');
    expect(cpinRead.parse(['+CPIN: SIM PIN'], undefined)).toBe('SIM PIN');
    expect(() => cpinRead.parse([], undefined)).toThrow(AtParseError);
    expect(qgmr.parse(['BG95M3LAR02A03_01.012.01.012'], undefined)).toBe('BG95M3LAR02A03_01.012.01.012');
    expect(gsn.parse(['866123456789012'], undefined)).toBe('866123456789012');
    expect(() => gsn.parse(['86612345'], undefined)).toThrow(AtParseError);
    expect(qccid.parse(['+QCCID: 89882280000012345678F'], undefined)).toBe('89882280000012345678');
    expect(qcfgSet.build({ name: 'nwscanseq', values: '020301,1' })).toBe('AT+QCFG="nwscanseq",020301,1');
  });
});

describe('network family', () => {
  it('tells the CEREG read form from the URC form', () => {
    expect(ceregRead.parse(['+CEREG: 2,1,"2008","2B2078",9'], undefined)).toEqual({ stat: 1, tac: 0x2008, cellId: 0x2b2078, act: 9 });
    expect(ceregRead.parse(['+CEREG: 2,2'], undefined)).toEqual({ stat: 2 });
    expect(parseCeregUrc('+CEREG: 5,"2008","2B2078",8')).toEqual({ stat: 5, tac: 0x2008, cellId: 0x2b2078, act: 8 });
    expect(parseCeregUrc('+CEREG: 0')).toEqual({ stat: 0 });
  });

  it('converts QCSQ SINR raw/5-20 and keeps NOSERVICE apart', () => {
    expect(sinrRawToDeciDb(110)).toBe(20);
    expect(sinrRawToDeciDb(35)).toBe(-130);
    expect(qcsq.parse(['+QCSQ: "NBIoT",-107,-134,35,-20'], undefined)).toEqual({ sysmode: 'NBIoT', rssiDbm: -107, rsrpDbm: -134, sinrDeciDb: -130, rsrqDeciDb: -200 });
    expect(qcsq.parse(['+QCSQ: "NOSERVICE"'], undefined)).toEqual({ sysmode: 'NOSERVICE' });
  });

  it('converts CESQ indices with the lower bucket edge (raw - 141)', () => {
    expect(cesqRsrpDbm(1)).toBe(-140);
    expect(cesqRsrpDbm(97)).toBe(-44);
    expect(cesqRsrpDbm(65)).toBe(-76);
    expect(cesqRsrpDbm(255)).toBeUndefined();
    expect(cesqRsrqDeciDb(0)).toBe(-200);
    expect(cesqRsrqDeciDb(34)).toBe(-30);
    expect(cesq.parse(['+CESQ: 99,99,255,255,20,50'], undefined)).toEqual({ rsrpDbm: -91, rsrqDeciDb: -100 });
    expect(cesq.parse(['+CESQ: 99,99,255,255,255,255'], undefined)).toEqual({});
  });

  it('parses QNWINFO, COPS, celevel and CBC', () => {
    expect(qnwinfo.parse(['+QNWINFO: "eMTC","310410","LTE BAND 13",5230'], undefined)).toEqual({ act: 'eMTC', operator: '310410', band: 13, earfcn: 5230 });
    expect(qnwinfo.parse(['+QNWINFO: No Service'], undefined)).toEqual({});
    expect(copsRead.parse(['+COPS: 0,0,"AT&T",8'], undefined)).toEqual({ mode: 0, name: 'AT&T', act: 8 });
    expect(celevel.parse(['+QCFG: "celevel",1'], undefined)).toBe(1);
    expect(cbc.parse(['+CBC: 0,76,3967'], undefined)).toEqual({ pct: 76, mv: 3967 });
  });
});

describe('PDP family', () => {
  it('builds QICSGP, parses QIACT? and pdpdeact', () => {
    expect(qicsgp.build({ ctx: 1, apn: 'pillcap.iot' })).toBe('AT+QICSGP=1,1,"pillcap.iot","","",0');
    expect(() => qicsgp.build({ ctx: 1, apn: 'a"b' })).toThrow();
    expect(qiactRead.parse(['+QIACT: 1,1,1,"10.0.0.2"'], undefined)).toEqual([{ ctx: 1, state: 1, type: 1, ip: '10.0.0.2' }]);
    expect(qiactRead.parse([], undefined)).toEqual([]);
    expect(parsePdpDeact('+QIURC: "pdpdeact",1')).toBe(1);
    expect(parsePdpDeact('+QIURC: "recv",0')).toBeUndefined();
  });
});

describe('TLS family', () => {
  it('builds every QSSLCFG setting and the MQTT binding', () => {
    const b = (setting: Parameters<typeof qsslcfg.build>[0]['setting']) => qsslcfg.build({ ctx: 2, setting });
    expect(b({ name: 'sslversion', value: 3 })).toBe('AT+QSSLCFG="sslversion",2,3');
    expect(b({ name: 'ciphersuite', value: '0xFFFF' })).toBe('AT+QSSLCFG="ciphersuite",2,0xFFFF');
    expect(b({ name: 'seclevel', value: 2 })).toBe('AT+QSSLCFG="seclevel",2,2');
    expect(b({ name: 'cacert', file: 'cacert.pem' })).toBe('AT+QSSLCFG="cacert",2,"cacert.pem"');
    expect(b({ name: 'clientcert', file: 'cert.pem' })).toBe('AT+QSSLCFG="clientcert",2,"cert.pem"');
    expect(b({ name: 'clientkey', file: 'key.pem' })).toBe('AT+QSSLCFG="clientkey",2,"key.pem"');
    expect(b({ name: 'sni', enable: true })).toBe('AT+QSSLCFG="sni",2,1');
    expect(qmtcfgSsl.build({ client: 0, sslCtx: 2 })).toBe('AT+QMTCFG="ssl",0,1,2');
  });
});

describe('MQTT family', () => {
  it('builds configuration commands', () => {
    expect(qmtcfg.build({ client: 0, setting: { name: 'version', value: 4 } })).toBe('AT+QMTCFG="version",0,4');
    expect(qmtcfg.build({ client: 0, setting: { name: 'recv/mode', mode: 0, lengthInUrc: 1 } })).toBe('AT+QMTCFG="recv/mode",0,0,1');
    expect(qmtcfg.build({ client: 0, setting: { name: 'keepalive', value: 60 } })).toBe('AT+QMTCFG="keepalive",0,60');
    expect(qmtcfg.build({ client: 0, setting: { name: 'timeout', pktTimeoutS: 20, retries: 2, notice: 1 } })).toBe('AT+QMTCFG="timeout",0,20,2,1');
  });

  it('parses the open query and the open URC results', () => {
    expect(qmtopenRead.parse(['+QMTOPEN: 0,"broker.example.com",8883'], undefined)).toEqual([{ client: 0, host: 'broker.example.com', port: 8883 }]);
    expect(qmtopenRead.parse([], undefined)).toEqual([]);
    const a = { client: 0, host: 'h', port: 1 };
    expect(qmtopen.parse(['+QMTOPEN: 0,-1'], a)).toBe(-1);
    expect(qmtopen.parse(['+QMTOPEN: 0,2'], a)).toBe(2);
  });

  it('does not confuse the CONNACK code of the URC with the state of the read form', () => {
    expect(qmtconnRead.parse(['+QMTCONN: 0,3'], { client: 0 })).toBe(3);
    expect(qmtconnRead.parse(['+QMTCONN: 1,3'], { client: 0 })).toBeUndefined();
    expect(qmtconn.parse(['+QMTCONN: 0,0,0'], { client: 0, clientId: 'X' })).toEqual({ result: 0, retCode: 0 });
    expect(qmtconn.parse(['+QMTCONN: 0,0,5'], { client: 0, clientId: 'X' })).toEqual({ result: 0, retCode: 5 });
    expect(qmtconn.parse(['+QMTCONN: 0,2'], { client: 0, clientId: 'X' })).toEqual({ result: 2 });
  });

  it('parses subscribe and publish URCs under both names', () => {
    const s = { client: 0, msgId: 1, topic: 't', qos: 1 as const };
    expect(qmtsub.parse(['+QMTSUB: 0,1,0,1'], s)).toEqual({ result: 0, grantedQos: 1 });
    expect(qmtsub.parse(['+QMTSUB: 0,1,0,128'], s)).toEqual({ result: 0, grantedQos: 128 });
    const p = { client: 0, msgId: 9, qos: 1 as const, retain: 0 as const, topic: 't', payload: new Uint8Array(3) };
    expect(qmtpub.build(p)).toBe('AT+QMTPUBEX=0,9,1,0,"t",3');
    expect(qmtpub.parse(['+QMTPUB: 0,9,0'], p)).toEqual({ result: 0, retransmissions: 0 });
    expect(qmtpub.parse(['+QMTPUBEX: 0,9,1,1', '+QMTPUBEX: 0,9,2'], p)).toEqual({ result: 2, retransmissions: 1 });
    expect(qmtpub.urc!.match!('+QMTPUB: 0,8,0', p)).toBe(false);
    expect(qmtpub.urc!.final!('+QMTPUB: 0,9,1,1', p)).toBe(false);
    expect(parseQmtstat('+QMTSTAT: 0,6')).toEqual({ client: 0, err: 6 });
    expect(() => parseQmtstat('+QMTSTAT: x')).toThrow(AtParseError);
  });
});

describe('PSM family', () => {
  it('matches the worked example and published checks', () => {
    expect(encodePsmTimers({ tauS: 24 * 3600, activeS: 10 })).toEqual({ tau: '00111000', active: '00000101' });
    expect(cpsms.build({ tauS: 24 * 3600, activeS: 10 })).toBe('AT+CPSMS=1,,,"00111000","00000101"');
    expect(cpsms.build(null)).toBe('AT+CPSMS=0');
    expect(decodePsmTimers('10000100', '00001010')).toEqual({ tauS: 120, activeS: 20 });
    expect(decodePsmTimers('00100010', '00000011')).toEqual({ tauS: 7200, activeS: 6 });
    expect(encodePsmTimers({ tauS: 40 * 3600, activeS: undefined })).toEqual({ tau: '01000100', active: '11100000' });
    expect(decodePsmTimers('11100000', '11100000')).toEqual({ tauS: undefined, activeS: undefined });
  });

  it('round-trips every representable value and never shortens a timer', () => {
    for (const s of [2, 30, 60, 61, 600, 3599, 3600, 7200, 86400, 90000, 10 * 86400, 31 * 320 * 3600]) {
      const e = encodePsmTimers({ tauS: s, activeS: Math.min(s, 31 * 360) });
      const d = decodePsmTimers(e.tau, e.active);
      expect(d.tauS!).toBeGreaterThanOrEqual(s);
      const again = encodePsmTimers(d);
      expect(again).toEqual(e);
    }
    expect(() => encodePsmTimers({ tauS: 1e9, activeS: 10 })).toThrow(RangeError);
    expect(() => decodePsmTimers('0011100', '00000101')).toThrow(RangeError);
  });

  it('reads granted timers from QPSMS? in seconds or bit strings', () => {
    expect(qpsmsRead.parse(['+QPSMS: 1,,,"86400","10"'], undefined)).toEqual({ enabled: true, tauS: 86400, activeS: 10 });
    expect(qpsmsRead.parse(['+QPSMS: 1,,,"00111000","00000101"'], undefined)).toEqual({ enabled: true, tauS: 86400, activeS: 10 });
    expect(qpsmsRead.parse(['+QPSMS: 0'], undefined)).toEqual({ enabled: false, tauS: undefined, activeS: undefined });
  });
});

describe('time family', () => {
  const utc = (s: string) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10), +s.slice(11, 13), +s.slice(14, 16), +s.slice(17, 19)) / 1000;

  it('detects 2- and 4-digit years by the position of the first slash', () => {
    expect(parseModemTime('2025/11/24,01:40:34+04,0', false)).toEqual({ unixS: utc('2025-11-24T01:40:34'), tzQuarterHours: 4 });
    expect(parseModemTime('25/11/24,01:40:34+04,0', false)).toEqual({ unixS: utc('2025-11-24T01:40:34'), tzQuarterHours: 4 });
    expect(() => parseModemTime('202/11/24,01:40:34', false)).toThrow(AtParseError);
    expect(parseModemTime('', false)).toBeUndefined();
  });

  it('QLTS=1 and CCLK (as BG95 prints it) are UTC with the zone in quarter hours as a suffix', () => {
    expect(qltsUtc.parse(['+QLTS: "2026/07/18,16:32:18-20,0"'], undefined)).toEqual({ unixS: utc('2026-07-18T16:32:18'), tzQuarterHours: -20 });
    expect(qltsUtc.parse(['+QLTS: ""'], undefined)).toBeUndefined();
    expect(cclkRead.parse(['+CCLK: "24/12/24,10:48:23+04"'], undefined)).toEqual({ unixS: utc('2024-12-24T10:48:23'), tzQuarterHours: 4 });
    expect(cclkRead.parse(['+CCLK: "26/07/18,16:32:18-20"'], undefined)!.unixS).toBe(utc('2026-07-18T16:32:18'));
    // the standard's reading (local time) is still available to callers that know their module does that
    expect(parseModemTime('26/07/18,11:32:18-20', true)!.unixS).toBe(utc('2026-07-18T16:32:18'));
  });

  it('rejects times before the build date', () => {
    const build = utc('2026-01-01T00:00:00');
    expect(plausibleTime(parseModemTime('80/01/06,00:00:00+00', true), build)).toBe(false);
    expect(plausibleTime(parseModemTime('2026/03/01,00:00:00+00,0', false), build)).toBe(true);
    expect(plausibleTime(undefined, build)).toBe(false);
  });
});

describe('power family', () => {
  it('QPOWD waits for POWERED DOWN', () => {
    expect(qpowd.build()).toBe('AT+QPOWD=1');
    expect(qpowd.urc!.prefixes).toEqual(['POWERED DOWN']);
  });
});
