/**
 * A scripted stand-in for the firmware's uplink path (until F1/F2's firmware runs here): it keeps an event
 * log, and in each session powers the emulated BG95 up, registers, opens/connects MQTT (idempotently),
 * publishes EventBatches with the prompt form, frees events only on the cloud's Ack, and recovers from
 * silent modems by power-cycling. It drives virtual time itself through AtScript.
 */
import { AtScript } from './at-script.ts';
import { encodeUplink, decodeDownlink } from '../../../protocol/src/device-codec.ts';
import { MessageKind, EventKind, type DeviceEvent, uplinkTopic, downlinkTopic } from '../../../protocol/src/messages.ts';

export class SessionError extends Error {}

export class ScriptedDevice {
  readonly log: DeviceEvent[] = [];
  nextSeq = 1;
  private msgid = 1;
  sessions = { ok: 0, failed: 0, powerCycles: 0, ackTimeouts: 0 };
  heartbeats = 0;
  payloadBytes = 0;
  heartbeatEveryMs = 86_400_000;
  private lastHeartbeatMs = -Infinity;
  readonly failures: string[] = [];

  constructor(
    readonly at: AtScript,
    readonly serial: string,
  ) {}

  record(kind: number, arg: number): void {
    this.log.push({ seq: this.nextSeq++, boot: 1, uptimeS: Math.floor(this.at.time.now() / 1000), kind: kind as DeviceEvent['kind'], args: [arg] });
  }

  private nextMsgId(): number {
    this.msgid = (this.msgid % 65535) + 1;
    return this.msgid;
  }

  private async expect(line: string, maxMs = 5_000): Promise<string[]> {
    let r;
    try {
      r = await this.at.cmd(line, maxMs);
    } catch {
      throw new SessionError(`timeout: ${line}`);
    }
    if (r.final !== 'OK') throw new SessionError(`${line} -> ${r.final}`);
    return r.lines;
  }

  /** Wait for one of the URC prefixes; a +QMTSTAT or PSM POWER DOWN in between fails the session. */
  private async urc(prefix: string, maxMs: number): Promise<string> {
    const line = await this.at.urc(prefix, maxMs).catch(() => undefined);
    if (line === undefined) throw new SessionError(`no ${prefix}`);
    return line;
  }

  private async powerCycle(): Promise<void> {
    this.sessions.powerCycles++;
    this.at.modem.pulsePowerKey(650);
    await this.at.advance(3_000);
    if (this.at.modem.status() === 1) {
      this.at.modem.setSupply(false);
      await this.at.advance(1_000);
      this.at.modem.setSupply(true);
    }
  }

  private async powerUp(): Promise<void> {
    if (this.at.modem.status() === 0) {
      const mark = this.at.text.length;
      this.at.modem.pulsePowerKey(500);
      await this.at.runUntil(() => this.at.text.includes('RDY', mark), 10_000);
    }
    for (let i = 0; i < 5; i++) {
      const r = await this.at.cmd('AT', 1_000).catch(() => undefined);
      if (r?.final === 'OK') return;
    }
    await this.powerCycle();
    throw new SessionError('modem silent');
  }

  /** One upload session; returns true when the log was emptied up to what the cloud acknowledged. */
  async session(): Promise<boolean> {
    try {
      await this.powerUp();
      await this.expect('ATE0');
      await this.expect('AT+CMEE=1');
      await this.expect('AT+CPIN?');
      await this.expect('AT+QCFG="psm/enter",1');
      await this.expect('AT+CPSMS=1,,,"00111000","00000101"');
      await this.expect('AT+QICSGP=1,1,"pillcap.iot","","",0');
      await this.expect('AT+CEREG=2');
      await this.expect('AT+CFUN=1', 15_000);
      let registered = false;
      for (let waited = 0; waited < 180_000 && !registered; waited += 2_000) {
        const [line] = await this.expect('AT+CEREG?', 2_000);
        const stat = Number(line?.split(',')[1]);
        if (stat === 3) throw new SessionError('registration denied');
        registered = stat === 1 || stat === 5;
        if (!registered) await this.at.advance(2_000);
      }
      if (!registered) throw new SessionError('registration timeout');
      if ((await this.expect('AT+QIACT?')).length === 0) await this.expect('AT+QIACT=1', 150_000);
      for (const c of ['"sslversion",2,3', '"ciphersuite",2,0xFFFF', '"seclevel",2,2', '"cacert",2,"cacert.pem"', '"clientcert",2,"cert.pem"', '"clientkey",2,"key.pem"']) await this.expect(`AT+QSSLCFG=${c}`);
      for (const c of ['"ssl",0,1,2', '"version",0,4', '"pdpcid",0,1', '"keepalive",0,60', '"session",0,1', '"timeout",0,20,2,1', '"recv/mode",0,0,1']) await this.expect(`AT+QMTCFG=${c}`);
      const open = await this.expect('AT+QMTOPEN?');
      if (open.length === 0) {
        await this.expect('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
        let result = await this.urc('+QMTOPEN:', 90_000);
        if (result === '+QMTOPEN: 0,2') {
          await this.expect('AT+QMTCLOSE=0');
          await this.urc('+QMTCLOSE:', 10_000);
          await this.expect('AT+QMTOPEN=0,"mqtt.pillcap.example",8883');
          result = await this.urc('+QMTOPEN:', 90_000);
        }
        if (result !== '+QMTOPEN: 0,0') throw new SessionError(result);
      }
      const conn = await this.expect('AT+QMTCONN?');
      if (conn[0] !== '+QMTCONN: 0,3') {
        await this.expect(`AT+QMTCONN=0,"${this.serial}"`);
        const r = await this.urc('+QMTCONN:', 70_000);
        if (r !== '+QMTCONN: 0,0,0') throw new SessionError(r);
        const id = this.nextMsgId();
        await this.expect(`AT+QMTSUB=0,${id},"${downlinkTopic(this.serial)}",1`);
        const s = await this.urc('+QMTSUB:', 70_000);
        if (!s.startsWith(`+QMTSUB: 0,${id},0`)) throw new SessionError(s);
      }
      if (this.at.time.now() - this.lastHeartbeatMs >= this.heartbeatEveryMs) await this.publishHeartbeat();
      while (this.log.length > 0) await this.publishBatch();
      await this.expect('AT+QMTDISC=0');
      await this.urc('+QMTDISC:', 30_000).catch(() => undefined);
      const slept = await this.at.urc('PSM POWER DOWN', 30_000).catch(() => undefined);
      if (slept === undefined) {
        await this.at.cmd('AT+QPOWD=1', 2_000).catch(() => undefined);
        await this.at.advance(3_000);
      }
      this.sessions.ok++;
      return true;
    } catch (err) {
      if (!(err instanceof SessionError)) throw err;
      this.sessions.failed++;
      this.failures.push(`${(this.at.time.now() / 86_400_000).toFixed(2)}d ${err.message}`);
      if (err.message.startsWith('timeout')) await this.powerCycle();
      else if (this.at.modem.status() === 1) {
        // Save power until the next attempt.
        await this.at.cmd('AT+QPOWD=1', 2_000).catch(() => undefined);
        await this.at.advance(3_000);
      }
      return false;
    }
  }

  private async publishHeartbeat(): Promise<void> {
    const lines = [...(await this.expect('AT+QCSQ')), ...(await this.expect('AT+QCFG="celevel"')), ...(await this.expect('AT+CBC'))];
    const rsrp = Number(/^\+QCSQ: "eMTC",-?\d+,(-\d+)/.exec(lines[0] ?? '')?.[1] ?? NaN);
    const payload = encodeUplink({
      kind: MessageKind.Heartbeat,
      serial: this.serial,
      anchor: { boot: 1, uptimeS: Math.floor(this.at.time.now() / 1000), unixS: null, source: 0 },
      metrics: { intervalS: 86_400, queueDepth: this.log.length, ...(Number.isFinite(rsrp) ? { rsrpDbm: rsrp } : {}), publishOk: this.sessions.ok },
    });
    await this.publish(payload);
    this.lastHeartbeatMs = this.at.time.now();
    this.heartbeats++;
  }

  /** Publish with the prompt form and wait for the publish URC; returns the output mark before it. */
  private async publish(payload: Uint8Array): Promise<number> {
    const id = this.nextMsgId();
    const mark = this.at.text.length;
    let r;
    try {
      r = await this.at.cmdWithData(`AT+QMTPUBEX=0,${id},1,0,"${uplinkTopic(this.serial)}",${payload.length}`, payload, '> ', 5_000);
    } catch {
      throw new SessionError('timeout: publish');
    }
    if (r.final !== 'OK') throw new SessionError(`publish -> ${r.final}`);
    const ok = await this.at.runUntil(() => /\r\n\+QMTPUBEX: 0,\d+,[02]/.test(this.at.text.slice(mark)) || this.at.text.includes('+QMTSTAT', mark), 70_000);
    const tail = this.at.text.slice(mark);
    if (!ok || !tail.includes(`+QMTPUBEX: 0,${id},0`)) throw new SessionError(`publish failed: ${tail.slice(-80)}`);
    this.payloadBytes += payload.length;
    return mark;
  }

  private async publishBatch(): Promise<void> {
    const batch = this.log.slice(0, 20);
    const payload = encodeUplink({
      kind: MessageKind.EventBatch,
      serial: this.serial,
      logTailSeq: this.log[0].seq,
      droppedTotal: 0,
      anchors: [{ boot: 1, uptimeS: Math.floor(this.at.time.now() / 1000), unixS: null, source: 0 }],
      events: batch,
    });
    const mark = await this.publish(payload);
    // Wait for the cloud's Ack (taken by length from +QMTRECV).
    let ack: number | undefined;
    await this.at.runUntil(() => {
      const m = /\+QMTRECV: 0,\d+,"[^"]*",(\d+),"/.exec(this.at.text.slice(mark));
      if (!m) return this.at.text.includes('+QMTSTAT', mark);
      const start = mark + m.index + m[0].length;
      const len = Number(m[1]);
      if (this.at.text.length < start + len) return false;
      const msg = decodeDownlink(Buffer.from(this.at.text.slice(start, start + len), 'latin1'));
      if (msg.kind === MessageKind.Ack) ack = msg.ackSeq;
      return true;
    }, 30_000);
    if (ack === undefined) {
      this.sessions.ackTimeouts++;
      throw new SessionError('no ack');
    }
    const acked = ack;
    while (this.log.length > 0 && this.log[0].seq <= acked) this.log.shift();
  }
}

export { EventKind };
