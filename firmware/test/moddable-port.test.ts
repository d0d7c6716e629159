import { afterEach, describe, expect, it } from 'vitest';
import { createModdablePorts } from '../ports/moddable/ports-moddable.ts';
import type { ModdableHost } from '../ports/moddable/ports-moddable.ts';
import { HardwareResetReason } from '../src/ports/ports.ts';
import { BOARD } from '../ports/moddable/board.ts';

/* Minimal stand-ins for Moddable's ECMA-419 IO classes and host modules, to check the adapters' wiring. */
interface DigitalOptions {
  pin: number;
  mode: number;
  edge?: number;
  onReadable?: (this: FakeDigital) => void;
}
class FakeDigital {
  static Input = 0;
  static Output = 8;
  static Rising = 1;
  static Falling = 2;
  static all: FakeDigital[] = [];
  level = 0;
  constructor(readonly options: DigitalOptions) {
    FakeDigital.all.push(this);
  }
  read(): number {
    return this.level;
  }
  write(v: number): void {
    this.level = v;
  }
  fire(level: number): void {
    this.level = level;
    this.options.onReadable?.call(this);
  }
}
class FakeSerial {
  static all: FakeSerial[] = [];
  written: Uint8Array[] = [];
  inbox: ArrayBuffer | undefined;
  constructor(readonly options: { port?: number; onReadable?: (this: FakeSerial) => void }) {
    FakeSerial.all.push(this);
  }
  read(): ArrayBuffer | undefined {
    const b = this.inbox;
    this.inbox = undefined;
    return b;
  }
  write(b: ArrayBuffer): void {
    this.written.push(new Uint8Array(b));
  }
  receive(text: string): void {
    this.inbox = new Uint8Array([...text].map((c) => c.charCodeAt(0))).buffer;
    this.options.onReadable?.call(this);
  }
}
class FakeFlashModule {
  static bytes = new Uint8Array(8 * 4096).fill(0xff);
  constructor(readonly name: string) {}
  get blockSize(): number {
    return 4096;
  }
  get byteLength(): number {
    return FakeFlashModule.bytes.length;
  }
  read(offset: number, length: number): ArrayBuffer {
    return FakeFlashModule.bytes.slice(offset, offset + length).buffer;
  }
  write(offset: number, length: number, buffer: ArrayBuffer): void {
    const src = new Uint8Array(buffer);
    for (let i = 0; i < length; i++) FakeFlashModule.bytes[offset + i] &= src[i];
  }
  erase(sector: number): void {
    FakeFlashModule.bytes.fill(0xff, sector * 4096, (sector + 1) * 4096);
  }
}

const g = globalThis as unknown as { device?: unknown };
afterEach(() => {
  delete g.device;
  FakeDigital.all = [];
  FakeSerial.all = [];
});

function host(resetReason: string): ModdableHost {
  const retained: number[] = new Array(32).fill(0);
  return {
    Timer: { set: () => 1, repeat: () => 2, clear: () => undefined },
    Time: { ticks: 1234, set: () => undefined },
    Flash: FakeFlashModule,
    Sleep: {
      resetReason,
      getRetainedValue: (i: number) => retained[i],
      setRetainedValue: (i: number, v: number) => {
        retained[i] = v;
      },
      deep: () => undefined,
      wakeOnDigital: () => undefined,
    },
    ResetReason: { RESETPIN: 'RESETPIN', DOG: 'DOG', SREQ: 'SREQ', LOCKUP: 'LOCKUP', GPIO: 'GPIO', LPCOMP: 'LPCOMP', NFC: 'NFC', DIF: 'DIF' },
  };
}

describe('Moddable port adapters', () => {
  it('maps ECMA-419 digital inputs, flash, console lines and reset reasons onto the ports', () => {
    g.device = { io: { Digital: FakeDigital, Serial: FakeSerial } };
    const ports = createModdablePorts(host('DOG'), { version: '1', imageHash: 'ab', buildUnixS: 0 });
    expect(ports.power.hardwareResetReason()).toBe(HardwareResetReason.Watchdog);
    expect(createModdablePorts(host('GPIO'), { version: '1', imageHash: 'ab', buildUnixS: 0 }).power.hardwareResetReason()).toBe(HardwareResetReason.WakeFromOff);

    const edges: number[] = [];
    ports.lid.onEdge((level) => edges.push(level));
    const lidPin = FakeDigital.all.find((d) => d.options.pin === BOARD.lidPin)!;
    lidPin.fire(1);
    lidPin.fire(0);
    expect(edges).toEqual([1, 0]);

    expect(ports.flash.blockSize).toBe(4096);
    expect(ports.flash.blockCount).toBe(8);
    ports.flash.write(4096, new Uint8Array([1, 2, 3, 4]));
    expect(Array.from(ports.flash.read(4096, 6))).toEqual([1, 2, 3, 4, 255, 255]);
    ports.flash.eraseBlock(1);
    expect(Array.from(ports.flash.read(4096, 2))).toEqual([255, 255]);

    const lines: string[] = [];
    ports.console.onLine((l) => lines.push(l));
    const consoleSerial = FakeSerial.all.find((s) => s.options.port === BOARD.consolePort)!;
    consoleSerial.receive('ide');
    consoleSerial.receive('nt\r\nlid?\n');
    expect(lines).toEqual(['ident', 'lid?']);
    ports.console.writeLine('{"ok":true}');
    expect(String.fromCharCode(...consoleSerial.written[0])).toBe('{"ok":true}\n');

    expect(ports.clock.monotonicMs()).toBe(1234);
    ports.power.setRetained(3, 0xffffffff);
    expect(ports.power.getRetained(3)).toBe(0xffffffff);
  });
});
