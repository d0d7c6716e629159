/**
 * Resolves event wall times from a batch's time anchors, with sanity checks against the receive time.
 *
 * Per boot: unix = anchor.unixS + (event.uptimeS - anchor.uptimeS). anchors[0] is the device clock at send
 * time, so its boot is the current boot; the current boot can always be resolved: when the device did not
 * know the time (unixS null), or its time is implausible (before the floor date, ahead of the receive time
 * beyond a tolerance, or behind it beyond a larger tolerance), the anchor is moved onto the receive time
 * ('receive_anchored') and the correction recorded. Older boots resolve from their own anchor when it is
 * plausible ('device_clock'), else from a boot epoch already known from stored data ('estimated'), else stay
 * unresolved (occurred_at NULL) and the cloud records that it could not place them.
 */
import type { DeviceEvent, TimeAnchor } from '../../../protocol/src/messages.ts';
import type { TimeQuality } from '../repositories/events.ts';
import type { TimeAction } from '../repositories/time-corrections.ts';

export interface TimeSanity {
  /** Device time may be ahead of the receive time by at most this (clock skew, not queueing). */
  futureToleranceS: number;
  /** Device time may be behind the receive time by at most this (covers broker/ingestor backlog). */
  pastToleranceS: number;
  /** Anything before this is an unset or corrupt clock. */
  floorUnixS: number;
}

export const DEFAULT_TIME_SANITY: TimeSanity = {
  futureToleranceS: 300,
  pastToleranceS: 2 * 86400,
  floorUnixS: Date.UTC(2024, 0, 1) / 1000,
};

export interface ResolvedTime {
  occurredAt: Date | null;
  quality: TimeQuality;
}

export interface TimeNote {
  boot: number;
  action: TimeAction;
  correctionS: number | null;
  detail: string;
}

export interface TimeResolution {
  /** One per input event, same order. */
  times: ResolvedTime[];
  notes: TimeNote[];
  /** unix seconds at uptime 0 for each boot that could be placed, and how. */
  epochs: Map<number, { epochS: number; quality: TimeQuality }>;
}

const iso = (unixS: number): string => new Date(unixS * 1000).toISOString();

/** Checks a wall time against the receive time; returns why it is implausible, or null. */
export function implausible(unixS: number, receivedS: number, sanity: TimeSanity, checkPast: boolean): { action: TimeAction; why: string } | null {
  if (unixS < sanity.floorUnixS) return { action: 'corrected_before_floor', why: `${iso(unixS)} is before the floor ${iso(sanity.floorUnixS)}` };
  if (unixS > receivedS + sanity.futureToleranceS) {
    return { action: 'corrected_future', why: `${iso(unixS)} is ${unixS - receivedS} s ahead of the receive time ${iso(receivedS)}` };
  }
  if (checkPast && unixS < receivedS - sanity.pastToleranceS) {
    return { action: 'corrected_drift', why: `${iso(unixS)} is ${receivedS - unixS} s behind the receive time ${iso(receivedS)}` };
  }
  return null;
}

/**
 * @param knownEpochs unix seconds at uptime 0 for older boots, derived from what is already stored
 */
export function resolveEventTimes(
  anchors: readonly TimeAnchor[],
  events: readonly DeviceEvent[],
  receivedAt: Date,
  sanity: TimeSanity = DEFAULT_TIME_SANITY,
  knownEpochs: ReadonlyMap<number, number> = new Map(),
): TimeResolution {
  const receivedS = Math.floor(receivedAt.getTime() / 1000);
  const notes: TimeNote[] = [];
  const epochs = new Map<number, { epochS: number; quality: TimeQuality }>();
  const current = anchors[0];
  if (current) {
    if (current.unixS === null) {
      epochs.set(current.boot, { epochS: receivedS - current.uptimeS, quality: 'receive_anchored' });
      notes.push({ boot: current.boot, action: 'receive_anchored', correctionS: null, detail: 'device did not know the time; anchored on the receive time' });
    } else {
      const problem = implausible(current.unixS, receivedS, sanity, true);
      if (problem) {
        epochs.set(current.boot, { epochS: receivedS - current.uptimeS, quality: 'receive_anchored' });
        notes.push({
          boot: current.boot,
          action: problem.action,
          correctionS: receivedS - current.unixS,
          detail: `device time ${problem.why}; anchored on the receive time instead`,
        });
      } else {
        epochs.set(current.boot, { epochS: current.unixS - current.uptimeS, quality: 'device_clock' });
      }
    }
  }
  for (const anchor of anchors.slice(1)) {
    if (epochs.has(anchor.boot) || anchor.unixS === null) continue;
    // An older boot's anchor was taken in the past: only the floor and the future can be checked.
    const problem = implausible(anchor.unixS, receivedS, sanity, false);
    if (problem) {
      notes.push({ boot: anchor.boot, action: 'rejected_anchor', correctionS: null, detail: `anchor for boot ${anchor.boot} ignored: ${problem.why}` });
      continue;
    }
    epochs.set(anchor.boot, { epochS: anchor.unixS - anchor.uptimeS, quality: 'device_clock' });
  }
  const unplaced = new Set<number>();
  for (const event of events) {
    if (epochs.has(event.boot) || unplaced.has(event.boot)) continue;
    const known = knownEpochs.get(event.boot);
    if (known !== undefined) {
      epochs.set(event.boot, { epochS: known, quality: 'estimated' });
      notes.push({ boot: event.boot, action: 'estimated', correctionS: null, detail: `boot ${event.boot} had no anchor; time taken from earlier uplinks of that boot` });
    } else {
      unplaced.add(event.boot);
      notes.push({ boot: event.boot, action: 'unresolved', correctionS: null, detail: `boot ${event.boot} had no anchor and no earlier reference; events kept without wall time` });
    }
  }
  const times = events.map((event): ResolvedTime => {
    const epoch = epochs.get(event.boot);
    if (!epoch) return { occurredAt: null, quality: 'unresolved' };
    return { occurredAt: new Date((epoch.epochS + event.uptimeS) * 1000), quality: epoch.quality };
  });
  return { times, notes, epochs };
}

/** Boots other than the current one: they may need an epoch from stored data (cheap; rare after reboots). */
export function olderBoots(anchors: readonly TimeAnchor[], events: readonly DeviceEvent[]): number[] {
  const current = anchors[0]?.boot;
  return [...new Set(events.map((e) => e.boot).filter((b) => b !== current))];
}
