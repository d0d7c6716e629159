/**
 * UTC offsets of an IANA zone from the runtime's own time-zone database (Intl), and the next instant the
 * offset changes (a DST change), found by scanning day by day and bisecting to the second. Pure: no clock.
 */
import { computeOffsetMinutes } from '../billing/local-date.ts';

/** Offset (minutes east of UTC) in force in `zone` at the Unix second `unixS`. */
export function utcOffsetMinAt(zone: string, unixS: number): number {
  return computeOffsetMinutes(zone, unixS * 1000);
}

export interface OffsetChange {
  /** First Unix second at which `offsetMin` is in force. */
  atUnixS: number;
  offsetMin: number;
}

const DAY_S = 86_400;

/**
 * The first offset change strictly after `fromUnixS` and at most `horizonDays` later, or undefined (zones
 * without DST, or none within the horizon). A daily scan cannot step over a change-and-back pair shorter
 * than a day, which no zone has.
 */
export function nextOffsetChange(zone: string, fromUnixS: number, horizonDays = 400): OffsetChange | undefined {
  const start = Math.floor(fromUnixS);
  const initial = utcOffsetMinAt(zone, start);
  let lo = start;
  for (let day = 1; day <= horizonDays; day++) {
    const hi = Math.min(start + day * DAY_S, start + horizonDays * DAY_S);
    if (utcOffsetMinAt(zone, hi) === initial) {
      lo = hi;
      continue;
    }
    // Invariant: offset(lo) === initial, offset(hi) !== initial.
    let h = hi;
    while (h - lo > 1) {
      const mid = lo + Math.floor((h - lo) / 2);
      if (utcOffsetMinAt(zone, mid) === initial) lo = mid;
      else h = mid;
    }
    return { atUnixS: h, offsetMin: utcOffsetMinAt(zone, h) };
  }
  return undefined;
}
