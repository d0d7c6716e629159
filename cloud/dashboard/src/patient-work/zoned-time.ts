/**
 * Wall-clock times in the PATIENT's zone for the work forms: a call at "2:00 PM" with a patient in Denver is
 * 2:00 PM in Denver, whatever zone the coordinator's browser is in. `<input type="datetime-local">` values
 * ("YYYY-MM-DDTHH:MM") are read and written in that zone, never in the browser's, with the billing engine's
 * own zone arithmetic (cloud/src/billing/local-date.ts: pure, no Node API), so page and server agree.
 */
import { instantOfLocalTime, isLocalDate, localDateOf, localDateTimeOf } from '../../../src/billing/local-date.ts';

/** The datetime-local value ("YYYY-MM-DDTHH:MM") of `instant` on the wall clock of `zone`. */
export function localInputValue(instant: Date, zone: string): string {
  const { date, time } = localDateTimeOf(instant, zone);
  return `${date}T${time}`;
}

/** The patient-local date (YYYY-MM-DD) of `instant`. */
export const localDateIn = (instant: Date, zone: string): string => localDateOf(instant, zone);

/**
 * The instant a datetime-local value names on the wall clock of `zone`; null when the value is not one.
 * A wall time skipped by a spring-forward change resolves within the hour after it (instantOfLocalTime).
 */
export function instantFromLocal(value: string, zone: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m || !isLocalDate(m[1]!) || Number(m[2]) > 23 || Number(m[3]) > 59) return null;
  return instantOfLocalTime(m[1]!, Number(m[2]) * 60 + Number(m[3]), zone);
}
