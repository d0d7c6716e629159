/**
 * `pillcap start` (also `npm start`): the whole system in one process on embedded defaults (Aedes broker,
 * PGlite under ./data) or on the endpoints given in the environment, plus, on a fresh database, a demo
 * organisation with one token per role, a clinician and a coordinator who sign in with printed passwords,
 * and a simulated fleet of caps replaying the last 45 days, then living on in real time.
 *
 * Ctrl-C (SIGINT) or SIGTERM: the demo stops (during the replay at the next virtual day boundary, once live
 * within a second) and saves its caps, the ingestor commits and acknowledges what it holds, then everything
 * closes; exit code 0. A second Ctrl-C exits at once (exit code 130). The next start resumes the demo where
 * it stopped and replays the time it was off.
 */
import { appendFile, chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { issueToken } from '../../cloud/src/api/auth/tokens.ts';
import { MACHINE_ROLES } from '../../cloud/src/api/auth/roles.ts';
import { ConfigError } from '../../cloud/src/config/env.ts';
import { ensureOrganisation } from '../../cloud/src/repositories/organisations.ts';
import { countDevicesOfOrganisation } from '../../cloud/src/repositories/devices.ts';
import { DataDirInUseError } from '../../cloud/src/db/data-dir-lock.ts';
import { DEMO_DAYS, DEMO_ORG_NAME, DEMO_ORG_SLUG } from '../demo/demo-fleet.ts';
import { saveDemoCarePlans } from '../demo/demo-care-plans.ts';
import { evaluateDemoClinic } from '../demo/demo-clinical.ts';
import { DEMO_STAFF, createDemoStaff, findDemoStaff, signInLines, type DemoStaff } from '../demo/demo-staff.ts';
import { DemoFiles, type DemoState } from '../demo/demo-state.ts';
import { dayLabel, newDemoState, runDemo, seedDemoFleet, type DemoCaughtUp } from '../demo/run-demo.ts';
import { loadSystemEnv } from '../system/system-config.ts';
import { startSystem, type SystemHandle } from '../system/run-system.ts';

const USAGE = `usage: pillcap start [--no-demo] [--port N] [--caps N] [--days N]

  --no-demo   run the system without the simulated demo fleet
  --port N    HTTP port of the API and dashboard (default: $PORT or 8080; 0 = any free port)
  --caps N    caps in the demo fleet (default 20; only when the demo is created)
  --days N    virtual days the demo replays, ending today (default ${DEMO_DAYS}; only when the demo is created)

Environment (all optional): DATABASE_URL, MQTT_URL (+ MQTT_USERNAME, MQTT_PASSWORD, MQTT_CA_FILE,
MQTT_CERT_FILE, MQTT_KEY_FILE), PORT, HOST, PILLCAP_DATA_DIR, EMBEDDED_MQTT_PORT, LOG_LEVEL. See docs/deploy.md.
`;

function positiveInt(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

const display = (path: string): string => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

/**
 * The demo organisation, created with one token per role and the demo clinician and coordinator (with
 * random passwords) on an empty database; the tokens and sign-ins are printed once and kept in
 * data/demo-tokens.txt (mode 0600).
 */
async function createDemoOrganisation(system: SystemHandle, dataDir: string, out: (line: string) => void): Promise<{ orgId: string; staff: DemoStaff }> {
  const { organisation, created } = await ensureOrganisation(system.db, DEMO_ORG_SLUG, DEMO_ORG_NAME);
  const tokensPath = join(dataDir, 'demo-tokens.txt');
  const dashboard = `${system.apiUrl}/`;
  if (!created) {
    out(`demo organisation  ${organisation.slug} (its tokens and sign-ins were printed when it was created; see ${display(tokensPath)})`);
    const existing = await findDemoStaff(system.db, organisation.id);
    if (existing) return { orgId: organisation.id, staff: existing };
    // An organisation from before the demo had staff: give it its people now.
    const staff = await system.db.transaction((tx) => createDemoStaff(tx, organisation.id));
    const signIns = signInLines(staff, dashboard);
    await mkdir(dataDir, { recursive: true });
    await appendFile(tokensPath, `# demo staff sign-ins (added ${new Date().toISOString()})\n${signIns.join('\n')}\n`, { mode: 0o600 });
    await chmod(tokensPath, 0o600);
    out(`demo staff         created; sign-ins (shown once, also saved to ${display(tokensPath)}):`);
    for (const line of signIns) out(line);
    return { orgId: organisation.id, staff };
  }
  const lines: string[] = [];
  for (const role of MACHINE_ROLES) {
    const issued = await issueToken(system.db, { orgSlug: DEMO_ORG_SLUG, role, label: `demo ${role}` });
    lines.push(`  ${role.padEnd(14)} ${issued.token}`);
  }
  const staff = await system.db.transaction((tx) => createDemoStaff(tx, organisation.id));
  const signIns = signInLines(staff, dashboard);
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    tokensPath,
    `# pillcap demo tokens for organisation ${DEMO_ORG_SLUG} (created ${new Date().toISOString()})\n${lines.join('\n')}\n` +
      `# demo staff sign-ins (email, password) for the dashboard\n${signIns.join('\n')}\n`,
    { mode: 0o600 },
  );
  await chmod(tokensPath, 0o600);
  out(`demo organisation  ${organisation.slug} created; API tokens (shown once, also saved to ${display(tokensPath)}, mode 0600):`);
  for (const line of lines) out(line);
  out(`  use one as:  curl -H "Authorization: Bearer <token>" ${system.apiUrl}/v1/me`);
  out('demo staff         sign in to the dashboard as (shown once, also in the same file):');
  for (const line of signIns) out(line);
  return { orgId: organisation.id, staff };
}

export async function run(args: string[]): Promise<number> {
  let flags: { 'no-demo'?: boolean; port?: string; caps?: string; days?: string; help?: boolean };
  try {
    flags = parseArgs({
      args,
      options: { 'no-demo': { type: 'boolean' }, port: { type: 'string' }, caps: { type: 'string' }, days: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`pillcap start: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);

  let env;
  let port: number | undefined;
  let caps: number;
  let days: number;
  try {
    env = loadSystemEnv();
    port = positiveInt('port', flags.port, 0, 65535);
    caps = positiveInt('caps', flags.caps, 1, 200) ?? 20;
    days = positiveInt('days', flags.days, 1, 365) ?? DEMO_DAYS;
  } catch (error) {
    if (error instanceof ConfigError) {
      err(`pillcap start: ${error.message}`);
      return 2;
    }
    throw error;
  }

  // Signals: the first asks for a clean stop, a second one gives up on it.
  const stopping = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      err(`\n${signal}: stopping cleanly (the demo saves its caps, during the replay at the end of its current virtual day; Ctrl-C again to quit at once)`);
      stopping.abort();
    } else {
      err('quitting without a clean stop');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let system: SystemHandle | undefined;
  let demo: RunningDemo | undefined;
  try {
    system = await startSystem({ env, port, log: (line) => err(line) });
    const dataDir = dirname(resolve(env.PILLCAP_DATA_DIR));
    out('pillcap is running');
    out(`  dashboard          ${system.apiUrl}/`);
    out(`  API                ${system.apiUrl}/v1  (OpenAPI docs at ${system.apiUrl}/docs)`);
    out(`  MQTT broker        ${system.mqttUrl}${system.embeddedBroker ? ' (embedded)' : ''}`);
    out(`  database           ${system.databaseDescription}`);
    if (flags['no-demo']) {
      // No demo organisation either: on a production database nothing should appear that nobody asked for.
      out('demo               off (--no-demo); first tokens: `pillcap token create --role admin --org <slug> --create-org`');
      out('                   (against DATABASE_URL, or with this process stopped: the embedded database has one owner)');
    } else if (!stopping.signal.aborted) {
      const { orgId, staff } = await createDemoOrganisation(system, dataDir, out);
      const files = new DemoFiles(dataDir);
      let state = await files.readState();
      if (!state) {
        if ((await countDevicesOfOrganisation(system.db, DEMO_ORG_SLUG)) > 0) {
          out(`demo fleet         not started: the database already has demo caps but ${display(files.statePath)} is missing (another data directory?)`);
        } else {
          const now = new Date();
          const fresh = newDemoState({ nowMs: now.getTime(), caps, days });
          const clinician = staff.clinician.user;
          const fleet = await system.db.transaction((tx) => seedDemoFleet(tx, orgId, fresh, { billingPractitioner: `${clinician.name} (NPI ${clinician.npi})` }));
          await saveDemoCarePlans(system.db, { orgId, state: fresh, fleet, clinicalOwnerId: clinician.id, coordinatorId: staff.coordinator.user.id, now });
          state = fresh;
        }
      }
      if (state) demo = startDemo(system, dataDir, state, stopping.signal, out);
    }

    // Ready once the demo has caught up with today (its caps then live on) or has ended.
    if (demo) await Promise.race([demo.caughtUp, demo.done]);
    if (!stopping.signal.aborted) {
      const who = flags['no-demo'] ? 'with a token' : `as ${DEMO_STAFF.clinician.email} or ${DEMO_STAFF.coordinator.email} (clinic or support tokens work too)`;
      out(`ready: open ${system.apiUrl}/ and sign in ${who}; press Ctrl-C to stop`);
      const stopped = new Promise<void>((resolvePromise) => stopping.signal.addEventListener('abort', () => resolvePromise(), { once: true }));
      await Promise.race([stopped, demo?.done]);
      await stopped;
    }
    if (demo) await demo.done;
    await system.ingestor.drain(10_000);
    await system.stop();
    system = undefined;
    out('stopped cleanly');
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      err(`pillcap start: ${error.message}`);
      return 2;
    }
    if (error instanceof DataDirInUseError) {
      err(`pillcap start: ${error.message}`);
      return 2;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      err(`pillcap start: ${(error as Error).message}: another program uses that port; choose another with PORT=9090 npm start (or --port)`);
      return 2;
    }
    err(`pillcap start: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    if (system) await system.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

interface RunningDemo {
  /** Resolves when the fleet has caught up with today and the clinic's alerts are evaluated. */
  caughtUp: Promise<void>;
  /** Resolves when the demo has stopped (on the signal) or ended, its state saved. */
  done: Promise<void>;
}

function startDemo(system: SystemHandle, dataDir: string, state: DemoState, signal: AbortSignal, out: (line: string) => void): RunningDemo {
  const files = new DemoFiles(dataDir);
  if (state.segments.length === 0) {
    out(`demo fleet         ${state.caps} simulated caps, ${state.days} virtual days from ${new Date(state.startUnixMs).toISOString().slice(0, 16)}Z to today, then live (seed ${state.seed})`);
  } else {
    out(`demo fleet         resuming at day ${dayLabel(state.daysDone)}: caps boot from their saved flash (as after a power cut), upload what they hold and catch up with today`);
  }
  let reportCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolvePromise) => (reportCaughtUp = resolvePromise));
  const onCaughtUp = async (c: DemoCaughtUp): Promise<void> => {
    if (c.firstPeriodClosedAfterS !== undefined) out(`demo: first 30-day billing periods closed after ${c.firstPeriodClosedAfterS.toFixed(1)} s`);
    out(`demo: finished at day ${dayLabel(c.daysDone)} of ${dayLabel(c.daysDone)} (${c.caps} caps, ${c.wallSeconds.toFixed(1)} s); record in ${display(files.recordPath)}`);
    try {
      const { alerts, workItems } = await evaluateDemoClinic(system.db, new Date());
      out(`demo: ${alerts.raised} alerts raised by a full evaluation (${alerts.evaluated} patients), work queue refreshed (${workItems} patient-months)`);
    } catch (error) {
      // The clinical scheduler tries again on its own; the fleet must not stop over it.
      out(`demo: the first alert evaluation failed (${(error as Error).message}); the scheduled one will follow`);
    }
    out('demo: the caps live on in real time now (doses, heartbeats, uploads as they fall due)');
    reportCaughtUp();
  };
  const done = (async () => {
    const outcome = await runDemo({ system, dataDir, signal, out, progress: process.stderr, live: { wallClock: () => Date.now(), onCaughtUp } }, state);
    switch (outcome.kind) {
      case 'complete':
        out(`demo fleet         complete (${outcome.days} virtual days and its live year, ${outcome.caps} caps); record in ${display(files.recordPath)}`);
        break;
      case 'unresumable':
        out(`demo fleet         not resumed: ${outcome.reason}`);
        break;
      case 'finished':
      case 'stopped': {
        const verb = outcome.kind === 'finished' ? 'finished' : 'stopped';
        out(`demo: ${verb} at day ${dayLabel(outcome.daysDone)} (${outcome.caps} caps, ${outcome.wallSeconds.toFixed(1)} s); record in ${display(files.recordPath)}`);
        if (outcome.kind === 'stopped') out('demo: state saved; run `npm start` again to resume');
        break;
      }
    }
  })();
  // However the demo ends, nobody waits for a catch-up that will not come.
  void done.then(reportCaughtUp, reportCaughtUp);
  return { caughtUp, done };
}
