/**
 * Openings -> doses (billing-rules.md §4.4): several openings close together (checking, refilling, a lid that
 * bounced) are one dose. A dose is the first opening plus every later opening within `windowMin` of that
 * first opening; the window is anchored on the first opening so a run of openings cannot chain forever.
 * Raw openings are kept on every dose so reports show both counts.
 */
export interface Opening {
  eventId: number;
  at: Date;
}

export interface Dose {
  at: Date;
  eventIds: number[];
  openings: number;
}

export function mergeOpenings(openings: readonly Opening[], windowMin: number): Dose[] {
  const unique = new Map<number, Opening>();
  for (const o of openings) if (!Number.isNaN(o.at.getTime())) unique.set(o.eventId, o);
  const sorted = [...unique.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || a.eventId - b.eventId);
  const doses: Dose[] = [];
  const windowMs = windowMin * 60_000;
  for (const o of sorted) {
    const last = doses[doses.length - 1];
    if (last && o.at.getTime() - last.at.getTime() <= windowMs && windowMin > 0) {
      last.eventIds.push(o.eventId);
      last.openings += 1;
    } else {
      doses.push({ at: o.at, eventIds: [o.eventId], openings: 1 });
    }
  }
  return doses;
}
