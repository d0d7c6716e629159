import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import mqtt from 'mqtt';
import { AtScript } from '../../src/modem/at-script.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/broker.ts';
import type { NetworkConditionsInput } from '../../src/modem/network-conditions.ts';

let broker: EmbeddedBroker;
let peer: mqtt.MqttClient;
const received: { topic: string; payload: Buffer }[] = [];
/** The test peer answers each uplink on .../up with this downlink on .../down. */
const DOWN = Buffer.from([0xa2, 0x01, 0x10, 0x03, 0x0d, 0x0a, 0x22, 0x00, 0x1a]);

beforeAll(async () => {
  broker = await startEmbeddedBroker();
  peer = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'test-peer' });
  await peer.subscribeAsync('pillcap/v1/+/up', { qos: 1 });
  peer.on('message', (topic, payload) => {
    received.push({ topic, payload });
    void peer.publishAsync(topic.replace(/\/up$/, '/down'), DOWN, { qos: 1 });
  });
});
afterAll(async () => {
  await peer.endAsync();
  await broker.close();
});

async function connected(serial: string, conditions: NetworkConditionsInput = {}, extra: Partial<ConstructorParameters<typeof AtScript>[0]> = {}): Promise<AtScript> {
  const s = new AtScript({ brokerUrl: broker.url, identitySeed: serial, conditions, ...extra });
  await s.powerOn();
  await s.cmd('ATE0');
  await s.cmd('AT+CMEE=1');
  await s.cmd('AT+CEREG=2');
  await s.urc('+CEREG: 1', 120_000);
  expect((await s.cmd('AT+QICSGP=1,1,"iot.example","","",0')).final).toBe('OK');
  expect((await s.cmd('AT+QIACT=1')).final).toBe('OK');
  expect((await s.cmd('AT+QIACT?')).lines[0]).toMatch(/^\+QIACT: 1,1,1,"10\.\d+\.\d+\.\d+"$/);
  await s.cmd('AT+QMTCFG="version",0,4');
  await s.cmd('AT+QMTCFG="keepalive",0,60');
  await s.cmd('AT+QMTCFG="timeout",0,10,2,1');
  await s.cmd('AT+QMTCFG="recv/mode",0,0,1');
  expect((await s.cmd('AT+QMTOPEN?')).lines).toEqual([]);
  expect((await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883')).final).toBe('OK');
  expect(await s.urc('+QMTOPEN:')).toBe('+QMTOPEN: 0,0');
  expect((await s.cmd(`AT+QMTCONN=0,"${serial}"`)).final).toBe('OK');
  expect(await s.urc('+QMTCONN:')).toBe('+QMTCONN: 0,0,0');
  expect((await s.cmd(`AT+QMTSUB=0,1,"pillcap/v1/${serial}/down",1`)).final).toBe('OK');
  expect(await s.urc('+QMTSUB:')).toBe('+QMTSUB: 0,1,0,1');
  return s;
}

/** Parse `+QMTRECV: idx,msgid,"topic",len,"payload"` by its length (payload may hold CR LF and quotes). */
function parseRecv(text: string): { topic: string; payload: Buffer } | undefined {
  const m = /\+QMTRECV: (\d+),(\d+),"([^"]*)",(\d+),"/.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  const len = Number(m[4]);
  if (text.length < start + len + 1) return undefined;
  return { topic: m[3], payload: Buffer.from(text.slice(start, start + len), 'latin1') };
}

const EVENT_BATCH = Buffer.from([0xa3, 0x00, 0x01, 0x01, 0x01, 0x02, 0x64, 0x43, 0x41, 0x50, 0x31, 0x0d, 0x0a, 0x1a, 0x22]);

describe('BG95 emulator: MQTT over a real broker', () => {
  it('publishes binary-safe with prompt + length and delivers the downlink as +QMTRECV by length', async () => {
    const s = await connected('CAP1');
    expect((await s.cmd('AT+QMTCONN?')).lines).toEqual(['+QMTCONN: 0,3']);
    expect((await s.cmd('AT+QMTOPEN?')).lines).toEqual(['+QMTOPEN: 0,"mqtt.pillcap.example",8883']);
    const before = received.length;
    const sentAt = s.time.now();
    const r = await s.cmdWithData(`AT+QMTPUBEX=0,7,1,0,"pillcap/v1/CAP1/up",${EVENT_BATCH.length}`, EVENT_BATCH, '> ');
    expect(r.final).toBe('OK');
    expect(await s.urc('+QMTPUBEX:')).toBe('+QMTPUBEX: 0,7,0');
    const ok = await s.runUntil(() => parseRecv(s.text) !== undefined, 10_000);
    expect(ok).toBe(true);
    expect(parseRecv(s.text)).toEqual({ topic: 'pillcap/v1/CAP1/down', payload: DOWN });
    // Virtual time was held for the real round trip: the cloud's answer lands within modelled latency.
    expect(s.time.now() - sentAt).toBeLessThan(2_000);
    expect(received.slice(before).map((x) => x.payload)).toEqual([EVENT_BATCH]);
    // An MCU reset while the modem kept power: opening the same index again says "identifier occupied".
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    expect(await s.urc('+QMTOPEN:')).toBe('+QMTOPEN: 0,2');
    await s.cmd('AT+QMTDISC=0');
    expect(await s.urc('+QMTDISC:')).toBe('+QMTDISC: 0,0');
    expect((await s.cmd('AT+QMTOPEN?')).lines).toEqual([]);
    expect(s.modem.stats().publishes).toBe(1);
    await s.modem.close();
  });

  it('answers +QMTPUB when configured, rejects bad msgid/qos combinations and publishing while closed', async () => {
    const s = await connected('CAP2', {}, { publishUrc: 'QMTPUB' });
    expect((await s.cmd('AT+QMTPUBEX=0,0,1,0,"pillcap/v1/CAP2/up",3')).final).toBe('+CME ERROR: 50');
    expect((await s.cmd('AT+QMTPUBEX=1,1,1,0,"pillcap/v1/CAP2/up",3')).final).toBe('ERROR');
    await s.cmdWithData('AT+QMTPUBEX=0,9,1,0,"pillcap/v1/CAP2/hb",3', Uint8Array.of(1, 2, 3), '> ');
    expect(await s.urc('+QMTPUB:')).toBe('+QMTPUB: 0,9,0');
    await s.cmd('AT+QMTCLOSE=0');
    expect(await s.urc('+QMTCLOSE:')).toBe('+QMTCLOSE: 0,0');
    await s.modem.close();
  });

  it('reports a dropped connection with +QMTSTAT and a broker outage as QMTOPEN -1', async () => {
    const s = await connected('CAP3', { drops: [{ atMs: 120_000, code: 7 }], brokerDown: [{ fromMs: 200_000, toMs: 400_000 }] });
    expect(await s.urc('+QMTSTAT:', 200_000)).toBe('+QMTSTAT: 0,7');
    await s.advance(200_000 - s.time.now() + 1_000);
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    expect(await s.urc('+QMTOPEN:')).toBe('+QMTOPEN: 0,-1');
    await s.advance(400_000 - s.time.now());
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    expect(await s.urc('+QMTOPEN:')).toBe('+QMTOPEN: 0,0');
    await s.modem.close();
  });

  it('answers QMTOPEN -1 when the broker really refuses the TCP connection', async () => {
    const s = new AtScript({ brokerUrl: 'mqtt://127.0.0.1:1', identitySeed: 'CAP5' });
    await s.powerOn();
    await s.cmd('ATE0');
    await s.cmd('AT+CEREG=2');
    await s.urc('+CEREG: 1', 120_000);
    await s.cmd('AT+QIACT=1');
    await s.cmd('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
    expect(await s.urc('+QMTOPEN:')).toBe('+QMTOPEN: 0,-1');
    expect((await s.cmd('AT+QMTOPEN?')).lines).toEqual([]);
  });

  it('turns a connection drop that found no open link into a drop of the next publish', async () => {
    const s = await connected('CAP6', { drops: [{ atMs: 1_000, code: 7 }] });
    const before = received.length;
    await s.cmdWithData(`AT+QMTPUBEX=0,5,1,0,"pillcap/v1/CAP6/up",${EVENT_BATCH.length}`, EVENT_BATCH, '> ');
    expect(await s.urc('+QMTSTAT:')).toBe('+QMTSTAT: 0,7');
    expect((await s.cmd('AT+QMTCONN?')).lines).toEqual([]);
    await s.advance(1_000);
    expect(received.length).toBe(before);
    expect(s.text).not.toContain('+QMTPUBEX: 0,5');
    await s.modem.close();
  });

  it('loses a PUBACK after the broker got the message, so the device sees a failure and resends', async () => {
    const s = await connected('CAP4', { lostAcks: [{ atMs: 0, kind: 'puback' }] });
    const before = received.length;
    await s.cmdWithData(`AT+QMTPUBEX=0,3,1,0,"pillcap/v1/CAP4/up",${EVENT_BATCH.length}`, EVENT_BATCH, '> ');
    // QMTCFG "timeout",0,10,2,1: two retransmission notices, then failure after 10 s x 3.
    expect(await s.urc('+QMTPUBEX:', 120_000)).toBe('+QMTPUBEX: 0,3,1,1');
    expect(await s.urc('+QMTPUBEX:', 120_000)).toBe('+QMTPUBEX: 0,3,1,2');
    expect(await s.urc('+QMTPUBEX:', 120_000)).toBe('+QMTPUBEX: 0,3,2');
    await s.cmdWithData(`AT+QMTPUBEX=0,4,1,0,"pillcap/v1/CAP4/up",${EVENT_BATCH.length}`, EVENT_BATCH, '> ');
    expect(await s.urc('+QMTPUBEX:', 120_000)).toBe('+QMTPUBEX: 0,4,0');
    await s.runUntil(() => received.length - before >= 2, 5_000);
    expect(received.length - before).toBe(2); // the cloud saw the batch twice: deduplication is its job
    expect(s.modem.stats().pubacksLost).toBe(1);
    await s.modem.close();
  });
});
