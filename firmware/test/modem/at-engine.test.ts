import { describe, expect, it } from 'vitest';
import { AtEngine, type AtResult, type MqttRecv } from '../../src/modem/at-engine.ts';
import { at, gsn, qgmr, cpinRead } from '../../src/modem/commands/basic.ts';
import { qcsq } from '../../src/modem/commands/network.ts';
import { qmtopen, qmtpub } from '../../src/modem/commands/mqtt.ts';
import { FakeTimers, ScriptedModem, bytes } from './fakes.ts';

function setup(chunk = 0) {
  const timers = new FakeTimers();
  const modem = new ScriptedModem(timers);
  modem.chunk = chunk;
  const logs: string[] = [];
  const engine = new AtEngine(modem.serial, timers, (l) => logs.push(l));
  return { timers, modem, engine, logs };
}

function capture<R>() {
  const results: AtResult<R>[] = [];
  return { results, done: (r: AtResult<R>) => results.push(r) };
}

describe('AtEngine', () => {
  it('assembles lines delivered byte by byte and routes an interleaved URC away from the command', () => {
    const { timers, modem, engine } = setup(1);
    const urcs: string[] = [];
    engine.onUrc('+CEREG:', (l) => urcs.push(l));
    modem.on('AT+QCSQ', '+CEREG: 1,"2008","2B2078",9', '+QCSQ: "eMTC",-100,-90,110,-12', 'OK');
    const c = capture<unknown>();
    engine.run(qcsq, undefined, c.done);
    timers.advance(5000);
    expect(modem.unexpected).toEqual([]);
    expect(c.results).toEqual([{ ok: true, value: { sysmode: 'eMTC', rssiDbm: -100, rsrpDbm: -90, sinrDeciDb: 20, rsrqDeciDb: -120 } }]);
    expect(urcs).toEqual(['+CEREG: 1,"2008","2B2078",9']);
  });

  it('runs one command at a time in queue order', () => {
    const { timers, modem, engine } = setup();
    modem.on('AT', 'OK').on('AT+GSN', '866123456789012', 'OK').on('AT+QGMR', 'BG95M3LAR02A03_01.012.01.012', 'OK');
    const order: string[] = [];
    engine.run(at, undefined, () => order.push('at'));
    engine.run(gsn, undefined, (r) => order.push(r.ok ? r.value : 'fail'));
    engine.run(qgmr, undefined, (r) => order.push(r.ok ? r.value : 'fail'));
    expect(modem.sent).toEqual(['AT']); // the second is not written before the first finished
    timers.advance(1000);
    expect(order).toEqual(['at', '866123456789012', 'BG95M3LAR02A03_01.012.01.012']);
    expect(engine.stats.commands).toBe(3);
  });

  it('reports ERROR, numeric +CME ERROR and text +CME ERROR as typed failures', () => {
    const { timers, modem, engine } = setup();
    modem.on('AT+CPIN?', 'ERROR').on('AT+CPIN?', '+CME ERROR: 10').on('AT+CPIN?', '+CME ERROR: SIM busy');
    const c = capture<string>();
    engine.run(cpinRead, undefined, c.done);
    engine.run(cpinRead, undefined, c.done);
    engine.run(cpinRead, undefined, c.done);
    timers.advance(1000);
    expect(c.results).toEqual([
      { ok: false, error: { kind: 'error', command: 'CPIN?' } },
      { ok: false, error: { kind: 'cme', command: 'CPIN?', code: 10 } },
      { ok: false, error: { kind: 'cme', command: 'CPIN?', code: -1, text: 'SIM busy' } },
    ]);
  });

  it('times out a command the modem never answers and goes on with the next', () => {
    const { timers, modem, engine } = setup();
    modem.on('AT').on('AT', 'OK');
    const c = capture<void>();
    engine.run(at, undefined, c.done);
    engine.run(at, undefined, c.done);
    timers.advance(999);
    expect(c.results).toEqual([]);
    timers.advance(2);
    expect(c.results[0]).toEqual({ ok: false, error: { kind: 'timeout', command: 'AT', phase: 'final' } });
    expect(engine.stats.consecutiveTimeouts).toBe(1);
    timers.advance(100);
    expect(engine.stats.timeouts).toBe(1);
    expect(c.results[1]).toEqual({ ok: true, value: undefined });
    expect(engine.stats.consecutiveTimeouts).toBe(0);
  });

  it('survives garbage: binary noise, unknown URCs, stray OK, an overlong line, a bad parse', () => {
    const { timers, modem, engine, logs } = setup(3);
    modem.urc(new Uint8Array([0, 255, 13, 10, 1, 2, 3, 13, 10]), '+QFOO: 1,2', 'OK', 'x'.repeat(3000) + 'tail', '');
    timers.advance(100);
    modem.on('AT+QCSQ', '+QCSQ: "eMTC",-1x0,-90,110,-12', 'OK').on('AT', 'OK');
    const c = capture<unknown>();
    engine.run(qcsq, undefined, c.done);
    engine.run(at, undefined, c.done);
    timers.advance(1000);
    expect(c.results[0]).toMatchObject({ ok: false, error: { kind: 'parse', command: 'QCSQ' } });
    expect(c.results[1]).toEqual({ ok: true, value: undefined });
    expect(engine.stats.unknownLines).toBeGreaterThanOrEqual(3);
    expect(logs.some((l) => l.includes('+QFOO'))).toBe(true);
  });

  it('ignores the echo of the command sent before ATE0 took effect', () => {
    const { timers, modem, engine } = setup();
    modem.on('AT+GSN', 'AT+GSN', '866123456789012', 'OK');
    const c = capture<string>();
    engine.run(gsn, undefined, c.done);
    timers.advance(100);
    expect(c.results).toEqual([{ ok: true, value: '866123456789012' }]);
  });

  it('waits for the URC of a two-phase command and times it out separately', () => {
    const { timers, modem, engine } = setup();
    modem.on('AT+QMTOPEN=0,"h",8883', 'OK', { delayMs: 20000 }, '+QMTOPEN: 1,0', '+QMTOPEN: 0,0');
    modem.on('AT+QMTOPEN=0,"h",8883', 'OK');
    const c = capture<number>();
    engine.run(qmtopen, { client: 0, host: 'h', port: 8883 }, c.done);
    timers.advance(19000);
    expect(c.results).toEqual([]);
    timers.advance(2000);
    expect(c.results).toEqual([{ ok: true, value: 0 }]); // the URC for client 1 was not taken
    engine.run(qmtopen, { client: 0, host: 'h', port: 8883 }, c.done);
    timers.advance(95000);
    expect(c.results[1]).toEqual({ ok: false, error: { kind: 'timeout', command: 'QMTOPEN', phase: 'urc' } });
  });

  it('accepts the outcome URC arriving before OK', () => {
    const { timers, modem, engine } = setup();
    modem.on('AT+QMTOPEN=0,"h",1883', '+QMTOPEN: 0,2', 'OK');
    const c = capture<number>();
    engine.run(qmtopen, { client: 0, host: 'h', port: 1883 }, c.done);
    timers.advance(100);
    expect(c.results).toEqual([{ ok: true, value: 2 }]);
  });

  for (const urcName of ['+QMTPUBEX', '+QMTPUB']) {
    it(`publishes binary bytes after the prompt and accepts ${urcName}`, () => {
      const { timers, modem, engine } = setup(2);
      const payload = new Uint8Array([0x1a, 0x22, 13, 10, 0, 0x3e, 0xff]);
      modem.on('AT+QMTPUBEX=0,7,1,0,"t/up",7', '> ').payload(7, 'OK', `${urcName}: 0,7,1,1`, `${urcName}: 0,7,0`);
      const c = capture<unknown>();
      engine.run(qmtpub, { client: 0, msgId: 7, qos: 1, retain: 0, topic: 't/up', payload }, c.done);
      timers.advance(1000);
      expect(modem.unexpected).toEqual([]);
      expect(Array.from(modem.payloads[0])).toEqual(Array.from(payload));
      expect(c.results).toEqual([{ ok: true, value: { result: 0, retransmissions: 1 } }]);
    });
  }

  it('rejects a QoS/msgid combination before sending anything', () => {
    const { modem, engine } = setup();
    const c = capture<unknown>();
    engine.run(qmtpub, { client: 0, msgId: 0, qos: 1, retain: 0, topic: 't', payload: new Uint8Array(1) }, c.done);
    expect(c.results[0]).toMatchObject({ ok: false, error: { kind: 'parse' } });
    expect(modem.sent).toEqual([]);
  });

  it('frames a +QMTRECV binary payload by its length even with quotes, CR LF and a fake OK inside', () => {
    const { timers, modem, engine } = setup(1);
    const got: MqttRecv[] = [];
    engine.onRecv((m) => got.push(m));
    const payload = bytes('a"\r\nOK\r\n",\u0000\u00ff');
    const head = bytes(`\r\n+QMTRECV: 0,3,"pillcap/v1/X1/down",${payload.length},"`);
    const frame = new Uint8Array(head.length + payload.length + 3);
    frame.set(head);
    frame.set(payload, head.length);
    frame.set(bytes('"\r\n'), head.length + payload.length);
    modem.on('AT', { delayMs: 1 }, frame, 'OK');
    const c = capture<void>();
    engine.run(at, undefined, c.done);
    timers.advance(1000);
    expect(got).toHaveLength(1);
    expect(got[0].topic).toBe('pillcap/v1/X1/down');
    expect(got[0].msgId).toBe(3);
    expect(Array.from(got[0].payload)).toEqual(Array.from(payload));
    expect(c.results).toEqual([{ ok: true, value: undefined }]); // the OK inside the payload did not end AT early
    expect(engine.stats.unknownLines).toBe(0);
  });

  it('abortAll fails the command in flight and the queue', () => {
    const { modem, engine } = setup();
    modem.on('AT');
    const c = capture<void>();
    engine.run(at, undefined, c.done);
    engine.run(at, undefined, c.done);
    engine.abortAll();
    expect(c.results.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['aborted', 'aborted']);
    expect(engine.busy).toBe(false);
  });
});
