/**
 * Day engine (billing-rules.md §3.2): events and heartbeats -> one record per patient-local calendar date.
 *
 * - device-active: any event or heartbeat with a resolved time that day (shown beside monitored days, §2.1);
 * - qualifying (a monitored day): at least `minEventsPerDay` events that the organisation's policy accepts.
 *
 * Events without a resolved time (clock faults) create no day at all. The result depends only on the set of
 * inputs, never on their order or on duplicates (same eventId), so late and repeated uploads are harmless.
 */
import { eventQualifies, type BillingPolicy } from './billing-policy.ts';
import { localDateOf, type LocalDate } from './local-date.ts';

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
  heartbeatSerials: Set<string>;
}

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
  const byDate = new Map<LocalDate, DayAccumulator>();
  const acc = (date: LocalDate): DayAccumulator => {
    let a = byDate.get(date);
    if (!a) {
      a = { events: [], heartbeats: 0, heartbeatSerials: new Set() };
      byDate.set(date, a);
    }
    return a;
  };
  for (const e of events) {
    if (e.occurredAt === null || e.timeQuality === 'unresolved' || Number.isNaN(e.occurredAt.getTime())) continue;
    acc(localDateOf(e.occurredAt, zone)).events.push(e);
  }
  for (const h of heartbeats) {
    if (Number.isNaN(h.sampledAt.getTime())) continue;
    const a = acc(localDateOf(h.sampledAt, zone));
    a.heartbeats += 1;
    if (h.serial) a.heartbeatSerials.add(h.serial);
  }
  const dates = [...byDate.keys()].sort();
  return dates.map((localDate) => summariseDay(localDate, byDate.get(localDate)!, policy));
}

function summariseDay(localDate: LocalDate, a: DayAccumulator, policy: BillingPolicy): MonitoredDay {
  const eventIds: number[] = [];
  const qualifyingEvents: DayEventInput[] = [];
  const sources = new Set<string>();
  const serials = new Set<string>(a.heartbeatSerials);
  const kindCounts: Record<string, number> = {};
  const sorted = a.events.length > 1 ? a.events.slice().sort((x, y) => x.eventId - y.eventId) : a.events;
  let previousId = NaN;
  for (const e of sorted) {
    if (e.eventId === previousId) continue; // duplicate delivery of the same event
    previousId = e.eventId;
    eventIds.push(e.eventId);
    kindCounts[String(e.kind)] = (kindCounts[String(e.kind)] ?? 0) + 1;
    if (e.serial) serials.add(e.serial);
    if (eventQualifies(policy, e.kind, e.source, e.timeQuality)) {
      qualifyingEvents.push(e);
      sources.add(e.source);
    }
  }
  const qualifying = qualifyingEvents.length >= policy.minEventsPerDay;
  return {
    localDate,
    deviceActive: eventIds.length > 0 || a.heartbeats > 0,
    qualifying,
    eventIds,
    qualifyingEventIds: qualifying ? qualifyingEvents.map((e) => e.eventId) : [],
    qualifyingEventSources: qualifying ? qualifyingEvents.map((e) => e.source) : [],
    sources: qualifying ? [...sources].sort() : [],
    kindCounts,
    eventCount: eventIds.length,
    heartbeatCount: a.heartbeats,
    serials: [...serials].sort(),
  };
}
