/**
 * A small reactive BG95 stand-in for wiring tests of createConnectivity inside createFirmware: it answers
 * the driver's dialect (docs/modem.md §1) from state instead of a fixed script and plays a minimal cloud
 * that deduplicates on seq and acks the highest contiguous seq. The full emulator (network conditions,
 * energy, real broker) is the simulator's (simulator/src/modem); this one only has to be predictable.
 */
import type { ModemPower, SerialPort, Timers, Level } from '../../src/ports/ports.ts';
import { MessageKind, type UplinkMessage } from '../../../protocol/src/messages.ts';
import { decodeUplinkDevice, encodeDownlink } from '../../../protocol/src/device-codec.ts';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

export class ReactiveModem {
  status: Level = 0;
  coverage = true;
  /** Drop the cloud's next N Acks (the ack was lost on the way). */
  dropAcks = 0;
  /** The modem stops answering (hung) until power-cycled. */
  hung = false;
  commands: string[] = [];
  uplinks: UplinkMessage[] = [];
  readonly held = new Map<number, number>(); // seq -> times received
  pulses: number[] = [];
  private reader: ((b: Uint8Array) => void) | undefined;
  private rx: number[] = [];
  private pendingPub: { id: number; len: number; buf: number[] } | undefined;
  private registered = false;
  private pdp = false;
  private open = false;
  private connected = false;
  private psm = false;
  private serialName = '';

  constructor(private readonly timers: Timers) {}

  readonly serial: SerialPort = {
    write: (b) => this.onWrite(b),
    onReadable: (cb) => {
      this.reader = cb;
    },
    setDataTerminalReady: () => undefined,
  };

  readonly power: ModemPower = {
    pulsePowerKey: (ms) => {
      this.pulses.push(ms);
      if (ms >= 650) {
        if (!this.hung) this.off();
        return;
      }
      if (this.status === 0 || this.psm) {
        const fromPsm = this.psm;
        this.status = 1;
        this.psm = false;
        if (!fromPsm) this.send(['RDY'], 1000);
        if (this.coverage) this.timers.setTimeout(() => (this.registered = this.coverage && this.status === 1), 1500);
      }
    },
    setSupply: (on) => {
      if (!on) {
        this.hung = false;
        this.off();
      }
    },
    status: () => this.status,
  };

  /** Highest seq held contiguously from 1. */
  contiguous(): number {
    let s = 0;
    while (this.held.has(s + 1)) s++;
    return s;
  }

  private off(): void {
    this.status = 0;
    this.registered = this.pdp = this.open = this.connected = this.psm = false;
  }

  private send(lines: (string | Uint8Array)[], delayMs = 5): void {
    this.timers.setTimeout(() => {
      for (const l of lines) if (this.reader) this.reader(typeof l === 'string' ? (l.startsWith('>') ? enc(l) : enc(`\r\n${l}\r\n`)) : l);
    }, delayMs);
  }

  private onWrite(bytes: Uint8Array): void {
    if (this.status === 0 || this.psm || this.hung) return;
    for (const b of bytes) {
      if (this.pendingPub) {
        this.pendingPub.buf.push(b);
        if (this.pendingPub.buf.length === this.pendingPub.len) this.onPayload();
        continue;
      }
      if (b === 13) {
        const line = String.fromCharCode(...this.rx);
        this.rx = [];
        this.onCommand(line);
      } else this.rx.push(b);
    }
  }

  private onPayload(): void {
    const p = this.pendingPub!;
    this.pendingPub = undefined;
    const payload = Uint8Array.from(p.buf);
    this.send(['OK', `+QMTPUBEX: 0,${p.id},0`], 50);
    this.timers.setTimeout(() => this.cloud(payload), 200);
  }

  private cloud(payload: Uint8Array): void {
    const m = decodeUplinkDevice(payload);
    this.uplinks.push(m);
    if (m.kind !== MessageKind.EventBatch) return;
    for (const e of m.events) this.held.set(e.seq, (this.held.get(e.seq) ?? 0) + 1);
    if (this.dropAcks > 0) {
      this.dropAcks--;
      return;
    }
    // Ack: "the highest seq the cloud holds contiguously"; empty log -> logTailSeq - 1.
    const ack = Math.max(this.contiguous(), m.logTailSeq - 1);
    const bytes = encodeDownlink({ kind: MessageKind.Ack, serial: m.serial, ackSeq: ack });
    const head = enc(`\r\n+QMTRECV: 0,1,"pillcap/v1/${m.serial}/down",${bytes.length},"`);
    const frame = new Uint8Array(head.length + bytes.length + 3);
    frame.set(head);
    frame.set(bytes, head.length);
    frame.set(enc('"\r\n'), head.length + bytes.length);
    if (this.connected) this.send([frame], 100);
  }

  private onCommand(line: string): void {
    this.commands.push(line);
    const ok = (...lines: string[]): void => this.send([...lines, 'OK']);
    let m: RegExpExecArray | null;
    if (line === 'AT' || line === 'ATE0' || line === 'AT+CMEE=1' || line.startsWith('AT+QCFG="') && !line.includes('celevel')) return ok();
    if (line.startsWith('AT+CPSMS=') || line.startsWith('AT+QICSGP=') || line === 'AT+CEREG=2' || line.startsWith('AT+QSSLCFG=') || line.startsWith('AT+QMTCFG=')) return ok();
    if (line === 'AT+CPIN?') return ok('+CPIN: READY');
    if (line === 'AT+QGMR') return ok('BG95M3LAR02A03_01.012.01.012');
    if (line === 'AT+GSN') return ok('866123456789012');
    if (line === 'AT+QCCID') return ok('+QCCID: 89882280000012345678');
    if (line === 'AT+CFUN=1') {
      this.timers.setTimeout(() => (this.registered = this.coverage && this.status === 1), 1500);
      return ok();
    }
    if (line === 'AT+CFUN=0') {
      this.registered = this.pdp = this.open = this.connected = false;
      return ok();
    }
    if (line === 'AT+CEREG?') return ok(this.registered && this.coverage ? '+CEREG: 2,1,"2008","2B2078",9' : '+CEREG: 2,2');
    if (line === 'AT+QLTS=1') return ok('+QLTS: "2026/06/01,06:00:00+00,0"');
    if (line === 'AT+QIACT?') return ok(...(this.pdp ? ['+QIACT: 1,1,1,"10.0.0.2"'] : []));
    if (line === 'AT+QIACT=1') {
      if (!this.registered) return this.send(['+CME ERROR: 30']);
      this.pdp = true;
      return ok();
    }
    if (line === 'AT+QIDEACT=1') {
      this.pdp = false;
      return ok();
    }
    if (line === 'AT+QMTOPEN?') return ok(...(this.open ? ['+QMTOPEN: 0,"mqtt.pillcap.example",8883'] : []));
    if (line.startsWith('AT+QMTOPEN=0,')) {
      this.send(['OK']);
      this.open = this.pdp && this.coverage;
      return this.send([`+QMTOPEN: 0,${this.open ? 0 : -1}`], 500);
    }
    if (line === 'AT+QMTCONN?') return ok(...(this.connected ? ['+QMTCONN: 0,3'] : []));
    if ((m = /^AT\+QMTCONN=0,"([^"]+)"/.exec(line))) {
      this.serialName = m[1];
      this.send(['OK']);
      this.connected = this.open;
      return this.send([`+QMTCONN: 0,${this.connected ? '0,0' : '2'}`], 300);
    }
    if ((m = /^AT\+QMTSUB=0,(\d+),/.exec(line))) return this.send(['OK', `+QMTSUB: 0,${m[1]},0,1`]);
    if ((m = /^AT\+QMTPUBEX=0,(\d+),1,0,"[^"]+",(\d+)$/.exec(line))) {
      if (!this.connected) return this.send(['ERROR']);
      this.pendingPub = { id: Number(m[1]), len: Number(m[2]), buf: [] };
      return this.send(['> ']);
    }
    if (line === 'AT+QCSQ') return ok(this.registered ? '+QCSQ: "eMTC",-70,-95,110,-11' : '+QCSQ: "NOSERVICE"');
    if (line === 'AT+QNWINFO') return ok('+QNWINFO: "eMTC","310410","LTE BAND 13",5230');
    if (line === 'AT+QCFG="celevel"') return ok('+QCFG: "celevel",0');
    if (line === 'AT+CBC') return ok('+CBC: 0,80,3950');
    if (line === 'AT+QPSMS?') return ok('+QPSMS: 1,,,"86400","10"');
    if (line === 'AT+QMTDISC=0') {
      this.connected = this.open = false;
      this.send(['OK', '+QMTDISC: 0,0']);
      this.timers.setTimeout(() => {
        if (this.status === 1 && !this.connected) {
          this.reader?.(enc('\r\nPSM POWER DOWN\r\n'));
          this.psm = true;
          this.registered = this.pdp = false;
        }
      }, 10000);
      return;
    }
    if (line === 'AT+QMTCLOSE=0') {
      this.open = this.connected = false;
      return this.send(['OK', '+QMTCLOSE: 0,0']);
    }
    if (line === 'AT+QPOWD=1') {
      this.send(['OK', 'POWERED DOWN']);
      this.timers.setTimeout(() => this.off(), 20);
      return;
    }
    this.send(['ERROR']);
    void this.serialName;
  }
}
