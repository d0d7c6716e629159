/**
 * Patient-local calendar dates. A monitored day is a calendar day in the patient's IANA zone, so every
 * instant is converted with the UTC offset in force AT THAT INSTANT (DST-safe), never today's offset.
 *
 * Dates are plain 'YYYY-MM-DD' strings (the form the database returns for `date`), compared lexically and
 * stepped with UTC arithmetic so that no host time zone leaks in.
 *
 * Speed: Intl formatting costs microseconds, and the billing bench converts millions of instants. Offsets are
 * cached per zone per 15-minute UTC bucket; every offset transition in the tz database since 1970 falls on a
 * 15-minute boundary (the smallest is Lord Howe's 30-minute DST), so a bucket never straddles a change.
 */

export type LocalDate = string; // 'YYYY-MM-DD'
export type LocalMonth = string; // 'YYYY-MM'

export class InvalidTimeZoneError extends Error {
  readonly code = 'invalid_time_zone';
  constructor(readonly zone: string) {
    super(`not an IANA time zone: ${JSON.stringify(zone)}`);
    this.name = 'InvalidTimeZoneError';
  }
}

export class InvalidLocalDateError extends Error {
  readonly code = 'invalid_local_date';
  constructor(readonly value: string) {
    super(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(value)}`);
    this.name = 'InvalidLocalDateError';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();
const BUCKET_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
let lastZone = '';
let lastBucket = NaN;
let lastOffset = 0;

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
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
    } catch {
      throw new InvalidTimeZoneError(zone);
    }
    formatters.set(zone, f);
  }
  return f;
}

export function isValidTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** Throws InvalidTimeZoneError unless `zone` is a zone this runtime knows. */
export function assertTimeZone(zone: string): void {
  formatterFor(zone);
}

/** Uncached UTC offset in minutes in force in `zone` at the instant `ms` (second precision). */
export function computeOffsetMinutes(zone: string, ms: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** UTC offset in minutes (local = UTC + offset) in force in `zone` at the instant `ms`. */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  const bucket = Math.floor(ms / BUCKET_MS);
  if (zone === lastZone && bucket === lastBucket) return lastOffset;
  let cache = offsetCache.get(zone);
  if (!cache) {
    formatterFor(zone);
    cache = new Map();
    offsetCache.set(zone, cache);
  }
  let offset = cache.get(bucket);
  if (offset === undefined) {
    offset = computeOffsetMinutes(zone, bucket * BUCKET_MS);
    if (cache.size > 200_000) cache.clear(); // bounded memory for long-running processes
    cache.set(bucket, offset);
  }
  lastZone = zone;
  lastBucket = bucket;
  lastOffset = offset;
  return offset;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function utcDateString(ms: number): LocalDate {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

// day number (days since 1970-01-01) -> 'YYYY-MM-DD'; zone-independent, so one small cache serves all zones
const dayStrings = new Map<number, LocalDate>();

function dayString(dayNumber: number): LocalDate {
  let s = dayStrings.get(dayNumber);
  if (s === undefined) {
    s = utcDateString(dayNumber * DAY_MS);
    if (dayStrings.size > 100_000) dayStrings.clear();
    dayStrings.set(dayNumber, s);
  }
  return s;
}

/** Patient-local calendar day as a day number (days since 1970-01-01); cheap grouping key. */
export function localDayNumberOf(ms: number, zone: string): number {
  return Math.floor((ms + zoneOffsetMinutes(zone, ms) * 60_000) / DAY_MS);
}

/** 'YYYY-MM-DD' of a day number from localDayNumberOf. */
export function dayNumberToDate(dayNumber: number): LocalDate {
  return dayString(dayNumber);
}

/** Patient-local calendar date of an instant. */
export function localDateOf(instant: Date | number, zone: string): LocalDate {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return dayString(Math.floor((ms + zoneOffsetMinutes(zone, ms) * 60_000) / DAY_MS));
}

/** Local wall time of an instant: date plus minutes after local midnight (0..1439). */
export function localDateTimeOf(instant: Date | number, zone: string): { date: LocalDate; minuteOfDay: number; time: string } {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const local = ms + zoneOffsetMinutes(zone, ms) * 60_000;
  const minuteOfDay = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
  return { date: utcDateString(local), minuteOfDay, time: `${pad(Math.floor(minuteOfDay / 60))}:${pad(minuteOfDay % 60)}` };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dateToUtcMs(date: LocalDate): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new InvalidLocalDateError(date);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (utcDateString(ms) !== date) throw new InvalidLocalDateError(date);
  return ms;
}

export function isLocalDate(value: string): boolean {
  try {
    dateToUtcMs(value);
    return true;
  } catch {
    return false;
  }
}

/** Normalises a date column value (string or Date at UTC midnight) to 'YYYY-MM-DD'. */
export function toLocalDate(value: string | Date): LocalDate {
  if (value instanceof Date) return utcDateString(value.getTime());
  const s = value.slice(0, 10);
  dateToUtcMs(s);
  return s;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return utcDateString(dateToUtcMs(date) + days * DAY_MS);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((dateToUtcMs(to) - dateToUtcMs(from)) / DAY_MS);
}

export function monthOf(date: LocalDate): LocalMonth {
  return date.slice(0, 7);
}

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isLocalMonth(value: string): boolean {
  return MONTH_RE.test(value);
}

/** First and last calendar date of a month. */
export function monthBounds(month: LocalMonth): { first: LocalDate; last: LocalDate } {
  const m = MONTH_RE.exec(month);
  if (!m) throw new InvalidLocalDateError(month);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { first: `${month}-01`, last: utcDateString(Date.UTC(y, mo, 0)) };
}

/** Every date from `from` to `to` inclusive. */
export function dateRange(from: LocalDate, to: LocalDate): LocalDate[] {
  const out: LocalDate[] = [];
  const start = dateToUtcMs(from);
  const end = dateToUtcMs(to);
  for (let ms = start; ms <= end; ms += DAY_MS) out.push(utcDateString(ms));
  return out;
}

/**
 * A UTC instant range that surely contains every instant whose local date lies in [from, to] in any zone
 * (offsets stay within -12h..+14h); callers filter precisely with localDateOf.
 */
export function utcWindowCovering(from: LocalDate, to: LocalDate): { start: Date; end: Date } {
  return { start: new Date(dateToUtcMs(from) - 15 * 3_600_000), end: new Date(dateToUtcMs(to) + DAY_MS + 13 * 3_600_000) };
}

/**
 * The instant at which the wall clock in `zone` shows `minuteOfDay` on `date`. In a spring-forward gap the
 * time does not exist and the pre-transition offset is used (02:30 -> 03:30 new time); in a fall-back overlap
 * the first occurrence is returned.
 */
export function instantOfLocalTime(date: LocalDate, minuteOfDay: number, zone: string): Date {
  const wall = dateToUtcMs(date) + minuteOfDay * 60_000;
  const before = zoneOffsetMinutes(zone, wall - DAY_MS);
  const offsets = new Set([before, zoneOffsetMinutes(zone, wall), zoneOffsetMinutes(zone, wall + DAY_MS)]);
  const exact = [...offsets]
    .map((o) => wall - o * 60_000)
    .filter((t) => t + zoneOffsetMinutes(zone, t) * 60_000 === wall)
    .sort((a, b) => a - b);
  return new Date(exact[0] ?? wall - before * 60_000);
}
