/**
 * Turns a scenario's `coverage` (days, rates) into the BG95 emulator's NetworkConditions input (virtual ms,
 * instants), drawing random instants from a seeded stream so the network is reproducible per cap and seed.
 */
import { Prng } from './prng.ts';
import type { Scenario } from './scenario.ts';

const DAY = 86_400_000;
/** RSRP used inside an outage: well below any no-service threshold. */
export const OUTAGE_RSRP_DBM = -150;

export interface DerivedNetworkConditions {
  coverage: { fromMs: number; rsrpDbm: number }[];
  denied: { fromMs: number; toMs: number }[];
  slowAttach: { fromMs: number; toMs: number; attachMs: number }[];
  brokerDown: { fromMs: number; toMs: number }[];
  drops: { atMs: number; code: number }[];
  lostAcks: { atMs: number; kind: 'puback' | 'downlink' }[];
  hangs: { atMs: number }[];
  nitz: boolean;
  [key: string]: unknown;
}

function rsrpAtDay(points: { atDay: number; dbm: number }[], d: number): number {
  if (points.length === 0) return -95;
  if (d <= points[0].atDay) return points[0].dbm;
  for (let i = 1; i < points.length; i++) {
    if (d <= points[i].atDay) {
      const a = points[i - 1];
      const b = points[i];
      return a.dbm + ((b.dbm - a.dbm) * (d - a.atDay)) / (b.atDay - a.atDay || 1);
    }
  }
  return points[points.length - 1].dbm;
}

const instants = (rng: Prng, perDay: number, days: number): number[] => {
  const out: number[] = [];
  for (let d = 0; d < days; d++) {
    const n = rng.poisson(perDay);
    for (let i = 0; i < n; i++) out.push(Math.round((d + rng.next()) * DAY));
  }
  return out.sort((a, b) => a - b);
};

export function networkConditionsFor(scenario: Scenario, days: number, rng: Prng): DerivedNetworkConditions {
  const c = scenario.coverage;
  const points = [...c.rsrpDbm].sort((a, b) => a.atDay - b.atDay);
  const inOutage = (d: number) => c.outages.some((o) => d >= o.fromDay && d < o.toDay);
  // Steps every hour (the emulator's RSRP is a step function), plus outage edges.
  const edges = new Set<number>();
  for (let h = 0; h <= days * 24; h++) edges.add(h / 24);
  for (const o of c.outages) {
    edges.add(o.fromDay);
    edges.add(o.toDay);
  }
  const coverage: { fromMs: number; rsrpDbm: number }[] = [];
  for (const d of [...edges].sort((a, b) => a - b)) {
    const rsrp = inOutage(d) ? OUTAGE_RSRP_DBM : Math.round(rsrpAtDay(points, d));
    if (coverage.length > 0 && coverage[coverage.length - 1].rsrpDbm === rsrp) continue;
    coverage.push({ fromMs: Math.round(d * DAY), rsrpDbm: rsrp });
  }
  const window = (s: { fromDay: number; toDay: number }) => ({ fromMs: Math.round(s.fromDay * DAY), toMs: Math.round(s.toDay * DAY) });
  const lost = [
    ...instants(rng.fork('lost-acks'), c.lostAcksPerDay, days).map((atMs) => ({ atMs, kind: 'puback' as const })),
    ...instants(rng.fork('lost-downlinks'), c.lostDownlinksPerDay, days).map((atMs) => ({ atMs, kind: 'downlink' as const })),
  ].sort((a, b) => a.atMs - b.atMs);
  const derived: DerivedNetworkConditions = {
    coverage,
    denied: c.registrationDenied.map(window),
    slowAttach: c.slowAttach.map((s) => ({ ...window(s), attachMs: s.attachSeconds * 1000 })),
    brokerDown: c.brokerDown.map(window),
    drops: instants(rng.fork('drops'), c.dropsPerDay, days).map((atMs) => ({ atMs, code: 1 })),
    lostAcks: lost,
    hangs: c.hungModemAtDays.map((d) => ({ atMs: Math.round(d * DAY) })),
    nitz: c.nitz,
  };
  return { ...derived, ...scenario.network };
}
