import { describe, expect, it } from 'vitest';
import { AtEngine } from '../../src/modem/at-engine.ts';
import { ConnectionSupervisor, type SupervisorEvent, type SupervisorOptions } from '../../src/modem/connection-supervisor.ts';
import { FakeClock, FakeTimers, ScriptedModem } from './fakes.ts';

const OPTS: SupervisorOptions = {
  serial: 'PC-0001',
  host: 'mqtt.test',
  port: 8883,
  apn: 'pillcap.iot',
  psm: { tauS: 86400, activeS: 10 },
  buildUnixS: Date.UTC(2026, 0, 1) / 1000,
};
const DOWN = 'pillcap/v1/PC-0001/down';

function setup(modemOn = false) {
  const timers = new FakeTimers();
  const clock = new FakeClock(timers);
  const modem = new ScriptedModem(timers);
  modem.status = modemOn ? 1 : 0;
  modem.bootOnPulse = { rdyAfterMs: 3000 };
  const logs: string[] = [];
  const engine = new AtEngine(modem.serial, timers, (l) => logs.push(l));
  const events: SupervisorEvent[] = [];
  const sup = new ConnectionSupervisor(engine, { timers, clock, modemPower: modem.power }, OPTS, (e) => events.push(e), (l) => logs.push(l));
  const connect = (ms = 400000): (string | undefined)[] => {
    const out: (string | undefined)[] = [];
    sup.connect((e) => out.push(e));
    timers.advance(ms);
    return out;
  };
  return { timers, clock, modem, engine, sup, events, logs, connect };
}

function init(m: ScriptedModem, firstBoot = true): void {
  m.ok('ATE0', 'AT+CMEE=1');
  m.on('AT+CPIN?', '+CPIN: READY', 'OK');
  if (firstBoot) {
    m.on('AT+QGMR', 'BG95M3LAR02A03_01.012.01.012', 'OK');
    m.on('AT+GSN', '866123456789012', 'OK');
    m.on('AT+QCCID', '+QCCID: 89882280000012345678', 'OK');
    m.ok('AT+QCFG="nwscanseq",020301,1', 'AT+QCFG="iotopmode",0,1', 'AT+QCFG="psm/enter",1', 'AT+CPSMS=1,,,"00111000","00000101"');
  }
  m.ok('AT+QICSGP=1,1,"pillcap.iot","","",0', 'AT+CEREG=2', 'AT+CFUN=1');
}

function register(m: ScriptedModem, withTime = true): void {
  m.on('AT+CEREG?', '+CEREG: 2,2', 'OK');
  m.on('AT+CEREG?', '+CEREG: 2,1,"2008","2B2078",9', 'OK');
  if (withTime) m.on('AT+QLTS=1', '+QLTS: "2026/11/24,01:40:34+00,0"', 'OK');
}

function pdp(m: ScriptedModem): void {
  m.on('AT+QIACT?', 'OK');
  m.ok('AT+QIACT=1');
}

function config(m: ScriptedModem): void {
  m.ok(
    'AT+QSSLCFG="sslversion",2,3',
    'AT+QSSLCFG="ciphersuite",2,0xFFFF',
    'AT+QSSLCFG="seclevel",2,2',
    'AT+QSSLCFG="cacert",2,"cacert.pem"',
    'AT+QSSLCFG="clientcert",2,"cert.pem"',
    'AT+QSSLCFG="clientkey",2,"key.pem"',
    'AT+QSSLCFG="sni",2,1',
    'AT+QMTCFG="ssl",0,1,2',
    'AT+QMTCFG="version",0,4',
    'AT+QMTCFG="pdpcid",0,1',
    'AT+QMTCFG="keepalive",0,60',
    'AT+QMTCFG="session",0,1',
    'AT+QMTCFG="timeout",0,20,2,1',
    'AT+QMTCFG="recv/mode",0,0,1',
  );
}

function open(m: ScriptedModem, subId: number): void {
  m.on('AT+QMTOPEN?', 'OK');
  m.on('AT+QMTOPEN=0,"mqtt.test",8883', 'OK', { delayMs: 2000 }, '+QMTOPEN: 0,0');
  m.on('AT+QMTCONN?', 'OK');
  m.on('AT+QMTCONN=0,"PC-0001"', 'OK', { delayMs: 500 }, '+QMTCONN: 0,0,0');
  m.on(`AT+QMTSUB=0,${subId},"${DOWN}",1`, 'OK', '+QMTSUB: 0,' + subId + ',0,1');
}

function fullBringUp(m: ScriptedModem): void {
  m.ok('AT');
  init(m);
  register(m);
  pdp(m);
  config(m);
  open(m, 1);
}

function clean(t: ReturnType<typeof setup>): void {
  expect(t.modem.unexpected).toEqual([]);
  expect(t.modem.remaining).toEqual([]);
}

describe('ConnectionSupervisor bring-up', () => {
  it('powers the modem on with PWRKEY and walks every state to mqtt_connected', () => {
    const t = setup();
    fullBringUp(t.modem);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
    expect(t.sup.state).toBe('mqtt_connected');
    expect(t.modem.pulses).toEqual([500]);
    expect(t.sup.identity).toEqual({ modemFirmware: 'BG95M3LAR02A03_01.012.01.012', imei: '866123456789012', iccid: '89882280000012345678' });
    expect(t.events).toContainEqual({ type: 'time', unixS: Date.UTC(2026, 10, 24, 1, 40, 34) / 1000, source: 'nitz' });
    expect(t.sup.counters.timeToConnectMs).toBeGreaterThan(0);
  });

  it('after an MCU reset reuses the open socket and the connected client (query before open)', () => {
    const t = setup(true);
    const m = t.modem;
    m.ok('AT');
    init(m);
    register(m);
    m.on('AT+QIACT?', '+QIACT: 1,1,1,"10.0.0.2"', 'OK');
    config(m);
    m.on('AT+QMTOPEN?', '+QMTOPEN: 0,"mqtt.test",8883', 'OK');
    m.on('AT+QMTCONN?', '+QMTCONN: 0,3', 'OK');
    m.on(`AT+QMTSUB=0,1,"${DOWN}",1`, 'OK', '+QMTSUB: 0,1,0,1');
    expect(t.connect()).toEqual([undefined]);
    clean(t);
    expect(m.pulses).toEqual([]);
    expect(m.sent).not.toContain('AT+QMTOPEN=0,"mqtt.test",8883');
  });

  it('closes a stale client that answers "identifier occupied" and opens again', () => {
    const t = setup(true);
    const m = t.modem;
    m.ok('AT');
    init(m);
    register(m);
    pdp(m);
    config(m);
    m.on('AT+QMTOPEN?', 'OK');
    m.on('AT+QMTOPEN=0,"mqtt.test",8883', 'OK', '+QMTOPEN: 0,2');
    m.on('AT+QMTCLOSE=0', 'OK', '+QMTCLOSE: 0,0');
    open(m, 1);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
    expect(t.sup.counters.mqttOpenFailures).toBe(1);
  });

  it('closes a socket open to another broker before opening', () => {
    const t = setup(true);
    const m = t.modem;
    m.ok('AT');
    init(m);
    register(m);
    pdp(m);
    config(m);
    m.on('AT+QMTOPEN?', '+QMTOPEN: 0,"old.broker",1883', 'OK');
    m.on('AT+QMTCLOSE=0', 'OK', '+QMTCLOSE: 0,0');
    m.on('AT+QMTOPEN=0,"mqtt.test",8883', 'OK', '+QMTOPEN: 0,0');
    m.on('AT+QMTCONN?', 'OK');
    m.on('AT+QMTCONN=0,"PC-0001"', 'OK', '+QMTCONN: 0,0,0');
    m.on(`AT+QMTSUB=0,1,"${DOWN}",1`, 'OK', '+QMTSUB: 0,1,0,1');
    expect(t.connect()).toEqual([undefined]);
    clean(t);
  });

  it('fails on a +CME ERROR from the SIM and on registration denied', () => {
    const t = setup(true);
    t.modem.ok('AT', 'ATE0', 'AT+CMEE=1').on('AT+CPIN?', '+CME ERROR: 10');
    expect(t.connect()).toEqual(['sim_cme_10']);
    clean(t);
    expect(t.sup.state).toBe('failed');

    const d = setup(true);
    d.modem.ok('AT');
    init(d.modem);
    d.modem.on('AT+CEREG?', '+CEREG: 2,3', 'OK');
    expect(d.connect()).toEqual(['registration_denied']);
    clean(d);
    expect(d.sup.counters.attachFailures).toBe(1);
  });

  it('retries a busy SIM (+CME ERROR: 14) after a pause', () => {
    const t = setup(true);
    t.modem.ok('AT', 'ATE0', 'AT+CMEE=1').on('AT+CPIN?', '+CME ERROR: 14');
    t.modem.on('AT+CPIN?', '+CPIN: SIM PIN', 'OK');
    expect(t.connect()).toEqual(['sim_SIM PIN']);
    clean(t);
  });

  it('gives up registering after the registration timeout', () => {
    const t = setup(true);
    t.modem.ok('AT');
    init(t.modem);
    for (let i = 0; i < 90; i++) t.modem.on('AT+CEREG?', '+CEREG: 2,2', 'OK');
    const out = t.connect(200000);
    expect(out).toEqual(['registration_timeout']);
    expect(t.modem.unexpected).toEqual([]);
  });
});

function connected() {
  const t = setup();
  fullBringUp(t.modem);
  expect(t.connect()).toEqual([undefined]);
  clean(t);
  return t;
}

describe('ConnectionSupervisor recovery', () => {
  const reopen = (m: ScriptedModem, sub: number) => open(m, sub);
  const cases: [number, string, (m: ScriptedModem) => void, boolean][] = [
    [1, 'reopen', (m) => reopen(m, 2), false],
    [3, 'reopen', (m) => reopen(m, 2), false],
    [4, 'reopen', (m) => reopen(m, 2), false],
    [5, 'reopen', (m) => reopen(m, 2), false],
    [8, 'reopen', (m) => reopen(m, 2), false],
    [7, 'reopen later', (m) => reopen(m, 2), true],
    [42, 'unknown: reopen with backoff', (m) => reopen(m, 2), true],
    [2, 'PDP cycle', (m) => (m.ok('AT+QIDEACT=1', 'AT+QIACT=1'), reopen(m, 2)), false],
    [6, 're-attach', (m) => (m.ok('AT+CFUN=0', 'AT+CFUN=1'), register(m, false), pdp(m), reopen(m, 2)), false],
  ];
  for (const [code, what, script, backoff] of cases) {
    it(`+QMTSTAT: 0,${code} -> ${what}`, () => {
      const t = connected();
      t.modem.urc(`+QMTSTAT: 0,${code}`);
      t.timers.advance(100);
      expect(t.events).toContainEqual({ type: 'link_lost', cause: `qmtstat_${code}` });
      expect(t.sup.state).not.toBe('mqtt_connected');
      expect(t.sup.backoffHint).toBe(backoff);
      expect(t.sup.counters.mqttStat[code]).toBe(1);
      script(t.modem);
      expect(t.connect()).toEqual([undefined]);
      clean(t);
      expect(t.sup.state).toBe('mqtt_connected');
    });
  }

  it('+QIURC: "pdpdeact" -> check registration, reactivate PDP, open', () => {
    const t = connected();
    t.modem.urc('+QIURC: "pdpdeact",1');
    t.timers.advance(100);
    expect(t.events).toContainEqual({ type: 'link_lost', cause: 'pdpdeact' });
    t.modem.on('AT+CEREG?', '+CEREG: 2,1,"2008","2B2078",9', 'OK');
    pdp(t.modem);
    open(t.modem, 2);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
  });

  it('a failed publish closes and reopens the session', () => {
    const t = connected();
    const m = t.modem;
    m.on('AT+QMTPUBEX=0,2,1,0,"pillcap/v1/PC-0001/up",3', '> ').payload(3, 'OK', '+QMTPUB: 0,2,2');
    const out: unknown[] = [];
    t.sup.publish('pillcap/v1/PC-0001/up', new Uint8Array([1, 2, 3]), (r) => out.push(r));
    t.timers.advance(1000);
    expect(out).toEqual([{ ok: false, retransmissions: 0, reason: 'publish_result_2' }]);
    expect(t.sup.counters.publishFail).toBe(1);
    m.on('AT+QMTCLOSE=0', 'OK', '+QMTCLOSE: 0,0');
    open(m, 3);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
  });

  it('a link loss while a publish waits for its URC fails the publish at once', () => {
    const t = connected();
    t.modem.on('AT+QMTPUBEX=0,2,1,0,"pillcap/v1/PC-0001/up",1', '> ').payload(1, 'OK');
    const out: { ok: boolean }[] = [];
    t.sup.publish('pillcap/v1/PC-0001/up', new Uint8Array([9]), (r) => out.push(r));
    t.timers.advance(1000);
    t.modem.urc('+QMTSTAT: 0,1');
    t.timers.advance(100);
    expect(out.map((o) => o.ok)).toEqual([false]);
    expect(t.events).toContainEqual({ type: 'link_lost', cause: 'qmtstat_1' });
  });

  it('power-cycles a silent modem through PWRKEY and the supply switch, then brings it up', () => {
    const t = setup(true);
    const m = t.modem;
    m.ignoreOffPulse = true; // hung hard: PWRKEY does not turn it off
    m.on('AT').on('AT').on('AT');
    fullBringUp(m);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
    expect(m.pulses).toEqual([650, 500]);
    expect(m.supply).toEqual([false, true]);
    expect(t.sup.counters.powerCycles).toBe(1);
  });

  it('escalates: the third failed attempt in a row starts with a re-attach', () => {
    const t = connected();
    const m = t.modem;
    t.modem.urc('+QMTSTAT: 0,1');
    t.timers.advance(100);
    for (let i = 0; i < 2; i++) {
      m.on('AT+QMTOPEN?', 'OK');
      m.on('AT+QMTOPEN=0,"mqtt.test",8883', 'OK', '+QMTOPEN: 0,-1');
      expect(t.connect()).toEqual(['open_-1']);
    }
    m.ok('AT+CFUN=0', 'AT+CFUN=1');
    register(m, false);
    pdp(m);
    open(m, 2);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
    expect(t.sup.counters.reattaches).toBe(1);
  });
});

describe('ConnectionSupervisor sleep', () => {
  it('disconnects, waits for PSM, and wakes with PWRKEY for the next session', () => {
    const t = connected();
    const m = t.modem;
    m.on('AT+QMTDISC=0', 'OK', '+QMTDISC: 0,0', '+QMTSTAT: 0,5', { delayMs: 10000 }, 'PSM POWER DOWN');
    let slept = false;
    t.sup.sleep(() => (slept = true));
    t.timers.advance(20000);
    expect(slept).toBe(true);
    expect(t.sup.state).toBe('psm');
    expect(t.events.filter((e) => e.type === 'link_lost')).toEqual([]);
    expect(t.sup.counters.radioOnMs).toBeGreaterThan(0);
    m.ok('AT');
    init(m, false);
    register(m, false);
    pdp(m);
    config(m);
    open(m, 2);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
    expect(m.pulses).toEqual([500, 500]);
  });

  it('powers the modem down when PSM does not come', () => {
    const t = connected();
    t.modem.on('AT+QMTDISC=0', 'OK', '+QMTDISC: 0,0');
    t.modem.on('AT+QPOWD=1', 'OK', 'POWERED DOWN');
    let slept = false;
    t.sup.sleep(() => (slept = true));
    t.timers.advance(40000);
    expect(slept).toBe(true);
    expect(t.sup.state).toBe('off');
    clean(t);
  });

  it('delivers downlinks to the listener', () => {
    const t = connected();
    t.modem.urc(Uint8Array.from(`\r\n+QMTRECV: 0,4,"${DOWN}",2,"\r\n"\r\n`, (c) => c.charCodeAt(0)));
    t.timers.advance(10);
    const d = t.events.filter((e) => e.type === 'downlink');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ topic: DOWN });
    expect(Array.from((d[0] as { payload: Uint8Array }).payload)).toEqual([13, 10]);
  });
});

describe('ConnectionSupervisor PSM refused', () => {
  it('powers down at once when QPSMS? said PSM was not granted', () => {
    const t = connected();
    const m = t.modem;
    m.on('AT+QCSQ', '+QCSQ: "eMTC",-70,-95,110,-11', 'OK');
    m.on('AT+QNWINFO', '+QNWINFO: "eMTC","310410","LTE BAND 13",5230', 'OK');
    m.on('AT+CEREG?', '+CEREG: 2,1,"2008","2B2078",9', 'OK');
    m.on('AT+QCFG="celevel"', '+QCFG: "celevel",0', 'OK');
    m.on('AT+CBC', '+CBC: 0,80,3950', 'OK');
    m.on('AT+QPSMS?', '+QPSMS: 0', 'OK');
    let snap: unknown;
    t.sup.sample((s) => (snap = s));
    t.timers.advance(1000);
    expect(snap).toMatchObject({ signal: { rsrpDbm: -95 }, network: { band: 13 }, registration: { cellId: 0x2b2078 }, ceLevel: 0, battery: { mv: 3950 }, psm: { enabled: false } });
    m.on('AT+QMTDISC=0', 'OK', '+QMTDISC: 0,0');
    m.on('AT+QPOWD=1', 'OK', 'POWERED DOWN');
    let slept = false;
    t.sup.sleep(() => (slept = true));
    t.timers.advance(2000); // well under the 30 s PSM wait
    expect(slept).toBe(true);
    expect(t.sup.state).toBe('off');
    clean(t);
  });
});

describe('ConnectionSupervisor unexpected modem events', () => {
  it('an unexpected RDY (modem rebooted by itself) drops the session and re-initialises', () => {
    const t = connected();
    t.modem.urc('RDY');
    t.timers.advance(10);
    expect(t.events).toContainEqual({ type: 'link_lost', cause: 'modem_reboot' });
    init(t.modem, false);
    register(t.modem, false);
    pdp(t.modem);
    config(t.modem);
    open(t.modem, 2);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
  });

  it('PSM entered under an open session is a link loss; the next connect wakes the modem', () => {
    const t = connected();
    t.modem.urc('PSM POWER DOWN');
    t.timers.advance(10);
    expect(t.events).toContainEqual({ type: 'link_lost', cause: 'psm' });
    expect(t.sup.state).toBe('psm');
    t.modem.ok('AT');
    init(t.modem, false);
    register(t.modem, false);
    pdp(t.modem);
    config(t.modem);
    open(t.modem, 2);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
    expect(t.modem.pulses).toEqual([500, 500]);
  });

  it('counts a registration loss reported by +CEREG', () => {
    const t = connected();
    t.modem.urc('+CEREG: 2', '+CEREG: 1,"2008","2B2078",9', '+CEREG: 4');
    t.timers.advance(10);
    expect(t.sup.counters.connectionLosses).toBe(2);
  });
});

describe('ConnectionSupervisor open/connect results', () => {
  function upToOpen(t: ReturnType<typeof setup>) {
    t.modem.ok('AT');
    init(t.modem);
    register(t.modem);
    pdp(t.modem);
    config(t.modem);
  }

  it('+QMTOPEN: 0,3 (PDP failed) cycles the PDP context and opens again in the same attempt', () => {
    const t = setup(true);
    upToOpen(t);
    t.modem.on('AT+QMTOPEN?', 'OK');
    t.modem.on('AT+QMTOPEN=0,"mqtt.test",8883', 'OK', '+QMTOPEN: 0,3');
    t.modem.ok('AT+QIDEACT=1', 'AT+QIACT=1');
    open(t.modem, 1);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
  });

  it('a refused CONNACK (5, not authorized) fails the attempt and is counted; retransmission URCs are waited out', () => {
    const t = setup(true);
    upToOpen(t);
    t.modem.on('AT+QMTOPEN?', 'OK');
    t.modem.on('AT+QMTOPEN=0,"mqtt.test",8883', 'OK', '+QMTOPEN: 0,0');
    t.modem.on('AT+QMTCONN?', '+QMTCONN: 0,1', 'OK');
    t.modem.on('AT+QMTCONN=0,"PC-0001"', 'OK', '+QMTCONN: 0,1', '+QMTCONN: 0,0,5');
    expect(t.connect()).toEqual(['conn_0_5']);
    clean(t);
    expect(t.sup.counters.mqttConnFailures).toBe(1);
  });

  it('a SUBACK failure (128) fails the attempt', () => {
    const t = setup(true);
    upToOpen(t);
    t.modem.on('AT+QMTOPEN?', 'OK');
    t.modem.on('AT+QMTOPEN=0,"mqtt.test",8883', 'OK', '+QMTOPEN: 0,0');
    t.modem.on('AT+QMTCONN?', 'OK');
    t.modem.on('AT+QMTCONN=0,"PC-0001"', 'OK', '+QMTCONN: 0,0,0');
    t.modem.on(`AT+QMTSUB=0,1,"${DOWN}",1`, 'OK', '+QMTSUB: 0,1,0,128');
    expect(t.connect()).toEqual(['sub_refused']);
    clean(t);
  });

  it('falls back to CCLK when the network sends no NITZ and rejects a clock before the build date', () => {
    const t = setup(true);
    t.modem.ok('AT');
    init(t.modem);
    t.modem.on('AT+CEREG?', '+CEREG: 2,1,"2008","2B2078",9', 'OK');
    t.modem.on('AT+QLTS=1', '+QLTS: ""', 'OK');
    t.modem.on('AT+CCLK?', '+CCLK: "80/01/06,00:00:12+00"', 'OK');
    pdp(t.modem);
    config(t.modem);
    open(t.modem, 1);
    expect(t.connect()).toEqual([undefined]);
    clean(t);
    expect(t.events.filter((e) => e.type === 'time')).toEqual([]);
  });
});
