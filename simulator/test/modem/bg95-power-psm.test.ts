import { describe, it, expect } from 'vitest';
import { AtScript } from '../../src/modem/at-script.ts';
import { decodeT3324, decodeT3412, encodeT3324, encodeT3412 } from '../../src/modem/psm-timers.ts';

// No MQTT in this file: the broker URL is never dialled.
const brokerUrl = 'mqtt://127.0.0.1:1';

async function registered(conditions = {}): Promise<AtScript> {
  const s = new AtScript({ brokerUrl, conditions });
  await s.powerOn();
  await s.cmd('ATE0');
  await s.cmd('AT+CMEE=1');
  await s.cmd('AT+CEREG=2');
  await s.urc('+CEREG: 1', 120_000);
  return s;
}

describe('BG95 emulator: power, PSM and faults', () => {
  it('ignores a short PWRKEY pulse, powers down on QPOWD with POWERED DOWN and on a long PWRKEY', async () => {
    const s = new AtScript({ brokerUrl });
    s.modem.pulsePowerKey(100);
    await s.advance(10_000);
    expect(s.modem.status()).toBe(0);
    await s.powerOn();
    expect((await s.cmd('AT+QPOWD=1')).final).toBe('OK');
    await s.urc('POWERED DOWN', 5_000);
    await s.advance(100);
    expect(s.modem.status()).toBe(0);
    s.write('AT\r');
    await s.advance(5_000);
    expect(s.text.endsWith('POWERED DOWN\r\n')).toBe(true); // the UART is dead
    await s.powerOn();
    s.modem.pulsePowerKey(700);
    await s.advance(5_000);
    expect(s.modem.status()).toBe(0);
  });

  it('enters PSM after the active time, is silent there, and wakes on PWRKEY still registered', async () => {
    const s = await registered();
    await s.cmd('AT+CPSMS=1,,,"00111000","00000101"');
    expect((await s.cmd('AT+CPSMS?')).lines).toEqual(['+CPSMS: 1,,,"00111000","00000101"']);
    expect((await s.cmd('AT+QPSMS?')).lines).toEqual(['+QPSMS: 1,,,"86400","10"']);
    await s.cmd('AT+CEREG=4');
    expect((await s.cmd('AT+CEREG?')).lines).toEqual(['+CEREG: 4,1,"2008","2B2078",8,,,"00000101","00111000"']);
    await s.urc('PSM POWER DOWN', 60_000);
    expect(s.modem.status()).toBe(0);
    expect(s.modem.energy.modemState()).toBe('psm');
    s.modem.pulsePowerKey(500);
    await s.urc('APP RDY', 10_000);
    await s.cmd('ATE0');
    expect((await s.cmd('AT+CEREG?')).lines[0]).toMatch(/^\+CEREG: 0,1$/);
  });

  it('enters PSM right after RRC release with psm/enter=1', async () => {
    const s = await registered();
    await s.cmd('AT+QCFG="psm/enter",1');
    expect((await s.cmd('AT+QCFG="psm/enter"')).lines).toEqual(['+QCFG: "psm/enter",1']);
    await s.cmd('AT+CPSMS=1,,,"00111000","00001111"'); // 30 s active time, skipped by psm/enter
    const t0 = s.time.now();
    await s.urc('PSM POWER DOWN', 60_000);
    expect(s.time.now() - t0).toBeLessThan(30_000);
  });

  it('hangs (no echo, no result) until the supply is cut, then boots normally', async () => {
    const s = await registered({ hangs: [{ atMs: 60_000 }] });
    await s.advance(60_000 - s.time.now() + 1);
    const before = s.text.length;
    s.write('AT\r');
    await s.advance(10_000);
    expect(s.text.length).toBe(before);
    expect(s.modem.status()).toBe(1);
    s.modem.setSupply(false);
    await s.advance(1_000);
    s.modem.setSupply(true);
    await s.powerOn();
    expect((await s.cmd('AT')).final).toBe('OK');
    expect(s.modem.stats().hangs).toBe(1);
  });

  it('a hang due while the modem is off strikes at the next boot; a long PWRKEY recovers it', async () => {
    const s = new AtScript({ brokerUrl, conditions: { hangs: [{ atMs: 1_000 }] } });
    await s.advance(2_000);
    s.modem.pulsePowerKey(500);
    await s.advance(10_000);
    expect(s.text).not.toContain('RDY');
    expect(s.modem.status()).toBe(1);
    s.modem.pulsePowerKey(650);
    await s.advance(3_000);
    expect(s.modem.status()).toBe(0);
    await s.powerOn();
    expect((await s.cmd('AT')).final).toBe('OK');
  });

  it('searches without coverage, registers when it returns, loses it again with a CEREG URC', async () => {
    const s = new AtScript({
      brokerUrl,
      conditions: {
        coverage: [
          { fromMs: 0, rsrpDbm: -140 },
          { fromMs: 600_000, rsrpDbm: -121 },
          { fromMs: 3_600_000, rsrpDbm: -150 },
        ],
      },
    });
    await s.powerOn();
    await s.cmd('ATE0');
    await s.cmd('AT+CEREG=2');
    expect((await s.cmd('AT+CEREG?')).lines).toEqual(['+CEREG: 2,2']);
    expect((await s.cmd('AT+QCSQ')).lines).toEqual(['+QCSQ: "NOSERVICE"']);
    expect((await s.cmd('AT+QNWINFO')).lines).toEqual(['+QNWINFO: No Service']);
    expect(s.modem.energy.modemState()).toBe('search');
    await s.urc('+CEREG: 1', 700_000);
    expect(s.time.now()).toBeGreaterThan(600_000);
    expect((await s.cmd('AT+QCFG="celevel"')).lines).toEqual(['+QCFG: "celevel",2']);
    expect(await s.urc('+CEREG:', 3_600_000)).toBe('+CEREG: 2');
  });

  it('answers stat 3 while registration is denied, and CME errors in numeric and verbose form', async () => {
    const s = new AtScript({ brokerUrl, conditions: { denied: [{ fromMs: 0, toMs: 3_600_000 }] } });
    await s.powerOn();
    await s.cmd('ATE0');
    await s.cmd('AT+CEREG=1');
    expect(await s.urc('+CEREG: 3', 60_000)).toBe('+CEREG: 3');
    await s.cmd('AT+CMEE=1');
    expect((await s.cmd('AT+QIACT=1')).final).toBe('+CME ERROR: 30');
    await s.cmd('AT+CMEE=2');
    expect((await s.cmd('AT+QIACT=1')).final).toBe('+CME ERROR: no network service');
    await s.cmd('AT+CMEE=0');
    expect((await s.cmd('AT+QIACT=1')).final).toBe('ERROR');
    expect(await s.urc('+CEREG: 1', 3_700_000)).toBe('+CEREG: 1');
  });

  it('deregisters on CFUN=0 and re-attaches on CFUN=1', async () => {
    const s = await registered();
    await s.cmd('AT+CFUN=0');
    expect((await s.cmd('AT+CFUN?')).lines).toEqual(['+CFUN: 0']);
    expect((await s.cmd('AT+CEREG?')).lines).toEqual(['+CEREG: 2,0']);
    await s.cmd('AT+CFUN=1');
    await s.urc('+CEREG: 1', 60_000);
    expect((await s.cmd('AT+CGATT?')).lines).toEqual(['+CGATT: 1']);
  });

  it('sets the clock from QNTP with a 4-digit year once a PDP context is active', async () => {
    const s = await registered({ nitz: false });
    expect((await s.cmd('AT+QLTS=1')).lines).toEqual(['+QLTS: ""']);
    expect((await s.cmd('AT+CCLK?')).lines[0]).toMatch(/^\+CCLK: "80\/01\/06,/);
    await s.cmd('AT+QIACT=1');
    await s.cmd('AT+QNTP=1,"pool.ntp.org",123,1');
    expect(await s.urc('+QNTP:', 10_000)).toMatch(/^\+QNTP: 0,"2026\/01\/05,08:0\d:\d\d\+00"$/);
    expect((await s.cmd('AT+CCLK?')).lines[0]).toMatch(/^\+CCLK: "26\/01\/05,08:0\d:\d\d\+00"$/);
  });

  it('queues a second command typed while the first runs, and echoes byte by byte', async () => {
    const s = new AtScript({ brokerUrl });
    await s.powerOn();
    s.write('AT+CFUN=1\rAT+QGMR\r');
    await s.advance(5_000);
    expect(s.text).toContain('AT+CFUN=1\rAT+QGMR\r');
    expect(s.text.indexOf('BG95M3LAR02A03_01.012.01.012')).toBeGreaterThan(s.text.indexOf('OK'));
    expect(s.modem.stats().atCommands).toBe(2);
  });

  it('round-trips PSM timer encodings (TAU before active time)', () => {
    expect(decodeT3412('00111000')).toBe(86_400);
    expect(decodeT3324('00000101')).toBe(10);
    expect(decodeT3412('10000100')).toBe(120);
    expect(decodeT3324('00001010')).toBe(20);
    expect(decodeT3412('01000100')).toBe(40 * 3600);
    for (const s of [2, 60, 120, 3600, 7200, 86_400, 144_000]) expect(decodeT3412(encodeT3412(s))).toBe(s);
    for (const s of [2, 10, 20, 60, 360]) expect(decodeT3324(encodeT3324(s))).toBe(s);
  });
});
