/**
 * Builds the firmware bundles with esbuild:
 *   firmware/dist/pillcap-moddable.js   the device bundle (firmware + Moddable port, no imports; loaded by
 *                                       firmware/ports/moddable/main.js, see the manifest there)
 *   firmware/dist/pillcap-factory-mod.js  the factory mod (modem console for the manufacturing station), a
 *                                       Moddable mod installed next to the image on the line only
 *   firmware/dist/pillcap-selftest.js   standalone self-test (no imports), last line `N passed, N failed`
 * All target ES2022 (class fields stay native instead of a helper call per field), which Moddable XS and
 * QuickJS run. Each is written minified (esbuild, then the @swc/core minifier: `minifyBundle`), so the size
 * the build reports is the size of the file it writes; hardware-tests and the self-test tests run these files.
 *
 * Size (issue 3: device bundle at most 64 KiB minified): a member named with a trailing underscore is private
 * to its class or module by convention (`private gen_`, fields of a non-exported interface), so the build
 * shortens those names (esbuild `mangleProps`), and also the listed INTERNAL_PROPS (port methods and context
 * members whose users and implementations are all bundled) and WIRE_PROPS (wire and config fields); nothing
 * outside the bundle (host objects, console JSON) ever sees such a name: messages and the stored config carry
 * integer keys. firmware/test/mangle-convention.test.ts guards it.
 * The factory mod is built with the device bundle's mangle cache, so the objects the image hands it (the
 * context, the console) have the same short names on both sides; it carries the image hash it was built for.
 *
 * The image hash is the first 16 bytes of SHA-256 over the (minified) bundle built with a zero placeholder, so it
 * identifies the code, not the hash itself; the build time is SOURCE_DATE_EPOCH when set (reproducible
 * builds), else now.
 */
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { minify as swcMinify } from '@swc/core';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const FIRMWARE_DIR = join(here, '..');
export const DIST_DIR = join(FIRMWARE_DIR, 'dist');
export const MODDABLE_BUNDLE = join(DIST_DIR, 'pillcap-moddable.js');
export const FACTORY_MOD_BUNDLE = join(DIST_DIR, 'pillcap-factory-mod.js');
export const SELFTEST_BUNDLE = join(DIST_DIR, 'pillcap-selftest.js');
export const FIRMWARE_TARGET = 'es2022';
/** The trailing-underscore convention for class/module-private members. */
export const PRIVATE_PROPS = /^[A-Za-z][A-Za-z0-9]*_$/;
/**
 * Public members that still never leave a firmware bundle, because both their users and their implementations
 * are inside it: port methods (the Moddable port, and the self-test's fake ports, are bundled), the firmware
 * context, the bus, the AT command descriptors and their arguments. None is a console reply key, a member
 * of a host object or a member of an ECMAScript built-in or host global (mangle-convention.test.ts checks
 * all three): `console`, `setTimeout`, `setInterval` and `random` stay long, because the build would shorten
 * `globalThis.console` and `Math.random` as well.
 */
export const INTERNAL_PROPS = [
  // ports (firmware/src/ports/ports.ts)
  'monotonicMs', 'wallMs', 'setWallMs', 'setRetained', 'getRetained', 'hardwareResetReason', 'startWatchdog', 'feedWatchdog',
  'powerOff', 'setDataTerminalReady', 'pulsePowerKey', 'setSupply', 'modemPower', 'onLine', 'writeLine', 'onEdge',
  'eraseBlock', 'writeAlign', 'timers', 'ports', 'build',
  // firmware context, bus, watchdog, time keeper, indicator, console
  'diagnostics', 'watchdog', 'record', 'reboot', 'takeCounters', 'enterShipping', 'publish', 'subscribe', 'consumeThrough',
  'nearMisses', 'onStarved', 'onSet', 'setGlow', 'anchorsFor', 'addCommand',
  // modem: AT command descriptors and engine, MQTT command arguments, supervisor
  'timeoutMs', 'prefixes', 'bareLines', 'lengthInUrc', 'onUrc', 'abortAll', 'client', 'evaluate', 'supervisor',
  'consecutiveTimeouts', 'retransmissions', 'registrationTimeoutMs', 'registrationPollMs', 'readyTimeoutMs', 'psmEntryTimeoutMs',
  'silentTimeouts', 'timeResyncS', 'onStateChange',
  // uplink: session and policy options, session results
  'backoffHint', 'morePending', 'configWaitMs', 'ackTimeoutMs', 'emptyAckWaitMs', 'maxBatchEvents', 'maxBatchBytes',
  'maxReconnects', 'maxBatches', 'heartbeatSent', 'helloSent', 'heartbeatDelivered', 'failures',
  // app options, time keeper, flash plan
  'factoryCommands', 'connectivity', 'lastWallSyncMonoMs', 'lastCorrectionS', 'logFirstBlock', 'scratchBlock', 'firstBlock',
  // supervisor counters and modem identity (the heartbeat and the Hello copy their fields), the power port, AT
  // descriptor prefixes, MQTT command arguments and downlinks, the context's config (stored as its fields)
  'counters', 'identity', 'power', 'prefix', 'msgId', 'setting', 'pdpCtx', 'sslCtx', 'config', 'topic', 'payload',
  // counters and reports only tests and tools read (not heartbeat metrics): AT engine, supervisor, uplink,
  // event log recovery
  'unknownLines', 'droppedBytes', 'bytesWritten', 'timeouts', 'errors', 'powerCycles', 'reattaches', 'malformedSkipped',
  'pendingRecords', 'corruptRecords', 'lastSeq', 'validBlocks', 'garbageBlocks', 'resumedCompaction',
  // context and port members, connectivity's parts
  'bus', 'engine', 'policy', 'unixMs',
  // bus message and event fields, PSM timers, results and options of firmware-internal calls
  'type', 'args', 'tauS', 'activeS', 'enabled', 'accepted', 'grantedQos', 'again', 'running', 'oldest', 'pktTimeoutS',
  'keepaliveS', 'statics', 'clientId', 'damaged', 'handler', 'err', 'tzQuarterHours', 'psmGranted', 'patternsPlayed',
  // methods and options of bundled classes (event log, time keeper, AT engine, upload session and policy)
  'pending', 'recover', 'append', 'recordSize', 'setWall', 'run', 'linkLost', 'handleLine', 'sessionStarted', 'sessionDone',
  'remindersDue', 'dosesMissed', // the firmware's diagnostics counters that are not heartbeat metrics
  'nextStartMs', 'budgetMs', 'backoffBaseS', 'backoffCapS', 'bootDelayS', 'maxLineBytes', 'maxRecvBytes', 'logBlocks',
];
/**
 * Wire and config fields: the wire carries integer keys (the codec's key tables are bundled and shortened with
 * every access to them) and the config is stored by ConfigKey (config.ts), so these names never leave a
 * bundle. Left out: the header fields; wire fields that are console reply keys or members of what a reply
 * carries (`ident`: imageHash, bootCount, resetReason; `log stats`: ackSeq, droppedTotal; `time`'s anchor:
 * boot, uptimeS, unixS, source; anchor, passed, steps; the modem console's imei, iccid, operator, detail);
 * `code` (a host member); and names bundled code spells as strings: the diagnostics counters (app.ts resets
 * them by name), ceLevel (the supervisor's sample table), events and anchors (self-test labels).
 */
export const WIRE_PROPS = [
  // Ack, Command, CommandResult, EventBatch, Hello, FactoryReport
  'serverUnixS', 'configVersion', 'commandId', 'status', 'logTailSeq', 'pendingAfter', 'appFirmware', 'modemFirmware',
  'hwRevision', 'stationId',
  // Config (DeviceConfig)
  'reminderMinutes', 'utcOffsetMin', 'nextOffsetChangeUnixS', 'nextOffsetMin', 'reminderGraceMin', 'reminderWindowMin',
  'quietStartMin', 'quietEndMin', 'heartbeatIntervalS', 'uploadCoalesceS', 'lidDebounceMs', 'lidLeftOpenS',
  // heartbeat metrics (also the supervisor and uplink counters they are taken from)
  'intervalS', 'batteryMv', 'batteryPct', 'temperatureDeciC', 'rsrpDbm', 'rsrqDeciDb', 'sinrDeciDb', 'rssiDbm', 'band',
  'cellId', 'tac', 'earfcn', 'lteMode', 'psmTauS', 'psmActiveS', 'timeToConnectMs', 'radioOnMs', 'connectionLosses',
  'attachFailures', 'publishOk', 'publishRetrans', 'publishFail', 'ackTimeouts', 'bytesTx', 'bytesRx', 'mqttStat',
  'mqttOpenFailures', 'mqttConnFailures', 'uploadAttempts', 'queueDepth', 'queueOldestAgeS', 'eventsDroppedTotal',
  'flashBytesUsed', 'lastResetReason', 'timeSource', 'clockCorrectionMs', 'heapFreeMinBytes', 'lidOpenCount',
  'lidBounceCount', 'buttonPresses', 'watchdogNearMiss', 'unexpectedReboots',
];
/** Property names the bundles shorten (esbuild `mangleProps`). */
export const MANGLED_PROPS = new RegExp(`^(?:[A-Za-z][A-Za-z0-9]*_|${[...INTERNAL_PROPS, ...WIRE_PROPS].join('|')})$`);
const HASH_PLACEHOLDER = '0'.repeat(32);

export interface BundleInfo {
  path: string;
  /** the same bundle unminified (readable esbuild output), measured only */
  bytes: number;
  /** the file as written: minified, with its one-line header */
  minifiedBytes: number;
}

export interface FirmwareBuild {
  moddable: BundleInfo & { imageHash: string; version: string; buildUnixS: number };
  factoryMod: BundleInfo;
  selftest: BundleInfo;
}

export async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(FIRMWARE_DIR, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** esbuild options shared by every firmware bundle (device, self-test, Espruino). */
export function baseOptions(entry: string, define: Record<string, string>): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    target: FIRMWARE_TARGET,
    write: false,
    legalComments: 'none',
    charset: 'ascii',
    mangleProps: MANGLED_PROPS,
    define,
    logLevel: 'silent',
  };
}

export async function bundleText(options: BuildOptions): Promise<string> {
  const result = await build(options);
  return result.outputFiles![0].text;
}

type MangleCache = Record<string, string | false>;

/**
 * The second minifier pass over esbuild's minified output: @swc/core's minifier (compress, two passes, and
 * mangling of local names; never property names, so the esbuild mangle cache stays valid). It takes about
 * 4% more off than esbuild alone (docs/firmware.md, size).
 */
export async function minifyBundle(text: string): Promise<string> {
  const result = await swcMinify(text, { ecma: 2022 as never, compress: { passes: 2 }, mangle: true, format: { asciiOnly: true } } as never);
  return result.code;
}

/**
 * Bundles `entry` minified (esbuild with the given mangle cache, then `minifyBundle`): the text the build
 * ships. Returns it with the short names esbuild gave the mangled properties (`mangleCache` in: names to
 * reuse, for a bundle that shares objects with another one).
 */
async function bundle(entry: string, define: Record<string, string>, mangleCache: MangleCache = {}): Promise<{ text: string; mangleCache: MangleCache; readableBytes: number }> {
  const result = await build({ ...baseOptions(entry, define), mangleCache, minify: true });
  // the same bundle unminified, only measured: the "raw" size the bench reports beside the shipped one
  const readable = await bundleText({ ...baseOptions(entry, define), mangleCache });
  return { text: await minifyBundle(result.outputFiles![0].text), mangleCache: result.mangleCache ?? {}, readableBytes: Buffer.byteLength(readable) };
}

/**
 * The build identity compiled into every bundle: package version, build time (SOURCE_DATE_EPOCH when set,
 * for reproducible builds) and, per bundle, its image hash.
 */
export async function buildDefines(): Promise<{ version: string; buildUnixS: number; defines: (imageHash: string) => Record<string, string> }> {
  const version = await packageVersion();
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const buildUnixS = epoch && /^\d+$/.test(epoch) ? Number(epoch) : Math.floor(Date.now() / 1000);
  const defines = (hash: string) => ({
    __PILLCAP_VERSION__: JSON.stringify(version),
    __PILLCAP_IMAGE_HASH__: JSON.stringify(hash),
    __PILLCAP_BUILD_UNIX_S__: String(buildUnixS),
  });
  return { version, buildUnixS, defines };
}

export async function buildFirmware(): Promise<FirmwareBuild> {
  await mkdir(DIST_DIR, { recursive: true });
  const { version, buildUnixS, defines } = await buildDefines();

  // The device bundle ships without the modem/uplink trace lines (firmware/src/trace.ts); the self-test and
  // the simulator's bundle keep them.
  const deviceDefines = (hash: string): Record<string, string> => ({ ...defines(hash), __PILLCAP_TRACE__: 'false' });
  const deviceEntry = join(FIRMWARE_DIR, 'ports', 'moddable', 'entry.ts');
  const draft = await bundle(deviceEntry, deviceDefines(HASH_PLACEHOLDER));
  const imageHash = createHash('sha256').update(draft.text).digest('hex').slice(0, 32);
  const device = await bundle(deviceEntry, deviceDefines(imageHash));
  const header = `/* pillcap firmware ${version} image ${imageHash} (Moddable XS, ES2020) */\n`;
  await writeFile(MODDABLE_BUNDLE, header + device.text);

  const factoryMod = await bundle(join(FIRMWARE_DIR, 'ports', 'moddable', 'factory-mod-entry.ts'), deviceDefines(imageHash), device.mangleCache);
  const modHeader = `/* pillcap factory mod ${version} for image ${imageHash} (Moddable XS mod, install with mcrun on the line) */\n`;
  await writeFile(FACTORY_MOD_BUNDLE, modHeader + factoryMod.text);

  const selftest = await bundle(join(FIRMWARE_DIR, 'src', 'testing', 'selftest-main.ts'), defines(imageHash));
  const selftestHeader = `/* pillcap firmware self-test ${version}: runs in QuickJS, Moddable XS, Node; prints "N passed, N failed" */\n`;
  await writeFile(SELFTEST_BUNDLE, selftestHeader + selftest.text);

  const info = (path: string, head: string, built: { text: string; readableBytes: number }): BundleInfo => ({
    path,
    bytes: built.readableBytes,
    minifiedBytes: Buffer.byteLength(head + built.text),
  });
  return {
    moddable: { ...info(MODDABLE_BUNDLE, header, device), imageHash, version, buildUnixS },
    factoryMod: info(FACTORY_MOD_BUNDLE, modHeader, factoryMod),
    selftest: info(SELFTEST_BUNDLE, selftestHeader, selftest),
  };
}

export function describeBuild(b: FirmwareBuild): string {
  const rel = (p: string): string => relative(process.cwd(), p) || p;
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  return [
    `${rel(b.moddable.path)}  ${kib(b.moddable.minifiedBytes)} minified as written (${kib(b.moddable.bytes)} unminified)  version ${b.moddable.version} image ${b.moddable.imageHash}`,
    `${rel(b.factoryMod.path)}  ${kib(b.factoryMod.minifiedBytes)} minified as written (${kib(b.factoryMod.bytes)} unminified)  factory mod for image ${b.moddable.imageHash}`,
    `${rel(b.selftest.path)}  ${kib(b.selftest.minifiedBytes)} minified as written (${kib(b.selftest.bytes)} unminified)`,
  ].join('\n');
}
