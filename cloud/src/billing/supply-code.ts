/**
 * Device-supply code for one 30-day period (billing-rules.md §1.1, §2.3, §3.3): by monitored days and body
 * system. 16-30 days => 98976/98977/98978 ([O]/[S]); 2-15 days => 98984/98985/98986 (new 2026, [S]);
 * 0-1 days => nothing. One code per period; the tiers are mutually exclusive, so the period's final count
 * picks exactly one.
 */
export const BODY_SYSTEMS = ['respiratory', 'musculoskeletal', 'cbt'] as const;
export type BodySystem = (typeof BODY_SYSTEMS)[number];

export type SupplyCode = '98976' | '98977' | '98978' | '98984' | '98985' | '98986';

const HIGH_TIER: Record<BodySystem, SupplyCode> = { respiratory: '98976', musculoskeletal: '98977', cbt: '98978' };
const LOW_TIER: Record<BodySystem, SupplyCode> = { respiratory: '98984', musculoskeletal: '98985', cbt: '98986' };

export const HIGH_TIER_MIN_DAYS = 16;
export const LOW_TIER_MIN_DAYS = 2;
export const PERIOD_DAYS = 30;

export interface SupplyDecision {
  code: SupplyCode | null;
  tier: '16-30' | '2-15' | null;
  reason: string;
}

export function supplyCodeFor(bodySystem: BodySystem, monitoredDays: number): SupplyDecision {
  if (!Number.isInteger(monitoredDays) || monitoredDays < 0 || monitoredDays > PERIOD_DAYS) {
    throw new RangeError(`monitored days in a 30-day period must be 0..30, got ${monitoredDays}`);
  }
  if (monitoredDays >= HIGH_TIER_MIN_DAYS) {
    return { code: HIGH_TIER[bodySystem], tier: '16-30', reason: `${monitoredDays} monitored days (16-30) => ${HIGH_TIER[bodySystem]} (${bodySystem})` };
  }
  if (monitoredDays >= LOW_TIER_MIN_DAYS) {
    return { code: LOW_TIER[bodySystem], tier: '2-15', reason: `${monitoredDays} monitored days (2-15) => ${LOW_TIER[bodySystem]} (${bodySystem})` };
  }
  return { code: null, tier: null, reason: `${monitoredDays} monitored day(s): fewer than 2, no supply code` };
}
