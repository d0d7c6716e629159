/**
 * Day engine (billing-rules.md §3.2): events and heartbeats -> one record per patient-local calendar date.
 *
 * - device-active: any event or heartbeat with a resolved time that day (shown beside monitored days, §2.1);
 * - qualifying (a monitored day): at least `minEventsPerDay` events that the organisation's policy accepts.
 *
 * Events without a resolved time (clock faults) create no day at all. The result depends only on the set of
 * inputs, never on their order or on duplicates (same eventId), so late and repeated uploads are harmless.
 */
import { dayRulesOf, eventQualifiesUnder, type BillingPolicy } from './billing-policy.ts';
import { dayNumberToDate, localDayNumberOf, type LocalDate } from './local-date.ts';

export interface DayEventInput {
  eventId: number;
  occurredAt: Date | null;
  kind: number;
  source: string;
  /** events.time_quality; undefined = trusted (pure callers that do not track it). */
  timeQuality?: string;
  serial?: string;
}

export interface MonitoredDay {
  localDate: LocalDate;
  deviceActive: boolean;
  qualifying: boolean;
  /** every event id that day, ascending */
  eventIds: number[];
  /** the event ids that made the day qualify, ascending */
  qualifyingEventIds: number[];
  /** source of each qualifying event, parallel to qualifyingEventIds */
  qualifyingEventSources: string[];
  /** distinct sources of the qualifying events, sorted */
  sources: string[];
  /** events per kind (EventKind number as key) */
  kindCounts: Record<string, number>;
  eventCount: number;
  heartbeatCount: number;
  /** cap serials that reported that day, sorted */
  serials: string[];
}

interface DayAccumulator {
  events: DayEventInput[]; // may hold duplicates (same eventId); removed when summarised
  heartbeats: number;
  heartbeatSerials: string[];
}

type Qualifier = (kind: number, source: string, timeQuality: string | undefined) => boolean;

/**
 * Builds day records. `heartbeats` are instants (with the cap's serial) already attributed to the patient.
 * Only dates present in the inputs are returned, ascending.
 */
export function buildMonitoredDays(
  events: readonly DayEventInput[],
  zone: string,
  policy: BillingPolicy,
  heartbeats: readonly { sampledAt: Date; serial?: string }[] = [],
): MonitoredDay[] {
  // grouped by integer day number: no date string per input (this loop runs millions of times in a recompute)
  const byDay = new Map<number, DayAccumulator>();
  const acc = (day: number): DayAccumulator => {
    let a = byDay.get(day);
    if (!a) {
      a = { events: [], heartbeats: 0, heartbeatSerials: [] };
      byDay.set(day, a);
    }
    return a;
  };
  const rules = dayRulesOf(policy);
  for (const e of events) {
    if (e.occurredAt === null || (e.timeQuality !== undefined && rules.daylessQualities.includes(e.timeQuality))) continue;
    const ms = e.occurredAt.getTime();
    if (Number.isNaN(ms)) continue;
    acc(localDayNumberOf(ms, zone)).events.push(e);
  }
  for (const h of heartbeats) {
    const ms = h.sampledAt.getTime();
    if (Number.isNaN(ms)) continue;
    const a = acc(localDayNumberOf(ms, zone));
    a.heartbeats += 1;
    if (h.serial && !a.heartbeatSerials.includes(h.serial)) a.heartbeatSerials.push(h.serial);
  }
  const qualifies: Qualifier = (kind, source, timeQuality) => eventQualifiesUnder(rules, kind, source, timeQuality);
  const days = [...byDay.keys()].sort((x, y) => x - y);
  return days.map((day) => summariseDay(dayNumberToDate(day), byDay.get(day)!, rules.minEventsPerDay, qualifies));
}

function isSortedById(events: readonly DayEventInput[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i - 1]!.eventId > events[i]!.eventId) return false;
  return true;
}

function summariseDay(localDate: LocalDate, a: DayAccumulator, minEventsPerDay: number, qualifies: Qualifier): MonitoredDay {
  const eventIds: number[] = [];
  const qualifyingEventIds: number[] = [];
  const qualifyingEventSources: string[] = [];
  const sources: string[] = [];
  const serials: string[] = a.heartbeatSerials;
  const kindCounts: Record<string, number> = {};
  const sorted = isSortedById(a.events) ? a.events : a.events.slice().sort((x, y) => x.eventId - y.eventId);
  let previousId = NaN;
  for (const e of sorted) {
    if (e.eventId === previousId) continue; // duplicate delivery of the same event
    previousId = e.eventId;
    eventIds.push(e.eventId);
    kindCounts[e.kind] = (kindCounts[e.kind] ?? 0) + 1;
    if (e.serial && !serials.includes(e.serial)) serials.push(e.serial);
    if (qualifies(e.kind, e.source, e.timeQuality)) {
      qualifyingEventIds.push(e.eventId);
      qualifyingEventSources.push(e.source);
      if (!sources.includes(e.source)) sources.push(e.source);
    }
  }
  const qualifying = qualifyingEventIds.length >= minEventsPerDay;
  return {
    localDate,
    deviceActive: eventIds.length > 0 || a.heartbeats > 0,
    qualifying,
    eventIds,
    qualifyingEventIds: qualifying ? qualifyingEventIds : [],
    qualifyingEventSources: qualifying ? qualifyingEventSources : [],
    sources: qualifying ? sources.sort() : [],
    kindCounts,
    eventCount: eventIds.length,
    heartbeatCount: a.heartbeats,
    serials: serials.length > 1 ? serials.sort() : serials,
  };
}
