/**
 * End to end, as a new user follows the README: a clean copy of the repository (the files git tracks plus the
 * untracked ones it does not ignore, since the lead commits late), `npm ci`, `npm start` with no services
 * configured (embedded broker and PGlite), wait for the demo fleet, read the printed clinic token, ask the API
 * for patients' billing periods, and check them against the simulator's own record of what the patients did
 * (data/demo/record.json), computed here independently. Then Ctrl-C (SIGINT) and a clean exit.
 *
 * PORT=0 and EMBEDDED_MQTT_PORT=0 so nothing clashes with services on this machine; the URL is read from
 * the output, as a user reads it from the terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DAY = 86_400_000;

interface RecordCap {
  serial: string;
  profile: string;
  timeZone: string;
  bodySystem: string;
  patients: { reference: string; fromUnixMs: number; toUnixMs: number | null }[];
  openings: { atUnixMs: number }[];
  presses: { atUnixMs: number }[];
}

const localDate = (zone: string, ms: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));

const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

/** Monitored days of the patient's first 30-day period, from the record alone. */
function expectedFirstPeriod(cap: RecordCap): { startDate: string; endDate: string; days: number } {
  const patient = cap.patients[0]!;
  const startDate = localDate(cap.timeZone, patient.fromUnixMs);
  const endDate = addDays(startDate, 29);
  const dates = new Set<string>();
  for (const at of [...cap.openings.map((o) => o.atUnixMs), ...cap.presses.map((p) => p.atUnixMs)]) {
    if (at < patient.fromUnixMs || (patient.toUnixMs !== null && at >= patient.toUnixMs)) continue;
    const date = localDate(cap.timeZone, at);
    if (date >= startDate && date <= endDate) dates.add(date);
  }
  return { startDate, endDate, days: dates.size };
}

function tierCode(bodySystem: string, days: number): string | null {
  const high: Record<string, string> = { respiratory: '98976', musculoskeletal: '98977', cbt: '98978' };
  const low: Record<string, string> = { respiratory: '98984', musculoskeletal: '98985', cbt: '98986' };
  if (days >= 16) return high[bodySystem]!;
  if (days >= 2) return low[bodySystem]!;
  return null;
}

describe('npm ci && npm start, as the README says', () => {
  let work: string;
  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  const waitFor = async (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = stdout.match(pattern);
      if (match) return match;
      if (child?.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${pattern} in the output of npm start (exit ${child?.exitCode}).\nstdout:\n${stdout}\nstderr (tail):\n${stderr.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pillcap-e2e-'));
    // A clean clone of the working tree: tracked files plus untracked ones git does not ignore (no node_modules,
    // no data/, no build output).
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) {
      const from = join(REPO, file);
      if (!existsSync(from) || !statSync(from).isFile()) continue; // deleted in the working tree
      mkdirSync(dirname(join(work, file)), { recursive: true });
      copyFileSync(from, join(work, file));
    }
    execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: work, stdio: 'pipe', timeout: 180_000 });
  }, 200_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // Bounded by the demo: the whole test takes about 80 s on a 2-core machine (npm ci about 10 s, demo about 65 s).
  it('runs the demo fleet, bills it as the record says, and stops cleanly on Ctrl-C', { timeout: 420_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', EMBEDDED_MQTT_PORT: '0' };
    // Embedded defaults, as on a laptop with nothing installed.
    for (const name of ['DATABASE_URL', 'MQTT_URL', 'PILLCAP_DATA_DIR', 'NODE_OPTIONS', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete env[name];
    // Own process group, so Ctrl-C can be delivered as a terminal does: to npm and node together. 'close'
    // waits for node too (it shares the pipes), not only for npm.
    child = spawn('npm', ['start'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    exited = new Promise((resolveExit) => child!.once('close', (code, signal) => resolveExit({ code, signal })));
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const api = (await waitFor(/^\s+API\s+(http:\/\/\S+\/v1)/m, 60_000))[1]!;
    const clinicToken = (await waitFor(/^\s+clinic\s+(pct_[A-Za-z0-9_-]{43})$/m, 60_000))[1]!;
    await waitFor(/^demo: finished at day 45 of 45/m, 360_000);
    await waitFor(/^ready: /m, 30_000);
    // The demo's own timing, for the CI log (a figure, not an assertion).
    for (const line of stdout.split('\n').filter((l) => l.startsWith('demo: '))) console.info(`npm start: ${line}`);

    expect(stdout).toMatch(/database\s+embedded PGlite/);
    expect(stdout).toMatch(/MQTT broker\s+mqtt:\/\/127\.0\.0\.1:\d+ \(embedded\)/);
    const tokensFile = join(work, 'data', 'demo-tokens.txt');
    expect(statSync(tokensFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokensFile, 'utf8')).toContain(clinicToken);

    const record = JSON.parse(readFileSync(join(work, 'data', 'demo', 'record.json'), 'utf8')) as { throughDay: number; caps: RecordCap[] };
    expect(record.throughDay).toBe(45);
    const get = async (path: string) => {
      const response = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${clinicToken}` } });
      expect(response.status).toBe(200);
      return response.json() as Promise<Record<string, unknown>>;
    };
    const patients = (await get('/patients')).patients as { id: string; reference: string }[];

    // An adherent patient (16-30 tier), a low-adherence one (2-15 tier) and one who never uses the cap (no code).
    const checked = ['adherent', 'low-adherence', 'unused'].map((profile) => record.caps.find((c) => c.profile === profile)!);
    for (const cap of checked) {
      const expected = expectedFirstPeriod(cap);
      const patient = patients.find((p) => p.reference === cap.patients[0]!.reference);
      expect(patient, cap.patients[0]!.reference).toBeDefined();
      const billing = (await get(`/patients/${patient!.id}/billing-periods`)) as { periods: { index: number; startDate: string; endDate: string; status: string; monitoredDays: number; supplyCode: string | null }[] };
      const first = billing.periods.find((p) => p.index === 0)!;
      expect({ profile: cap.profile, ...first }).toMatchObject({
        profile: cap.profile,
        startDate: expected.startDate,
        endDate: expected.endDate,
        status: 'closed',
        monitoredDays: expected.days,
        supplyCode: tierCode(cap.bodySystem, expected.days),
      });
    }
    // The three patients really land in the three tiers (the demo's mix is what the dashboard shows).
    expect(checked.map((cap) => tierCode(cap.bodySystem, expectedFirstPeriod(cap).days)?.slice(0, 4) ?? null)).toEqual(['9897', '9898', null]);

    // The clinic's people: sign in as the demo clinician with the printed password, as a user would, and find
    // the month's work waiting (the fleet's clinical profiles raise these alerts; the first evaluation ran at
    // the catch-up).
    const [, email, password] = stdout.match(/^\s+clinician\s+(\S+@\S+)\s+password\s+(\S+)/m) ?? [];
    expect(email).toBe('dana.reyes@demo-clinic.example');
    expect(readFileSync(tokensFile, 'utf8')).toContain(`${email}  password ${password}`);
    expect(stdout).toMatch(/^\s+coordinator\s+sam\.okafor@demo-clinic\.example\s+password\s+\S+/m);
    const signIn = await fetch(`${api}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    expect(signIn.status).toBe(201);
    const session = (signIn.headers.get('set-cookie') ?? '').match(/pillcap_session=[^;]+/)?.[0];
    expect(session).toBeDefined();
    const asClinician = async (path: string) => {
      const response = await fetch(`${api}${path}`, { headers: { cookie: session! } });
      expect(response.status, path).toBe(200);
      return response.json() as Promise<Record<string, unknown>>;
    };
    expect(((await asClinician('/session')).user as { name: string }).name).toBe('Dr. Dana Reyes');
    const alerts = (await asClinician('/alerts?limit=200')).alerts as { rule: string; patient: { reference: string } }[];
    const rules = new Set(alerts.map((a) => a.rule));
    console.info(`npm start: live alerts by rule: ${JSON.stringify(Object.fromEntries([...rules].map((r) => [r, alerts.filter((a) => a.rule === r).length])))}`);
    expect(rules.has('needs_help'), [...rules].join()).toBe(true);
    expect(rules.has('cap_silent') || rules.has('no_openings'), [...rules].join()).toBe(true);
    expect(rules.has('adherence_drop') || rules.has('missed_doses'), [...rules].join()).toBe(true);
    expect(rules.has('period_at_risk'), [...rules].join()).toBe(true);
    const referenceOf = (profile: string) => record.caps.find((c) => c.profile === profile)!.patients[0]!.reference;
    expect(alerts.some((a) => a.rule === 'needs_help' && a.patient.reference === referenceOf('needs-help'))).toBe(true);
    expect(alerts.some((a) => a.rule === 'cap_silent' && a.patient.reference === referenceOf('silent'))).toBe(true);
    expect(alerts.some((a) => a.rule === 'period_at_risk' && a.patient.reference === referenceOf('period-at-risk'))).toBe(true);
    const worklist = (await asClinician('/worklist')) as { items: unknown[] };
    expect(worklist.items.length).toBeGreaterThan(0);

    // Ctrl-C. `pillcap start` prints "stopped cleanly" just before it returns exit code 0; npm, which got the
    // same SIGINT, then ends either with that code or by the signal (as it does in a terminal).
    process.kill(-child.pid!, 'SIGINT');
    const ended = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    const context = `stdout:\n${stdout}\nstderr (tail):\n${stderr.slice(-2000)}`;
    expect(ended, context).not.toBe('hung');
    expect(stdout, context).toMatch(/^stopped cleanly$/m);
    const { code, signal } = ended as { code: number | null; signal: NodeJS.Signals | null };
    expect(code === 0 || signal === 'SIGINT', `npm ended with code ${code}, signal ${signal}`).toBe(true);
  });
});
