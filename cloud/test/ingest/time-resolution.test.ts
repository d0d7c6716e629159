import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DeviceEvent, TimeAnchor } from '../../../protocol/src/messages.ts';
import { DEFAULT_TIME_SANITY, resolveEventTimes } from '../../src/ingest/time-resolution.ts';

const received = new Date('2025-06-01T12:00:00Z');
const recvS = received.getTime() / 1000;
const ev = (seq: number, boot: number, uptimeS: number): DeviceEvent => ({ seq, boot, uptimeS, kind: 1, args: [10] });
const anchor = (boot: number, uptimeS: number, unixS: number | null): TimeAnchor => ({ boot, uptimeS, unixS, source: unixS === null ? 0 : 1 });

describe('resolveEventTimes', () => {
  it('places events of the anchored boot on the device clock', () => {
    const r = resolveEventTimes([anchor(2, 5000, recvS - 10)], [ev(1, 2, 1400), ev(2, 2, 4990)], received);
    expect(r.times.map((t) => [t.occurredAt!.getTime() / 1000, t.quality])).toEqual([
      [recvS - 10 - 3600, 'device_clock'],
      [recvS - 20, 'device_clock'],
    ]);
    expect(r.notes).toEqual([]);
  });

  it('anchors the current boot on the receive time when the device does not know the time', () => {
    const r = resolveEventTimes([anchor(1, 700, null)], [ev(1, 1, 100)], received);
    expect(r.times[0]).toEqual({ occurredAt: new Date((recvS - 600) * 1000), quality: 'receive_anchored' });
    expect(r.notes).toMatchObject([{ boot: 1, action: 'receive_anchored', correctionS: null }]);
  });

  it.each([
    ['corrected_future', recvS + DEFAULT_TIME_SANITY.futureToleranceS + 1],
    ['corrected_before_floor', DEFAULT_TIME_SANITY.floorUnixS - 1],
    ['corrected_drift', recvS - DEFAULT_TIME_SANITY.pastToleranceS - 1],
  ])('%s: implausible current-boot time is replaced by the receive time', (action, unixS) => {
    const r = resolveEventTimes([anchor(1, 1000, unixS)], [ev(1, 1, 400)], received);
    expect(r.times[0]).toEqual({ occurredAt: new Date((recvS - 600) * 1000), quality: 'receive_anchored' });
    expect(r.notes).toEqual([{ boot: 1, action, correctionS: recvS - unixS, detail: expect.any(String) }]);
  });

  it('accepts times within the tolerances', () => {
    for (const unixS of [recvS + DEFAULT_TIME_SANITY.futureToleranceS, recvS - DEFAULT_TIME_SANITY.pastToleranceS]) {
      const r = resolveEventTimes([anchor(1, 1000, unixS)], [ev(1, 1, 1000)], received);
      expect(r.times[0]!.quality).toBe('device_clock');
    }
  });

  it('uses older boots’ own anchors, known epochs, or leaves them unresolved', () => {
    const r = resolveEventTimes(
      [anchor(5, 100, recvS), anchor(4, 900, recvS - 86400)],
      [ev(1, 2, 10), ev(2, 3, 20), ev(3, 4, 800), ev(4, 5, 50)],
      received,
      DEFAULT_TIME_SANITY,
      new Map([[3, 1_700_000_000]]),
    );
    expect(r.times.map((t) => t.quality)).toEqual(['unresolved', 'estimated', 'device_clock', 'device_clock']);
    expect(r.times[0]!.occurredAt).toBeNull();
    expect(r.times[1]!.occurredAt!.getTime() / 1000).toBe(1_700_000_020);
    expect(r.times[2]!.occurredAt!.getTime() / 1000).toBe(recvS - 86400 - 100);
    expect(r.notes.map((n) => [n.action, n.boot])).toEqual([
      ['unresolved', 2],
      ['estimated', 3],
    ]);
  });

  it('ignores an implausible anchor of an older boot', () => {
    const r = resolveEventTimes([anchor(2, 100, recvS), anchor(1, 100, 5)], [ev(1, 1, 50)], received);
    expect(r.times[0]!.quality).toBe('unresolved');
    expect(r.notes.map((n) => n.action)).toEqual(['rejected_anchor', 'unresolved']);
  });

  it('property: every event of the current boot is placed, and never in the future beyond the tolerance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.option(fc.integer({ min: 0, max: 4_000_000_000 }), { nil: null }),
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 20 }),
        (anchorUptime, unixS, uptimes) => {
          const events = uptimes.filter((u) => u <= anchorUptime).map((u, i) => ev(i + 1, 7, u));
          const r = resolveEventTimes([anchor(7, anchorUptime, unixS)], events, received);
          for (const t of r.times) {
            expect(t.occurredAt).not.toBeNull();
            expect(t.occurredAt!.getTime() / 1000).toBeLessThanOrEqual(recvS + DEFAULT_TIME_SANITY.futureToleranceS);
          }
        },
      ),
    );
  });
});
