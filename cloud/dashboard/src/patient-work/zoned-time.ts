/**
 * Wall-clock times in the PATIENT's zone for the work forms: a call at "2:00 PM" with a patient in Denver is
 * 2:00 PM in Denver, whatever zone the coordinator's browser is in. `<input type="datetime-local">` values
 * ("YYYY-MM-DDTHH:MM") are read and written in that zone, never in the browser's.
 */

const PARTS = (zone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

function wallClock(instant: Date, zone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts = Object.fromEntries(PARTS(zone).formatToParts(instant).map((p) => [p.type, p.value]));
  return { y: Number(parts.year), mo: Number(parts.month), d: Number(parts.day), h: Number(parts.hour) % 24, mi: Number(parts.minute), s: Number(parts.second) };
}

/** Offset of `zone` from UTC at `instant`, in milliseconds (east positive). */
function offsetMs(instant: Date, zone: string): number {
  const w = wallClock(instant, zone);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return asUtc - (instant.getTime() - instant.getUTCMilliseconds());
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The datetime-local value ("YYYY-MM-DDTHH:MM") of `instant` on the wall clock of `zone`. */
export function localInputValue(instant: Date, zone: string): string {
  const w = wallClock(instant, zone);
  return `${w.y}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}`;
}

/** The patient-local date (YYYY-MM-DD) of `instant`. */
export const localDateIn = (instant: Date, zone: string): string => localInputValue(instant, zone).slice(0, 10);

/**
 * The instant a datetime-local value names on the wall clock of `zone`; null when the value is not one.
 * A wall time that does not exist (skipped by a spring-forward change) resolves to an instant within the hour skipped.
 */
export function instantFromLocal(value: string, zone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  // the offset at the guess can differ from the offset at the answer near a change: settle it twice
  let guess = asUtc - offsetMs(new Date(asUtc), zone);
  guess = asUtc - offsetMs(new Date(guess), zone);
  return new Date(guess);
}
