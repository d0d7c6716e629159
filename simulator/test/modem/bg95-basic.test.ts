import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { AtScript } from '../../src/modem/at-script.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/broker.ts';

let broker: EmbeddedBroker;
beforeAll(async () => {
  broker = await startEmbeddedBroker();
});
afterAll(async () => {
  await broker.close();
});

describe('BG95 emulator: bring-up', () => {
  it('boots on PWRKEY, echoes until ATE0, answers identity queries', async () => {
    const s = new AtScript({ brokerUrl: broker.url, identitySeed: 'CAP-0001' });
    expect(s.modem.status()).toBe(0);
    await s.powerOn();
    expect(s.modem.status()).toBe(1);
    expect(s.lines()).toEqual(expect.arrayContaining(['RDY', 'APP RDY']));
    const echoed = await s.cmd('AT');
    expect(echoed.raw.startsWith('AT\r')).toBe(true);
    await s.cmd('ATE0');
    const quiet = await s.cmd('AT');
    expect(quiet.raw).toBe('\r\nOK\r\n');
    expect((await s.cmd('AT+QGMR')).lines).toEqual(['BG95M3LAR02A03_01.012.01.012']);
    const imei = (await s.cmd('AT+GSN')).lines[0];
    expect(imei).toMatch(/^\d{15}$/);
    expect((await s.cmd('AT+QCCID')).lines[0]).toMatch(/^\+QCCID: \d{19}$/);
    expect((await s.cmd('AT+CPIN?')).lines).toEqual(['+CPIN: READY']);
    expect((await s.cmd('AT+NOPE')).final).toBe('ERROR');
    await s.cmd('AT+CMEE=1');
    expect((await s.cmd('AT+CFUN=7')).final).toBe('+CME ERROR: 50');
    await s.modem.close();
  });

  it('registers after a coverage-dependent delay and reports signal', async () => {
    const s = new AtScript({ brokerUrl: broker.url, conditions: { coverage: [{ fromMs: 0, rsrpDbm: -100 }] } });
    await s.powerOn();
    await s.cmd('ATE0');
    await s.cmd('AT+CEREG=2');
    const reg = await s.urc('+CEREG: 1', 60_000);
    expect(reg).toBe('+CEREG: 1,"2008","2B2078",8');
    expect((await s.cmd('AT+CEREG?')).lines).toEqual(['+CEREG: 2,1,"2008","2B2078",8']);
    expect((await s.cmd('AT+QCSQ')).lines[0]).toMatch(/^\+QCSQ: "eMTC",-\d+,-100,\d+,-\d+$/);
    expect((await s.cmd('AT+CESQ')).lines[0]).toMatch(/^\+CESQ: 99,99,255,255,\d+,41$/);
    expect((await s.cmd('AT+QNWINFO')).lines).toEqual(['+QNWINFO: "eMTC","310410","LTE BAND 12",5110']);
    expect((await s.cmd('AT+COPS?')).lines).toEqual(['+COPS: 0,2,"310410",8']);
    expect((await s.cmd('AT+QCFG="celevel"')).lines).toEqual(['+QCFG: "celevel",0']);
    expect((await s.cmd('AT+QLTS=1')).lines[0]).toMatch(/^\+QLTS: "2026\/01\/05,08:00:\d\d\+00,0"$/);
    expect((await s.cmd('AT+CCLK?')).lines[0]).toMatch(/^\+CCLK: "26\/01\/05,08:00:\d\d\+00"$/);
    await s.modem.close();
  });
});
