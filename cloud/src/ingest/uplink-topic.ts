/** Uplink topics: `pillcap/v1/{serial}/up`. The subscription filter, optionally through a shared subscription. */
import { SERIAL_PATTERN } from '../../../protocol/src/messages.ts';

export const UPLINK_FILTER = 'pillcap/v1/+/up';

/** `$share/<group>/pillcap/v1/+/up` when a group is given, else the plain filter. */
export function uplinkSubscription(sharedGroup?: string | null): string {
  return sharedGroup ? `$share/${sharedGroup}/${UPLINK_FILTER}` : UPLINK_FILTER;
}

export type ParsedTopic = { ok: true; serial: string } | { ok: false; serial: string | null; reason: string };

export function parseUplinkTopic(topic: string): ParsedTopic {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'pillcap' || parts[1] !== 'v1' || parts[3] !== 'up') {
    return { ok: false, serial: null, reason: `topic "${topic.slice(0, 200)}" is not pillcap/v1/{serial}/up` };
  }
  const serial = parts[2]!;
  if (!SERIAL_PATTERN.test(serial)) {
    return { ok: false, serial: serial.slice(0, 64), reason: `topic serial "${serial.slice(0, 64)}" is not a valid serial` };
  }
  return { ok: true, serial };
}
