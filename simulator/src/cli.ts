/**
 * `pillcap sim`: run simulated caps over virtual days.
 *
 *   pillcap sim --scenario <name|file> [--days N] [--seed S] [--runtime node|quickjs] [--caps N]
 *               [--broker mqtt://host:1883] [--ack-peer] [--no-modem] [--json]
 */
import { ScenarioError, scenarioNames } from './scenario.ts';
import { simulateFleet, type SimulationResult } from './simulate.ts';

const USAGE = `usage: pillcap sim --scenario <name|file> [--days N] [--seed S] [--runtime node|quickjs] [--caps N]
                  [--broker mqtt://host:port] [--ack-peer] [--no-modem] [--json]

  --scenario   a named scenario (${scenarioNames().join(', ')}) or a JSON file
  --days       virtual days to run (default: the scenario's)
  --seed       seed for every random choice (default 1); same seed, same run
  --runtime    node (firmware in this process, default) or quickjs (the bundled firmware in QuickJS)
  --caps       number of caps (default 1)
  --broker     use this MQTT broker and assume a cloud listens there (default: embedded broker + ack peer)
  --ack-peer   with --broker: also run the simulator's acknowledging peer
  --no-modem   run without connectivity (nothing is uploaded)
  --json       print exactly one JSON object
`;

class UsageError extends Error {}

interface CliOptions {
  scenario: string;
  days?: number;
  seed: number;
  runtime: 'node' | 'quickjs';
  caps: number;
  broker?: string;
  ackPeer: boolean;
  noModem: boolean;
  json: boolean;
}

function parseArgs(args: string[]): CliOptions | 'help' {
  const out: Partial<CliOptions> = { seed: 1, runtime: 'node', caps: 1, ackPeer: false, noModem: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const integer = (name: string, min: number): number => {
      const text = value();
      const n = Number(text);
      if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, got "${text}"`);
      return n;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--scenario':
        out.scenario = value();
        break;
      case '--days': {
        const text = value();
        const n = Number(text);
        if (!Number.isFinite(n) || n <= 0 || n > 3650) throw new UsageError(`--days must be a number in (0, 3650], got "${text}"`);
        out.days = n;
        break;
      }
      case '--seed':
        out.seed = integer('--seed', 0);
        break;
      case '--runtime': {
        const v = value();
        if (v !== 'node' && v !== 'quickjs') throw new UsageError(`--runtime must be node or quickjs, got "${v}"`);
        out.runtime = v;
        break;
      }
      case '--caps':
        out.caps = integer('--caps', 1);
        break;
      case '--broker': {
        const v = value();
        if (!/^(mqtts?|wss?|tcp):\/\//.test(v)) throw new UsageError(`--broker must be a URL like mqtt://127.0.0.1:1883, got "${v}"`);
        out.broker = v;
        break;
      }
      case '--ack-peer':
        out.ackPeer = true;
        break;
      case '--no-modem':
        out.noModem = true;
        break;
      case '--json':
        out.json = true;
        break;
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  if (!out.scenario) throw new UsageError('--scenario is required');
  if (out.ackPeer && !out.broker) throw new UsageError('--ack-peer only makes sense with --broker (the embedded broker always has the peer)');
  return out as CliOptions;
}

function humanSummary(result: SimulationResult): string {
  const t = result.totals;
  const lines = [
    `pillcap sim: scenario ${result.scenario}, ${result.days} days, ${result.caps.length} cap(s), seed ${result.seed}, runtime ${result.runtime}`,
    `  connectivity   ${result.connectivity ? `on, broker ${result.broker}` : 'off (no modem)'}`,
    `  events         ${t.recorded} recorded, ${t.uploaded} uploaded, ${t.acknowledged} acknowledged, ${t.pending} pending, ${t.dropped} dropped, ${t.lost} lost`,
    `  flash          ${t.flashBytesUsed} of ${t.flashCapacityBytes} log bytes used`,
    `  radio          ${t.bytesSent} payload bytes sent, ${t.atCommands} AT commands, ${t.radioOnSeconds} s radio on, ${t.chargeMah} mAh`,
    `  device         ${t.boots} boots, ${t.powerCuts} power cuts (${t.powerCutsDuringFlashOp} during a flash operation), ${t.resets} resets (${t.watchdogResets} watchdog), ${t.crashes} crashes`,
  ];
  if (result.caps.length === 1) {
    const cap = result.caps[0];
    const p = cap.patient;
    lines.push(`  patient        ${p.dosesTaken}/${p.dosesScheduled} doses taken, ${p.openings} lid openings, ${p.presses} button reports`);
    lines.push(`  in flash       ${Object.entries(cap.eventsByKind).map(([k, n]) => `${k} ${n}`).join(', ') || '(empty)'}`);
    lines.push(`  battery        ${cap.batteryMv} mV`);
    lines.push(`  fingerprints   flash sha256 ${cap.flashSha256.slice(0, 16)}, uart ${cap.uartTxHash}`);
    for (const crash of cap.crashLog.slice(0, 3)) lines.push(`  crash          ${crash.split('\n')[0]}`);
  }
  // The heap is only measured when asked (sampleMemory, as bench/firmware does); an unmeasured run has no figure.
  if (result.quickjsHeap && result.quickjsHeap.samples > 0) lines.push(`  quickjs heap   peak ${result.quickjsHeap.peakAboveBaselineBytes} bytes above an empty context`);
  lines.push(`  speed          ${result.wallSeconds} s wall, ${result.capDaysPerSecond} cap-days/s`);
  return lines.join('\n') + '\n';
}

function divertConsole(): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  const toStderr = (...parts: unknown[]): void => void process.stderr.write(`${parts.map(String).join(' ')}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  return () => Object.assign(console, saved);
}

export async function run(args: string[]): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`pillcap sim: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  // With --json stdout carries exactly one JSON object: stray console output from any module goes to stderr.
  const restoreConsole = options.json ? divertConsole() : () => undefined;
  try {
    const result = await simulateFleet({
      scenario: options.scenario,
      days: options.days,
      seed: options.seed,
      runtime: options.runtime,
      caps: options.caps,
      broker: options.broker,
      ackPeer: options.broker ? options.ackPeer : undefined,
      connectivity: options.noModem ? false : undefined,
      onProgress: options.json || !process.stderr.isTTY ? undefined : (p) => process.stderr.write(`\r  day ${Math.ceil(p.day)}/${p.days}`),
    });
    if (!options.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    restoreConsole();
    if (options.json) {
      const { caps, totals, ...rest } = result;
      process.stdout.write(`${JSON.stringify({ ...rest, ...totals, caps })}\n`);
    } else process.stdout.write(humanSummary(result));
    return result.totals.crashes > 0 ? 1 : 0;
  } catch (error) {
    restoreConsole();
    if (error instanceof ScenarioError) {
      process.stderr.write(`pillcap sim: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`pillcap sim: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await run(process.argv.slice(2));
