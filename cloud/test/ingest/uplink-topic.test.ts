import { describe, expect, it } from 'vitest';
import { parseUplinkTopic, uplinkSubscription } from '../../src/ingest/uplink-topic.ts';
import { eventSource } from '../../src/ingest/event-source.ts';
import { isTransientDbError } from '../../src/ingest/transient-error.ts';

describe('uplink topics', () => {
  it('subscribes plainly or through a shared subscription', () => {
    expect(uplinkSubscription()).toBe('pillcap/v1/+/up');
    expect(uplinkSubscription('ingest')).toBe('$share/ingest/pillcap/v1/+/up');
  });

  it('parses the serial and rejects anything else', () => {
    expect(parseUplinkTopic('pillcap/v1/PC-0001/up')).toEqual({ ok: true, serial: 'PC-0001' });
    expect(parseUplinkTopic('pillcap/v1/pc-0001/up')).toMatchObject({ ok: false, serial: 'pc-0001' });
    expect(parseUplinkTopic('pillcap/v2/PC-0001/up')).toMatchObject({ ok: false, serial: null });
    expect(parseUplinkTopic('pillcap/v1/PC-0001/down')).toMatchObject({ ok: false });
    expect(parseUplinkTopic('pillcap/v1/PC-0001/up/x')).toMatchObject({ ok: false });
  });
});

describe('event source', () => {
  it('classifies kinds', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(eventSource)).toEqual([
      'device',
      'self_report',
      'device',
      'device',
      'diagnostic',
      'diagnostic',
      'diagnostic',
      'diagnostic',
      'diagnostic',
    ]);
  });
});

describe('transient database errors', () => {
  it('retries outages and lost races, not bad statements', () => {
    expect(isTransientDbError(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('x'), { code: '40P01' }))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isTransientDbError(Object.assign(new Error('x'), { code: '42601' }))).toBe(false);
    expect(isTransientDbError('nope')).toBe(false);
  });
});
