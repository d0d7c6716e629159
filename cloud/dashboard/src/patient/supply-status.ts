/**
 * Where a 30-day supply period stands against the device-supply tiers (16-30 days, 2-15 days), in words:
 * the calendar's tier line and the billing section's supply codes. The thresholds and codes come from the
 * billing engine itself (cloud/src/billing/supply-code.ts, pure), so the page cannot drift from the claim.
 */
import { daysBetween } from '../../../src/billing/local-date.ts';
import { BODY_SYSTEMS, HIGH_TIER_MIN_DAYS, LOW_TIER_MIN_DAYS, PERIOD_DAYS, supplyCodeFor, type BodySystem } from '../../../src/billing/supply-code.ts';
import { plural } from '../components/format.ts';

export interface SupplyPeriodFacts {
  bodySystem: string;
  startDate: string;
  endDate: string;
  monitoredDays: number;
  /** the patient-local date the figures are as of */
  asOfDate: string;
  /** whether asOfDate is already a monitored day (it cannot count twice) */
  todayMonitored: boolean;
}

export type SupplyReach = 'high-reached' | 'high-reachable' | 'low-holds' | 'low-reachable' | 'none';

export interface SupplyStatus {
  periodDays: number;
  monitoredDays: number;
  /** dates from today to the period's end that can still become monitored days */
  daysLeft: number;
  highCode: string | null;
  lowCode: string | null;
  moreDaysForHigh: number;
  moreDaysForLow: number;
  reach: SupplyReach;
  text: string;
}

const isBodySystem = (value: string): value is BodySystem => (BODY_SYSTEMS as readonly string[]).includes(value);

export function supplyStatus(facts: SupplyPeriodFacts): SupplyStatus {
  const m = facts.monitoredDays;
  const system = isBodySystem(facts.bodySystem) ? facts.bodySystem : null;
  const highCode = system ? supplyCodeFor(system, HIGH_TIER_MIN_DAYS).code : null;
  const lowCode = system ? supplyCodeFor(system, LOW_TIER_MIN_DAYS).code : null;
  const from = facts.asOfDate > facts.startDate ? facts.asOfDate : facts.startDate;
  const daysLeft = facts.asOfDate > facts.endDate ? 0 : Math.max(0, daysBetween(from, facts.endDate) + 1 - (facts.todayMonitored ? 1 : 0));
  const moreDaysForHigh = Math.max(0, HIGH_TIER_MIN_DAYS - m);
  const moreDaysForLow = Math.max(0, LOW_TIER_MIN_DAYS - m);
  const high = `the 16-30 day tier${highCode ? ` (${highCode})` : ''}`;
  const low = `the 2-15 day tier${lowCode ? ` (${lowCode})` : ''}`;
  const left = plural(daysLeft, 'day') + ' left';
  const base = { periodDays: PERIOD_DAYS, monitoredDays: m, daysLeft, highCode, lowCode, moreDaysForHigh, moreDaysForLow };

  if (moreDaysForHigh === 0) return { ...base, reach: 'high-reached', text: `16-30 day tier reached${highCode ? `: ${highCode}` : ''}` };
  if (moreDaysForHigh <= daysLeft) {
    const sofar = m >= LOW_TIER_MIN_DAYS ? `${low[0]!.toUpperCase()}${low.slice(1)} so far; ` : '';
    return { ...base, reach: 'high-reachable', text: `${sofar}${plural(moreDaysForHigh, 'more day')} for ${high}, ${left}` };
  }
  if (m >= LOW_TIER_MIN_DAYS) {
    const text = daysLeft > 0 ? `16 days are out of reach (${left}): ${low} holds` : `${low[0]!.toUpperCase()}${low.slice(1)} holds`;
    return { ...base, reach: 'low-holds', text };
  }
  if (moreDaysForLow <= daysLeft) return { ...base, reach: 'low-reachable', text: `No supply code yet: ${plural(moreDaysForLow, 'more day')} for ${low}, ${left}` };
  return { ...base, reach: 'none', text: `No supply code this period: fewer than ${LOW_TIER_MIN_DAYS} monitored days` };
}
