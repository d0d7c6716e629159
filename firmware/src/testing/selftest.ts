/**
 * The firmware self-test: the real firmware core against in-script fakes, as one function with no host
 * dependencies. Bundled into firmware/dist/pillcap-selftest.js (see selftest-main.ts), which any
 * ECMAScript runtime can run: QuickJS, Moddable XS, Node; its last line is `N passed, N failed`.
 */
import { createFirmware } from '../app.ts';
import { startFactoryConsole } from '../console/factory-console.ts';
import type { Firmware } from '../app.ts';
import type { AppMessage } from '../app-messages.ts';
import { EventLog } from '../log/event-log.ts';
import type { StoredEvent } from '../log/event-log.ts';
import { crc32 } from '../log/crc32.ts';
import { FakeFlash, FakeHardware, FakePowerCut } from './fake-ports.ts';
import { createRandom } from '../random.ts';
import { EventKind, MessageKind, SymptomPattern, TimeSource } from '../../../protocol/src/messages.ts';
import type { EventBatch } from '../../../protocol/src/messages.ts';
import { decodeDownlink, decodeUplinkDevice, encodeDownlink, encodeUplink } from '../../../protocol/src/device-codec.ts';
import { utf8Encode } from '../storage/utf8.ts';
import { bytesToHex, hexToBytes } from '../../../protocol/src/hex.ts';
// Golden vectors of the protocol (bundled as data): the device codec must give back their exact bytes.
import ackVector from '../../../protocol/vectors/ack.json' with { type: 'json' };
import commandVector from '../../../protocol/vectors/command.json' with { type: 'json' };
import commandResultVector from '../../../protocol/vectors/command-result.json' with { type: 'json' };
import configVector from '../../../protocol/vectors/config.json' with { type: 'json' };
import eventBatchVector from '../../../protocol/vectors/event-batch-day.json' with { type: 'json' };
import heartbeatVector from '../../../protocol/vectors/heartbeat-full.json' with { type: 'json' };
import helloVector from '../../../protocol/vectors/hello.json' with { type: 'json' };
import { HardwareResetReason } from '../ports/ports.ts';
import { ResetReason } from '../boot/reset-reason.ts';

export interface SelfTestResult {
  passed: number;
  failed: number;
}

function assert(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

function eq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

interface Rig {
  hw: FakeHardware;
  fw: Firmware;
  messages: AppMessage[];
  events(): StoredEvent[];
  ofKind(kind: number): StoredEvent[];
}

function rig(hw: FakeHardware, reason: HardwareResetReason, reminderMinutes?: number[]): Rig {
  const boot = hw.boot(reason);
  const fw = createFirmware(boot.ports, {
    serial: 'PC-SELFTEST',
    console: startFactoryConsole,
    config: reminderMinutes ? { configVersion: 1, reminderMinutes, reminderGraceMin: 10, reminderWindowMin: 60 } : undefined,
  });
  const messages: AppMessage[] = [];
  fw.context.bus.subscribe((m) => messages.push(m));
  fw.start();
  const events = (): StoredEvent[] => fw.context.log.pending(100000);
  return {
    hw,
    fw,
    messages,
    events,
    ofKind: (kind) => events().filter((e) => e.kind === kind),
  };
}

function press(hw: FakeHardware, ms: number): void {
  hw.setButton(1);
  hw.advance(3);
  hw.setButton(0);
  hw.advance(3);
  hw.setButton(1);
  hw.advance(ms);
  hw.setButton(0);
  hw.advance(30);
}

const MIN = 60000;

const CHECKS: [string, () => void][] = [
  [
    'crc32 check value',
    () => {
      eq(crc32(utf8Encode('123456789')), 0xcbf43926, 'crc32("123456789")');
    },
  ],
  [
    'boot records Boot with the reset reason and counts boots',
    () => {
      const hw = new FakeHardware();
      const a = rig(hw, HardwareResetReason.PowerOn);
      a.fw.context.reboot(ResetReason.UserReset);
      const b = rig(hw, HardwareResetReason.Software);
      eq(b.ofKind(EventKind.Boot).map((e) => [e.boot, e.args[0]]), [[1, 7], [2, 2]], 'boot events');
    },
  ],
  [
    'lid: bouncing switch gives one opening with its duration',
    () => {
      const r = rig(new FakeHardware({ rtcSet: true }), HardwareResetReason.PowerOn);
      for (let i = 0; i < 4; i++) {
        r.hw.setLid(1);
        r.hw.advance(2);
        r.hw.setLid(0);
        r.hw.advance(2);
      }
      r.hw.setLid(1);
      r.hw.advance(30000);
      r.hw.setLid(0);
      r.hw.advance(100);
      const opened = r.ofKind(EventKind.LidOpened);
      eq(opened.length, 1, 'openings');
      eq(opened[0].args, [30], 'duration');
      assert(r.fw.context.diagnostics.lidBounceCount >= 8, 'bounces counted');
    },
  ],
  [
    'lid: left open is one event plus one diagnostic',
    () => {
      const r = rig(new FakeHardware(), HardwareResetReason.PowerOn);
      r.hw.setLid(1);
      r.hw.advance(3 * 3600000);
      r.hw.setLid(0);
      r.hw.advance(100);
      eq(r.ofKind(EventKind.LidLeftOpen).length, 1, 'LidLeftOpen');
      eq(r.ofKind(EventKind.LidOpened).map((e) => e.args[0]), [10800], 'LidOpened duration');
    },
  ],
  [
    'button: short, double and long presses',
    () => {
      const r = rig(new FakeHardware(), HardwareResetReason.PowerOn);
      press(r.hw, 120);
      r.hw.advance(1000);
      press(r.hw, 120);
      r.hw.advance(100);
      press(r.hw, 120);
      r.hw.advance(1000);
      press(r.hw, 2000);
      r.hw.advance(1000);
      eq(r.ofKind(EventKind.Symptom).map((e) => e.args[0]), [SymptomPattern.Short, SymptomPattern.Double, SymptomPattern.Long], 'patterns');
      eq(r.fw.context.indicator.patternsPlayed, 3, 'feedback patterns');
    },
  ],
  [
    'reminders: glow when due, chime after grace, stop on lid',
    () => {
      const r = rig(new FakeHardware({ rtcSet: true }), HardwareResetReason.PowerOn, [390]);
      r.hw.advance(31 * MIN);
      assert(r.fw.context.indicator.isGlowing, 'glowing when due');
      r.hw.advance(10 * MIN);
      assert(r.messages.some((m) => m.type === 'REMINDER_CHIME'), 'chimed');
      r.hw.setLid(1);
      r.hw.advance(200);
      assert(!r.fw.context.indicator.isGlowing, 'glow stopped');
      r.hw.setLid(0);
      r.hw.advance(120 * MIN);
      eq(r.ofKind(EventKind.DoseMissed).length, 0, 'no missed dose');
    },
  ],
  [
    'reminders: missed dose when the window closes',
    () => {
      const r = rig(new FakeHardware({ rtcSet: true }), HardwareResetReason.PowerOn, [390]);
      r.hw.advance(120 * MIN);
      eq(r.ofKind(EventKind.ReminderDue).map((e) => e.args[0]), [0], 'due');
      eq(r.ofKind(EventKind.DoseMissed).map((e) => e.args[0]), [0], 'missed');
    },
  ],
  [
    'reminders: nothing without wall time',
    () => {
      const r = rig(new FakeHardware(), HardwareResetReason.PowerOn, [390]);
      r.hw.advance(26 * 60 * MIN);
      eq(r.ofKind(EventKind.ReminderDue).length + r.ofKind(EventKind.DoseMissed).length, 0, 'reminder events');
    },
  ],
  [
    'time: rejects pre-build time, records TimeSet',
    () => {
      const r = rig(new FakeHardware(), HardwareResetReason.PowerOn);
      const t = r.fw.context.time;
      eq(t.setWall(1000, TimeSource.Nitz).accepted, false, 'pre-build accepted');
      eq(t.setWall(1780000000, TimeSource.Nitz).accepted, true, 'valid accepted');
      eq(r.ofKind(EventKind.TimeSet).map((e) => e.args), [[1780000000, 1, 0]], 'TimeSet');
    },
  ],
  [
    'flash: power cuts lose at most the record being written',
    () => {
      const rnd = createRandom(2024);
      for (let trial = 0; trial < 40; trial++) {
        const flash = new FakeFlash(5, 4096, 4);
        let log = new EventLog(flash);
        log.recover();
        const committed: number[] = [];
        flash.budget = Math.floor(rnd() * 30000);
        try {
          for (let i = 0; i < 3000; i++) {
            committed.push(log.append({ kind: EventKind.LidOpened, boot: 1, uptimeS: i, args: [5] }));
            if (i % 50 === 49) log.consumeThrough(committed[committed.length - 1] - 20);
          }
        } catch (error) {
          if (!(error instanceof FakePowerCut)) throw error;
        }
        flash.budget = undefined;
        log = new EventLog(flash);
        const report = log.recover();
        const present = log.pending(100000).map((e) => e.seq);
        for (let i = 0; i < committed.length; i++) {
          if (committed[i] > report.ackSeq) assert(present.indexOf(committed[i]) >= 0, `seq ${committed[i]} lost in trial ${trial}`);
        }
        assert(present.length - committed.filter((s) => s > report.ackSeq).length <= 1, 'at most one extra (the in-flight record)');
        eq(flash.bitsNotSet, 0, 'NOR violations');
      }
    },
  ],
  [
    'flash: overflow drops diagnostics first and counts drops',
    () => {
      const flash = new FakeFlash(5, 4096, 4);
      const log = new EventLog(flash);
      log.recover();
      let i = 0;
      while (log.droppedTotal === 0) {
        log.append(i % 2 === 0 ? { kind: EventKind.LidOpened, boot: 1, uptimeS: i, args: [5] } : { kind: EventKind.LidLeftOpen, boot: 1, uptimeS: i, args: [600] });
        i++;
      }
      const pending = log.pending(100000);
      eq(pending.filter((e) => e.kind === EventKind.LidOpened).length, Math.ceil(i / 2), 'therapy kept');
      eq(log.nextSeq - 1 - pending.length, log.droppedTotal, 'every missing seq is counted');
      assert(pending.some((e) => e.kind === EventKind.Overflow), 'Overflow event recorded');
    },
  ],
  [
    'flash: consume on confirm survives a reboot',
    () => {
      const hw = new FakeHardware();
      const a = rig(hw, HardwareResetReason.PowerOn);
      press(a.hw, 100);
      a.hw.advance(1000);
      const last = a.events()[a.events().length - 1].seq;
      a.fw.context.bus.publish({ type: 'EVENTS_ACKED', ackSeq: last });
      const b = rig(hw, HardwareResetReason.PowerOn);
      eq(b.events().map((e) => e.seq), [last + 1], 'only the new Boot event is pending');
    },
  ],
  [
    'codec: an event batch from the log round-trips',
    () => {
      const r = rig(new FakeHardware({ rtcSet: true }), HardwareResetReason.PowerOn);
      press(r.hw, 100);
      r.hw.advance(1000);
      r.hw.setLid(1);
      r.hw.advance(5000);
      r.hw.setLid(0);
      r.hw.advance(100);
      const events = r.events();
      const batch: EventBatch = {
        kind: MessageKind.EventBatch,
        serial: r.fw.context.serial,
        logTailSeq: events[0].seq,
        droppedTotal: 0,
        anchors: r.fw.context.time.anchorsFor(events),
        events: events.map((e) => ({ seq: e.seq, boot: e.boot, uptimeS: e.uptimeS, kind: e.kind, args: e.args })),
      };
      const decoded = decodeUplinkDevice(encodeUplink(batch)) as EventBatch;
      eq(decoded.events, batch.events, 'events');
      eq(decoded.anchors, batch.anchors, 'anchors');
    },
  ],
  [
    // Decoding drops a field the codec cannot name and encoding then leaves it out, so a round trip to the
    // same bytes shows every field survived: in the built bundle too, whose build shortens the field names.
    'codec: golden messages decode and encode back to the same bytes',
    () => {
      for (const v of [heartbeatVector, helloVector, eventBatchVector, commandResultVector, ackVector, configVector, commandVector]) {
        const bytes = hexToBytes(v.hex);
        const again = v.direction === 'uplink' ? encodeUplink(decodeUplinkDevice(bytes)) : encodeDownlink(decodeDownlink(bytes));
        eq(bytesToHex(again), v.hex, v.name);
      }
    },
  ],
  [
    'codec: downlink ack decodes and malformed bytes are a typed error',
    () => {
      const bytes = encodeDownlink({ kind: MessageKind.Ack, serial: 'PC-SELFTEST', ackSeq: 42 });
      const ack = decodeDownlink(bytes);
      eq(ack.kind === MessageKind.Ack ? ack.ackSeq : -1, 42, 'ackSeq');
      let code = '';
      try {
        decodeDownlink(new Uint8Array([0xff, 0x00]));
      } catch (error) {
        code = (error as { code?: string }).code || 'untyped';
      }
      assert(code !== '' && code !== 'untyped', `typed error, got "${code}"`);
    },
  ],
  [
    'console: ident and provision',
    () => {
      const hw = new FakeHardware();
      rig(hw, HardwareResetReason.PowerOn);
      const ident = JSON.parse(hw.sendConsole('ident') as string);
      eq([ident.ok, ident.serial, ident.bootCount], [true, 'PC-SELFTEST', 1], 'ident');
      eq(JSON.parse(hw.sendConsole('provision serial=PC-0042') as string), { ok: true, serial: 'PC-0042' }, 'provision');
      rig(hw, HardwareResetReason.PowerOn);
      eq(JSON.parse(hw.sendConsole('ident') as string).serial, 'PC-0042', 'serial after reboot');
      eq(JSON.parse(hw.sendConsole('nonsense') as string).error, 'unknown_command', 'unknown command');
    },
  ],
];

export function runSelfTest(print: (line: string) => void): SelfTestResult {
  let passed = 0;
  let failed = 0;
  for (let i = 0; i < CHECKS.length; i++) {
    const name = CHECKS[i][0];
    try {
      CHECKS[i][1]();
      passed++;
      print(`ok ${i + 1} - ${name}`);
    } catch (error) {
      failed++;
      print(`not ok ${i + 1} - ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  print(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}
