/**
 * Words support reads for the fleet's kinds of trouble and severities, and the browser-zone times of the
 * support views (caps have no patient zone here: support never sees whose cap it is).
 */
import type { endpoints } from '../api/endpoints.ts';
import { formatTimeWithZone } from '../components/format.ts';

type FleetAnswer = NonNullable<(typeof endpoints.fleet)['_types']>['response'];
export type FleetCap = FleetAnswer['caps'][number];
export type TroubleKind = FleetCap['troubles'][number];
export type Severity = FleetCap['status'];
export type FleetCounts = FleetAnswer['counts'];

export const TROUBLE_LABEL: Record<TroubleKind, string> = {
  silent: 'Silent',
  battery: 'Low battery',
  signal: 'Poor signal',
  clock: 'Clock',
  reboots: 'Reboots',
  data: 'Lost data',
};

/** The order of the filters and counts: the fleet list's triage order. */
export const TROUBLE_ORDER: readonly TroubleKind[] = ['silent', 'battery', 'signal', 'clock', 'reboots', 'data'];

export const SEVERITY_LABEL: Record<Severity, string> = { critical: 'Critical', warning: 'Warning', info: 'Note', ok: 'Healthy' };
/** The badge classes of style.css for each severity. */
export const SEVERITY_BADGE: Record<Severity, string> = { critical: 'bad', warning: 'warn', info: 'info', ok: 'good' };

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export const supportTime = (iso: string | null): string => (iso ? formatTimeWithZone(iso, browserZone()) : 'never');

/** "3 hours ago" / "4 days ago" from whole hours of silence. */
export function silence(hours: number | null): string {
  if (hours === null) return 'never connected';
  if (hours < 1) return 'within the hour';
  if (hours < 48) return `${hours} ${hours === 1 ? 'hour' : 'hours'} ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
