import { describe, expect, it } from 'vitest';
import { EventKind, MessageKind } from '../../../protocol/src/messages.ts';
import { HardwareResetReason } from '../../src/ports/ports.ts';
import { createFirmware } from '../../src/app.ts';
import { FakeHardware } from '../../src/testing/fake-ports.ts';
import { createConnectivity, type Connectivity } from '../../src/uplink/connectivity.ts';
import { ReactiveModem } from './reactive-modem.ts';

const MIN = 60000;

function bootCap() {
  const hw = new FakeHardware();
  const boot = hw.boot(HardwareResetReason.PowerOn);
  const modem = new ReactiveModem(boot.ports.timers);
  boot.ports.modem = modem.serial;
  boot.ports.modemPower = modem.power;
  let conn: Connectivity | undefined;
  const fw = createFirmware(boot.ports, {
    serial: 'PC-0001',
    connectivity: (ctx) => (conn = createConnectivity(ctx)),
  });
  const bus: { type: string; [k: string]: unknown }[] = [];
  fw.context.bus.subscribe((m) => bus.push(m as never));
  fw.start();
  const openLid = (ms = 5000) => {
    hw.setLid(1);
    hw.advance(ms);
    hw.setLid(0);
    hw.advance(200);
  };
  return { hw, boot, modem, fw, conn: () => conn!, bus, openLid, ctx: fw.context };
}

describe('createConnectivity inside createFirmware', () => {
  it('uploads the boot session (Hello, Boot event, heartbeat), frees the log on the Ack and sleeps in PSM', () => {
    const c = bootCap();
    c.hw.advance(5 * MIN);
    const kinds = c.modem.uplinks.map((u) => u.kind);
    expect(kinds.slice(0, 3)).toEqual([MessageKind.Hello, MessageKind.EventBatch, MessageKind.Heartbeat]);
    expect(c.modem.held.has(1)).toBe(true);
    expect(c.ctx.log.stats().count).toBe(0);
    expect(c.conn().supervisor.state).toBe('psm');
    expect(c.bus.some((m) => m.type === 'UPLOAD_FINISHED' && m.ok === true)).toBe(true);
    expect(c.ctx.time.unixS()).toBeDefined(); // network time from QLTS
    const st = c.conn().stats();
    expect(st.atCommands).toBeGreaterThan(30);
    expect(st.radioOnMs).toBeGreaterThan(0);
    expect(c.modem.commands).toContain('AT+QMTPUBEX=0,2,1,0,"pillcap/v1/PC-0001/up",' + c.modem.commands.find((x) => x.startsWith('AT+QMTPUBEX=0,2,'))!.split(',').pop());
  });

  it('coalesces lid openings into one session after uploadCoalesceS and wakes the modem from PSM', () => {
    const c = bootCap();
    c.hw.advance(5 * MIN);
    const sessionsBefore = c.conn().stats().sessions;
    c.openLid();
    c.hw.advance(MIN);
    c.openLid();
    c.hw.advance(2 * MIN);
    expect(c.conn().stats().sessions).toBe(sessionsBefore);
    c.hw.advance(5 * MIN);
    expect(c.conn().stats().sessions).toBe(sessionsBefore + 1);
    const lidSeqs = [...c.modem.held.keys()].filter((s) => s > 1);
    expect(lidSeqs.length).toBeGreaterThanOrEqual(2);
    expect(c.ctx.log.stats().count).toBe(0);
    expect(c.modem.pulses.filter((p) => p === 500).length).toBeGreaterThanOrEqual(2); // power on + PSM wake
  });

  it('a symptom report goes out at once', () => {
    const c = bootCap();
    c.hw.advance(5 * MIN);
    const before = c.conn().stats().sessions;
    c.ctx.record(EventKind.Symptom, [2]);
    c.ctx.bus.publish({ type: 'SYMPTOM_RECORDED', pattern: 2, seq: 0 });
    c.hw.advance(40000);
    expect(c.conn().stats().sessions).toBe(before + 1);
    expect(c.ctx.log.stats().count).toBe(0);
  });

  it('keeps events through an outage and a lost Ack, then delivers each one, none lost', () => {
    const c = bootCap();
    c.hw.advance(5 * MIN);
    c.modem.coverage = false;
    for (let i = 0; i < 5; i++) {
      c.openLid();
      c.hw.advance(30 * MIN);
    }
    expect(c.ctx.log.stats().count).toBe(5);
    expect(c.conn().policy.failures).toBeGreaterThan(0);
    c.modem.coverage = true;
    c.modem.dropAcks = 1;
    c.hw.advance(12 * 60 * MIN);
    expect(c.ctx.log.stats().count).toBe(0);
    const last = c.ctx.log.nextSeq - 1;
    expect(c.modem.contiguous()).toBe(last);
    expect([...c.modem.held.values()].some((n) => n > 1)).toBe(true); // the batch whose Ack was lost came twice
    expect(c.bus.some((m) => m.type === 'UPLOAD_FINISHED' && m.reason === 'ack_timeout')).toBe(true);
  });

  it('power-cycles a hung modem and recovers', () => {
    const c = bootCap();
    c.hw.advance(5 * MIN);
    c.modem.hung = true;
    c.ctx.record(EventKind.Symptom, [1]);
    c.ctx.bus.publish({ type: 'SYMPTOM_RECORDED', pattern: 1, seq: 0 });
    c.hw.advance(60 * MIN);
    expect(c.conn().supervisor.counters.powerCycles).toBeGreaterThanOrEqual(1);
    expect(c.ctx.log.stats().count).toBe(0);
  });
});
