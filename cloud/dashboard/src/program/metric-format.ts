/**
 * How program figures read on screen and in the tables. A share or median with nobody to measure is "—"
 * (not 0 %): a clinic that activated no one last month did not retain 0 % of them.
 */
import type { Metrics } from '../api/endpoints.ts';

export type MetricsRow = Metrics['total'];
export type MonthRow = Metrics['months'][number];
export type CoordinatorRow = Metrics['coordinators'][number];
export type Revenue = MetricsRow['expectedRevenue'];

export const NONE = '—';

export const share = (value: number | null): string => (value === null ? NONE : `${Math.round(value * 100)}%`);
export const decimal = (value: number | null, digits = 1): string => (value === null ? NONE : value.toFixed(digits));
/** A paired change in adherence, a fraction: -0.1 -> "−10 pts". */
export const points = (value: number | null): string => {
  if (value === null) return NONE;
  const pts = Math.round(value * 100);
  return pts === 0 ? '0 pts' : `${pts > 0 ? '+' : '−'}${Math.abs(pts)} pts`;
};
export const usd = (amount: number): string => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount);
/** "$80.16 (estimate)", plus the codes it could not price. */
export const revenue = (value: Revenue): string => `${usd(value.amount)}${value.estimate ? ' (estimate)' : ''}`;

/** Units by code as "98975 × 2, 98985 × 1" (codes in the fee schedule's order when known). */
export const codeList = (codes: Record<string, number>): string => {
  const entries = Object.entries(codes).filter(([, units]) => units > 0);
  return entries.length === 0 ? NONE : entries.map(([code, units]) => `${code} × ${units}`).join(', ');
};

/** Null-safe number for a chart series (uPlot draws a gap for null). */
export const orGap = (value: number | null): number | null => (value === null ? null : value);
