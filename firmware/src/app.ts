/**
 * App wiring: builds the FirmwareContext and starts the modules.
 *
 * Boot sequence (start()):
 *   1. recover the event log by scanning flash (the seq, ack, drop and boot counters come back with it)
 *   2. load identity (serial) and the last config from their flash stores
 *   3. increment and persist the boot counter
 *   4. merge the hardware reset reason with the reason stored in retained RAM before an intentional reset,
 *      count unexpected resets, record a Boot event [resetReason]
 *   5. start the modules (indicator, lid, button, reminders), the console line if a console is given, the
 *      watchdog, the battery monitor, then connectivity (F2) if one is given; publish BOOTED
 *
 * The core handles EVENTS_ACKED (consume on confirm) and CONFIG_RECEIVED (validate, persist, apply).
 * COMMAND_RECEIVED is left to connectivity, which answers the cloud and may call ctx.reboot(UserReset).
 */
import { EventKind } from '../../protocol/src/messages.ts';
import type { DeviceConfig } from '../../protocol/src/messages.ts';
import type { Ports } from './ports/ports.ts';
import { Bus } from './bus.ts';
import type { AppMessage } from './app-messages.ts';
import type { DiagnosticCounters, FirmwareContext } from './context.ts';
import { EventLog } from './log/event-log.ts';
import type { RecoveryReport } from './log/event-log.ts';
import { TimeKeeper } from './time/time-keeper.ts';
import type { TimeStamp } from './time/time-keeper.ts';
import { Watchdog } from './boot/watchdog.ts';
import { RETAINED_MAGIC, RetainedSlot } from './boot/retained.ts';
import { ResetReason, isUnexpected, mergeResetReason } from './boot/reset-reason.ts';
import { Indicator } from './indicator.ts';
import { BlobStore } from './storage/blob-store.ts';
import { CONFIG_FIRST_BLOCK, IDENTITY_FIRST_BLOCK, flashPlan } from './flash-layout.ts';
import { DEFAULT_CONFIG, configProblem, loadStoredConfig, mergeConfig, storeConfig } from './config.ts';
import { Lid } from './modules/lid.ts';
import { Button } from './modules/button.ts';
import { Reminders } from './modules/reminders.ts';
import { createRandom, hashString } from './random.ts';

export interface Connectivity {
  start(): void;
}

export interface FirmwareOptions {
  serial: string;
  config?: Partial<DeviceConfig>;
  /** F2's createConnectivity (firmware/src/uplink/connectivity.ts); omit to run without a modem. */
  connectivity?: (ctx: FirmwareContext) => Connectivity;
  /**
   * Starts the console line (ports.console): `startFactoryConsole` (console/factory-console.ts) where the
   * console is bundled with the firmware (simulator, self-test, tests); the Moddable image passes the loader of
   * the factory mod instead (ports/moddable/factory-mod.ts), which holds the console. Omitted: lines are ignored.
   * `factoryMode`: see `unprovisionedIsFactory`.
   */
  console?: (ctx: FirmwareContext, factoryMode: boolean) => void;
  /**
   * A boot with no provisioned serial is factory mode (the device): connectivity is not started, so the
   * station's modem checks own the modem; after `provision` and `ship` the next boot runs connectivity. The
   * simulator's caps run unprovisioned with connectivity, so this is off unless set.
   */
  unprovisionedIsFactory?: boolean;
}

export interface Firmware {
  start(): void;
  context: FirmwareContext;
  /** The modules, for tests and the self-test bundle. */
  modules: { lid: Lid; button: Button; reminders: Reminders };
  /** Set by start(). */
  recovery?: RecoveryReport;
}

export const LOW_BATTERY_MV = 3500;
const LOW_BATTERY_CLEAR_MV = 3600;
const BATTERY_CHECK_MS = 3600000;
/**
 * The diagnostics that are counters, at zero (takeCounters resets them); bootCount and lastResetReason are
 * gauges. Named in a literal, not in a list of strings, so the build may shorten the names (WIRE_PROPS).
 */
const zeroCounters = () => ({ lidOpenCount: 0, lidBounceCount: 0, buttonPresses: 0, watchdogNearMiss: 0, unexpectedReboots: 0, remindersDue: 0, dosesMissed: 0 });

export function createFirmware(ports: Ports, options: FirmwareOptions): Firmware {
  const flash = ports.flash;
  const plan = flashPlan(flash.blockCount);
  const log = new EventLog(flash, { firstBlock: plan.logFirstBlock, blockCount: plan.logBlocks });
  const identityStore = new BlobStore(flash, IDENTITY_FIRST_BLOCK);
  const configStore = new BlobStore(flash, CONFIG_FIRST_BLOCK);
  const bus = new Bus<AppMessage>();
  const time = new TimeKeeper(ports.clock, ports.power, ports.build.buildUnixS, log);
  const watchdog = new Watchdog(ports.power, ports.timers, ports.clock);
  const indicator = new Indicator(ports);
  const diagnostics: DiagnosticCounters = { ...zeroCounters(), bootCount: 0, lastResetReason: 0 };
  const ctx: FirmwareContext = {
    ports,
    bus,
    log,
    time,
    config: mergeConfig(DEFAULT_CONFIG, options.config),
    serial: options.serial,
    provisioned: false,
    random: createRandom(hashString(options.serial, 0)),
    diagnostics,
    resetReason: ResetReason.Unknown,
    watchdog,
    indicator,
    record(kind: EventKind, args: number[], at?: TimeStamp): number {
      const stamp = at || time.now();
      const seq = log.append({ kind, boot: stamp.boot, uptimeS: stamp.uptimeS, unixS: stamp.unixS, timeSource: stamp.timeSource, args });
      bus.publish({ type: 'EVENT_RECORDED', seq, kind });
      return seq;
    },
    takeCounters(): DiagnosticCounters {
      diagnostics.watchdogNearMiss = watchdog.nearMisses;
      const copy: DiagnosticCounters = { ...diagnostics };
      Object.assign(diagnostics, zeroCounters());
      watchdog.nearMisses = 0;
      ports.power.setRetained(RetainedSlot.CrashCount, 0);
      return copy;
    },
    reboot(reason: number): void {
      ports.power.setRetained(RetainedSlot.Magic, RETAINED_MAGIC);
      ports.power.setRetained(RetainedSlot.ResetIntent, reason);
      bus.publish({ type: 'REBOOT_PENDING', reason });
      ports.log(`reboot reason=0x${reason.toString(16)}`);
      ports.power.reset();
    },
    enterShipping(): void {
      ports.power.setRetained(RetainedSlot.Magic, RETAINED_MAGIC);
      ports.power.setRetained(RetainedSlot.ResetIntent, ResetReason.UserShutdown);
      watchdog.stop();
      indicator.setGlow(false);
      ports.power.powerOff();
    },
    provision(serial: string): void {
      identityStore.write(serial);
      ctx.provisioned = true;
      ctx.serial = serial;
    },
  };

  const lid = new Lid(ctx);
  const button = new Button(ctx);
  const reminders = new Reminders(ctx);

  const firmware: Firmware = {
    context: ctx,
    modules: { lid, button, reminders },
    start(): void {
      firmware.recovery = log.recover();
      const storedSerial = identityStore.read();
      if (storedSerial !== undefined && storedSerial !== '') {
        ctx.serial = storedSerial;
        ctx.provisioned = true;
      }
      const storedConfig = loadStoredConfig(configStore);
      if (storedConfig) ctx.config = storedConfig;

      const boot = time.begin();
      ctx.random = createRandom(hashString(ctx.serial, boot));
      const resetReason = determineResetReason(ctx);
      ctx.resetReason = resetReason;
      diagnostics.bootCount = boot;
      diagnostics.lastResetReason = resetReason;
      ctx.record(EventKind.Boot, [resetReason]);

      time.onSet = (unixS, source, _correctionS, seq) => {
        if (seq > 0) bus.publish({ type: 'EVENT_RECORDED', seq, kind: EventKind.TimeSet });
        bus.publish({ type: 'TIME_SYNCED', unixS, source });
      };
      bus.subscribe((m) => {
        if (m.type === 'EVENTS_ACKED') log.consumeThrough(m.ackSeq);
        else if (m.type === 'CONFIG_RECEIVED') applyConfig(ctx, configStore, m.config);
      });

      lid.start();
      button.start();
      reminders.start();
      const factoryMode = !ctx.provisioned && options.unprovisionedIsFactory === true;
      if (options.console) options.console(ctx, factoryMode);
      watchdog.onStarved = (taskId, name) => {
        ports.power.setRetained(RetainedSlot.WatchdogTask, taskId);
        ports.log(`software watchdog: task ${name} starved`);
        ctx.reboot(ResetReason.SoftwareWatchdog);
      };
      watchdog.start();
      startBatteryMonitor(ctx);
      if (options.connectivity && !factoryMode) options.connectivity(ctx).start();
      bus.publish({ type: 'BOOTED', boot, resetReason });
    },
  };
  return firmware;
}

function determineResetReason(ctx: FirmwareContext): number {
  const power = ctx.ports.power;
  let stored = 0;
  if (power.getRetained(RetainedSlot.Magic) === RETAINED_MAGIC) {
    stored = power.getRetained(RetainedSlot.ResetIntent);
  } else {
    // power was lost (or first boot): retained RAM is meaningless, start it clean
    for (let i = 1; i < 16; i++) power.setRetained(i, 0);
    power.setRetained(RetainedSlot.Magic, RETAINED_MAGIC);
  }
  power.setRetained(RetainedSlot.ResetIntent, 0);
  const reason = mergeResetReason(power.hardwareResetReason(), stored);
  let crashes = power.getRetained(RetainedSlot.CrashCount);
  if (isUnexpected(reason)) {
    crashes++;
    power.setRetained(RetainedSlot.CrashCount, crashes);
  }
  ctx.diagnostics.unexpectedReboots = crashes;
  return reason;
}

function applyConfig(ctx: FirmwareContext, store: BlobStore, received: DeviceConfig): void {
  const next = mergeConfig(DEFAULT_CONFIG, received);
  const problem = configProblem(next);
  if (problem !== undefined) {
    ctx.ports.log(`config rejected: ${problem}`);
    ctx.bus.publish({ type: 'CONFIG_REJECTED', field: problem });
    return;
  }
  // A retained Config arrives again in every session: writing it again would wear the config blocks and
  // restart the reminders for nothing.
  if (sameConfig(ctx.config, next)) return;
  storeConfig(store, next);
  ctx.config = next;
  ctx.bus.publish({ type: 'CONFIG_APPLIED', config: next });
}

function sameConfig(a: DeviceConfig, b: DeviceConfig): boolean {
  const keys = Object.keys(b) as (keyof DeviceConfig)[];
  if (Object.keys(a).length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const x = a[keys[i]];
    const y = b[keys[i]];
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) return false;
      for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
    } else if (x !== y) return false;
  }
  return true;
}

function startBatteryMonitor(ctx: FirmwareContext): void {
  let warned = false;
  const check = (): void => {
    const mv = ctx.ports.power.batteryMv();
    if (!warned && mv < LOW_BATTERY_MV && !ctx.ports.power.charging()) {
      warned = true;
      ctx.record(EventKind.LowBattery, [mv]);
    } else if (warned && mv >= LOW_BATTERY_CLEAR_MV) {
      warned = false;
    }
  };
  check();
  ctx.ports.timers.setInterval(check, BATTERY_CHECK_MS);
}
