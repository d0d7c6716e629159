/**
 * UTC offsets of an IANA zone from the runtime's own time-zone database (Intl), and the next instant the
 * offset changes (a DST change), found by scanning day by day and bisecting to the second. Pure: no clock.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    // h23 so midnight is 0, not 24; era-free numeric parts are enough for Date.UTC.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset (minutes east of UTC) in force in `zone` at the Unix second `unixS`. */
export function utcOffsetMinAt(zone: string, unixS: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(unixS * 1000));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const localAsUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((localAsUtc / 1000 - unixS) / 60);
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
