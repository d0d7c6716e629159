/**
 * Acknowledgement arithmetic shared by every cloud-side peer (ingestor, simulator ack peer); see
 * docs/protocol.md §5.1. A seq is "accounted for" when it is committed, or known lost: below the batch's
 * logTailSeq (the device no longer has it), or missing between two consecutive events of one batch (the
 * device sends its log in order, so it dropped them). A gap between logTailSeq and the batch's first event
 * is NOT lost: another batch of the same session may still be in flight.
 */
import type { DeviceEvent } from './messages.ts';

export interface SeqRange {
  from: number;
  to: number;
}

/** Seq ranges missing between consecutive events of one batch: dropped on the device, never coming. */
export function batchGaps(events: readonly DeviceEvent[]): SeqRange[] {
  const gaps: SeqRange[] = [];
  for (let i = 1; i < events.length; i++) {
    const prev = events[i - 1]!.seq;
    const seq = events[i]!.seq;
    if (seq > prev + 1) gaps.push({ from: prev + 1, to: seq - 1 });
  }
  return gaps;
}

/**
 * ackSeq: the highest seq S such that every seq from logTailSeq to S is accounted for; never below what
 * was acknowledged before, never below logTailSeq - 1.
 */
export function contiguousAck(logTailSeq: number, previousAck: number, accountedFor: (seq: number) => boolean): number {
  let ack = Math.max(previousAck, logTailSeq - 1, 0);
  while (ack < 0xffffffff && accountedFor(ack + 1)) ack++;
  return ack;
}
