import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, parseScenario, scenarioNames, ScenarioError } from '../src/scenario.ts';
import { planPatient } from '../src/patient.ts';
import { Prng } from '../src/prng.ts';
import { networkConditionsFor, OUTAGE_RSRP_DBM } from '../src/coverage.ts';
import { parseNetworkConditions } from '../src/modem/network-conditions.ts';
import { run } from '../src/cli.ts';

function capture() {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += chunk.toString();
    return true;
  });
  return { out: () => out, err: () => err };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('scenarios', () => {
  it('every named scenario loads and validates', async () => {
    for (const name of scenarioNames()) {
      const s = await loadScenario(name);
      expect(s.name).toBe(name);
      expect(s.days).toBeGreaterThan(0);
    }
  });

  it('rejects bad scenarios with the path of each problem', () => {
    expect(() => parseScenario({ days: -1, patient: { doseTimes: ['25:00'], adherence: 2 } })).toThrow(ScenarioError);
    try {
      parseScenario({ days: -1, patient: { doseTimes: ['25:00'], adherence: 2 } });
    } catch (error) {
      const issues = (error as ScenarioError).issues.join('\n');
      expect(issues).toMatch(/days/);
      expect(issues).toMatch(/patient\.doseTimes\.0/);
      expect(issues).toMatch(/patient\.adherence/);
    }
  });

  it('the patient plan is reproducible per seed and follows the behaviour', async () => {
    const s = await loadScenario('forgetful');
    const a = planPatient(s, 30, new Prng(1));
    const b = planPatient(s, 30, new Prng(1));
    const c = planPatient(s, 30, new Prng(2));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.dosesScheduled).toBe(90);
    // 65 % adherence over 90 doses: comfortably between 40 % and 90 %.
    expect(a.dosesTaken / a.dosesScheduled).toBeGreaterThan(0.4);
    expect(a.dosesTaken / a.dosesScheduled).toBeLessThan(0.9);
    expect(a.openings.some((o) => o.reason === 'curiosity')).toBe(true);
    expect(new Set(a.presses.map((p) => p.pattern)).size).toBeGreaterThan(1);
    for (let i = 1; i < a.openings.length; i++) expect(a.openings[i].atMs).toBeGreaterThan(a.openings[i - 1].atMs + a.openings[i - 1].durationMs);
    const double = a.presses.find((p) => p.pattern === 'double');
    expect(double?.phases.length).toBe(2);
  });

  it('coverage becomes valid network conditions for the modem emulator', async () => {
    const s = await loadScenario('outages');
    const n = networkConditionsFor(s, 30, new Prng(9));
    const parsed = parseNetworkConditions(n);
    const at = (ms: number) => [...parsed.coverage].reverse().find((step) => step.fromMs <= ms)!.rsrpDbm;
    expect(at(12 * 86_400_000)).toBe(OUTAGE_RSRP_DBM); // inside the 7-day gap
    expect(at(1 * 86_400_000)).toBeGreaterThan(-130);
    expect(parsed.hangs.map((h) => h.atMs)).toEqual([6.4 * 86_400_000, 26.1 * 86_400_000].map(Math.round));
    expect(parsed.denied).toHaveLength(1);
    expect(parsed.drops.length).toBeGreaterThan(0);
    expect(networkConditionsFor(s, 30, new Prng(9))).toEqual(n);
  });
});

describe('pillcap sim CLI', () => {
  it('--json prints exactly one JSON object with the summary fields, reproducibly', async () => {
    const outputs: Record<string, unknown>[] = [];
    for (let i = 0; i < 2; i++) {
      const io = capture();
      const code = await run(['--scenario', 'adherent', '--days', '2', '--seed', '5', '--no-modem', '--json']);
      vi.restoreAllMocks();
      expect(code).toBe(0);
      const lines = io.out().trim().split('\n');
      expect(lines).toHaveLength(1);
      outputs.push(JSON.parse(lines[0]) as Record<string, unknown>);
    }
    const [a, b] = outputs;
    for (const key of ['recorded', 'uploaded', 'acknowledged', 'dropped', 'lost', 'bytesSent', 'flashBytesUsed', 'atCommands', 'radioOnSeconds', 'chargeMah']) {
      expect(typeof a[key], key).toBe('number');
    }
    expect(a.recorded).toBeGreaterThan(0);
    expect(a.uploaded).toBe(0);
    const { wallSeconds: _w1, capDaysPerSecond: _c1, ...restA } = a;
    const { wallSeconds: _w2, capDaysPerSecond: _c2, ...restB } = b;
    expect(restB).toEqual(restA);
  });

  it('prints a human summary by default', async () => {
    const io = capture();
    const code = await run(['--scenario', 'clock-unset', '--days', '1', '--no-modem']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(io.out()).toMatch(/scenario clock-unset, 1 days/);
    expect(io.out()).toMatch(/events\s+\d+ recorded/);
  });

  it('prints no QuickJS heap figure it did not measure', async () => {
    const io = capture();
    const code = await run(['--scenario', 'adherent', '--days', '1', '--no-modem', '--runtime', 'quickjs']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(io.out()).toMatch(/runtime quickjs/);
    expect(io.out()).not.toMatch(/quickjs heap/);
  });

  it('answers bad input with a usage error and exit code 2', async () => {
    const cases = [
      [],
      ['--scenario'],
      ['--scenario', 'adherent', '--days', 'ten'],
      ['--scenario', 'adherent', '--runtime', 'v8'],
      ['--scenario', 'adherent', '--bogus'],
      ['--scenario', 'adherent', '--ack-peer'],
      ['--scenario', 'adherent', '--broker', 'localhost'],
      ['--scenario', 'no-such-scenario'],
    ];
    for (const args of cases) {
      const io = capture();
      const code = await run(args);
      vi.restoreAllMocks();
      expect(code, args.join(' ')).toBe(2);
      expect(io.err()).toMatch(/pillcap sim: /);
    }
  });

  it('reports every problem in a scenario file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pillcap-sim-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ patient: { adherence: 3 }, powerCuts: { randomCount: -2 } }));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "days": ');
    for (const [file, pattern] of [
      [bad, /patient\.adherence[\s\S]*powerCuts\.randomCount/],
      [broken, /not valid JSON/],
    ] as const) {
      const io = capture();
      const code = await run(['--scenario', file]);
      vi.restoreAllMocks();
      expect(code).toBe(2);
      expect(io.err()).toMatch(pattern);
    }
  });
});

describe('simulateFleet', () => {
  it('runs a mixed fleet on one clock and reports per cap, with progress every day', async () => {
    const { simulateFleet } = await import('../src/simulate.ts');
    const days: number[] = [];
    const result = await simulateFleet({
      scenario: 'adherent',
      scenarios: ['adherent', 'forgetful'],
      caps: 4,
      days: 3,
      seed: 2,
      connectivity: false,
      onProgress: (p) => days.push(p.day),
    });
    expect(days).toEqual([1, 2, 3]);
    expect(result.scenario).toBe('adherent+forgetful');
    expect(result.caps.map((c) => c.serial)).toEqual(['PC-SIM-0001', 'PC-SIM-0002', 'PC-SIM-0003', 'PC-SIM-0004']);
    expect(result.caps[1].patient.dosesScheduled).toBe(9); // forgetful: three doses a day
    expect(result.caps[0].patient.dosesScheduled).toBe(6);
    expect(result.totals.recorded).toBe(result.caps.reduce((sum, c) => sum + c.recorded, 0));
    // Different caps, different patients: the seed is per cap.
    expect(result.caps[0].flashSha256).not.toBe(result.caps[2].flashSha256);
  });
});
