/**
 * Time zones offered when enrolling: the common US zones first (most patients), then any IANA zone the
 * browser knows, and free entry for the rest (the API validates it). The patient's zone decides which
 * calendar day a dose falls on, so it is never guessed from the clinic's.
 */
export const COMMON_US_ZONES: readonly { zone: string; label: string }[] = [
  { zone: 'America/New_York', label: 'Eastern' },
  { zone: 'America/Chicago', label: 'Central' },
  { zone: 'America/Denver', label: 'Mountain' },
  { zone: 'America/Phoenix', label: 'Mountain, no DST (Arizona)' },
  { zone: 'America/Los_Angeles', label: 'Pacific' },
  { zone: 'America/Anchorage', label: 'Alaska' },
  { zone: 'Pacific/Honolulu', label: 'Hawaii' },
  { zone: 'America/Puerto_Rico', label: 'Atlantic (Puerto Rico)' },
];

/** Every zone for the suggestion list: the common US ones, then the rest the browser knows. */
export function zoneSuggestions(): string[] {
  const common = COMMON_US_ZONES.map((z) => z.zone);
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...common, ...all.filter((zone) => !common.includes(zone))];
}

/** The browser's zone when it is a common US one (the clinic's usual case), else Central. */
export function defaultZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return COMMON_US_ZONES.some((z) => z.zone === zone) ? zone : 'America/Chicago';
}
