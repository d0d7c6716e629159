import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt from 'mqtt';
import { AtScript } from '../../src/modem/at-script.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/broker.ts';
import { qfuplChecksum } from '../../src/modem/commands/files-ssl.ts';

let broker: EmbeddedBroker;
beforeAll(async () => {
  // Client ids starting with "BAD" are refused with CONNACK 5 (not authorized).
  broker = await startEmbeddedBroker({
    authenticate: (client, _u, _p, done) => done(null, !client.id.startsWith('BAD')),
  });
});
afterAll(async () => {
  await broker.close();
});

async function ready(options: Partial<ConstructorParameters<typeof AtScript>[0]> = {}): Promise<AtScript> {
  const s = new AtScript({ brokerUrl: broker.url, ...options });
  await s.powerOn();
  await s.cmd('ATE0');
  await s.cmd('AT+CMEE=1');
  await s.cmd('AT+CEREG=2');
  await s.urc('+CEREG: 1', 120_000);
  await s.cmd('AT+QIACT=1');
  return s;
}

const PEM = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

describe('BG95 emulator: files, TLS configuration and MQTT faults', () => {
  it('uploads a file with QFUPL (CONNECT + raw bytes), lists, refuses overwrite and deletes it; files survive power loss', async () => {
    const s = await ready();
    const r = await s.cmdWithData(`AT+QFUPL="cacert.pem",${PEM.length},10`, PEM, 'CONNECT\r\n');
    expect(r.final).toBe('OK');
    expect(r.lines).toEqual([`+QFUPL: ${PEM.length},${qfuplChecksum(PEM)}`]);
    expect((await s.cmd('AT+QFLST="*"')).lines).toEqual([`+QFLST: "cacert.pem",${PEM.length}`]);
    expect((await s.cmd(`AT+QFUPL="cacert.pem",${PEM.length},10`)).final).toBe('+CME ERROR: 407');
    s.modem.setSupply(false);
    s.modem.setSupply(true);
    await s.powerOn();
    await s.cmd('ATE0');
    await s.cmd('AT+CMEE=1');
    expect((await s.cmd('AT+QFLST="cacert.pem"')).lines).toEqual([`+QFLST: "cacert.pem",${PEM.length}`]);
    expect((await s.cmd('AT+QFDEL="cacert.pem"')).final).toBe('OK');
    expect((await s.cmd('AT+QFDEL="cacert.pem"')).final).toBe('+CME ERROR: 405');
    expect((await s.cmd('AT+QFLST="*"')).lines).toEqual([]);
    await s.modem.close();
  });

  it('times out an incomplete upload, and can report a completed upload as a timeout (QFUPL quirk)', async () => {
    const s = await ready({ qfuplReportsTimeout: true });
    s.write('AT+QFUPL="key.pem",100,2\r');
    await s.advance(100);
    s.write(PEM.subarray(0, 10));
    await s.advance(3_000);
    expect(s.text).toContain('+CME ERROR: 421');
    expect((await s.cmd('AT+QFLST="*"')).lines).toEqual([]);
    const r = await s.cmdWithData(`AT+QFUPL="cert.pem",${PEM.length},10`, PEM, 'CONNECT\r\n');
    expect(r.final).toBe('+CME ERROR: 421');
    expect((await s.cmd('AT+QFLST="*"')).lines).toEqual([`+QFLST: "cert.pem",${PEM.length}`]);
    await s.modem.close();
  });

  it('stores TLS and MQTT configuration and reads it back', async () => {
    const s = await ready();
    for (const c of ['"sslversion",2,3', '"ciphersuite",2,0xFFFF', '"seclevel",2,2', '"cacert",2,"cacert.pem"', '"sni",2,1']) {
      expect((await s.cmd(`AT+QSSLCFG=${c}`)).final).toBe('OK');
    }
    expect((await s.cmd('AT+QSSLCFG="cacert",2')).lines).toEqual(['+QSSLCFG: "cacert",2,"cacert.pem"']);
    expect((await s.cmd('AT+QSSLCFG="bogus",2,1')).final).toBe('+CME ERROR: 50');
    await s.cmd('AT+QMTCFG="ssl",0,1,2');
    await s.cmd('AT+QMTCFG="keepalive",0,60');
    expect((await s.cmd('AT+QMTCFG="keepalive",0')).lines).toEqual(['+QMTCFG: "keepalive",60']);
    expect((await s.cmd('AT+QMTCFG="keepalive",0,4000')).final).toBe('+CME ERROR: 50');
    expect((await s.cmd('AT+QMTCFG="timeout",0,20,2,1')).final).toBe('OK');
    await s.modem.close();
  });

  it('fails QMTOPEN when required certificates are missing from UFS', async () => {
    const s = await ready({ requireCertificates: true });
    await s.cmd('AT+QSSLCFG="seclevel",2,2');
    await s.cmd('AT+QSSLCFG="cacert",2,"cacert.pem"');
    await s.cmd('AT+QSSLCFG="clientcert",2,"cert.pem"');
    await s.cmd('AT+QSSLCFG="clientkey",2,"key.pem"');
    await s.cmd('AT+QMTCFG="ssl",0,1,2');
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    expect(await s.urc('+QMTOPEN:')).toBe('+QMTOPEN: 0,-1');
    for (const name of ['cacert.pem', 'cert.pem', 'key.pem']) await s.cmdWithData(`AT+QFUPL="${name}",${PEM.length}`, PEM, 'CONNECT\r\n');
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    expect(await s.urc('+QMTOPEN:')).toBe('+QMTOPEN: 0,0');
    await s.modem.close();
  });

  it('reports a refused CONNECT with the CONNACK code in the URC', async () => {
    const s = await ready();
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    expect(await s.urc('+QMTOPEN:')).toBe('+QMTOPEN: 0,0');
    await s.cmd('AT+QMTCONN=0,"BAD-CAP"');
    expect(await s.urc('+QMTCONN:')).toBe('+QMTCONN: 0,0,5');
    expect((await s.cmd('AT+QMTOPEN?')).lines).toEqual([]);
    await s.modem.close();
  });

  it('reports QMTSTAT 2 when coverage goes away under an open connection, and QMTOPEN 3 without PDP', async () => {
    const s = await ready({ conditions: { coverage: [{ fromMs: 0, rsrpDbm: -90 }, { fromMs: 120_000, rsrpDbm: -145 }] } });
    await s.cmd('AT+QMTCFG="keepalive",0,30');
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    await s.urc('+QMTOPEN: 0,0');
    await s.cmd('AT+QMTCONN=0,"CAP-COV"');
    await s.urc('+QMTCONN: 0,0,0');
    expect(await s.urc('+QMTSTAT:', 300_000)).toBe('+QMTSTAT: 0,2');
    await s.cmd('AT+QIDEACT=1');
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    expect(await s.urc('+QMTOPEN:')).toBe('+QMTOPEN: 0,3');
    await s.modem.close();
  });

  it('buffers downlinks in recv/mode 1 and hands them out with AT+QMTRECV', async () => {
    const s = await ready();
    await s.cmd('AT+QMTCFG="recv/mode",0,1');
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    await s.urc('+QMTOPEN: 0,0');
    await s.cmd('AT+QMTCONN=0,"CAP-BUF"');
    await s.urc('+QMTCONN: 0,0,0');
    await s.cmd('AT+QMTSUB=0,1,"pillcap/v1/CAP-BUF/down",1');
    await s.urc('+QMTSUB: 0,1,0,1');
    const cloud = await mqtt.connectAsync(broker.url, { clientId: 'cloud-buf' });
    s.modem.hold(cloud.publishAsync('pillcap/v1/CAP-BUF/down', Buffer.from('hello'), { qos: 1 }).then(() => new Promise((r) => setTimeout(r, 100))));
    expect(await s.urc('+QMTRECV:', 10_000)).toBe('+QMTRECV: 0,0');
    expect((await s.cmd('AT+QMTRECV?')).lines).toEqual(['+QMTRECV: 0,1,0,0,0,0']);
    const got = await s.cmd('AT+QMTRECV=0,0');
    expect(got.lines[0]).toMatch(/^\+QMTRECV: 0,\d+,"pillcap\/v1\/CAP-BUF\/down",5,"hello"$/);
    await cloud.endAsync();
    await s.modem.close();
  });
});
