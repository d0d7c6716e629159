/** Where an event's data comes from, for billing and analytics (events.source). */
import { EventKind } from '../../../protocol/src/messages.ts';
import type { EventSource } from '../repositories/events.ts';

export function eventSource(kind: number): EventSource {
  switch (kind) {
    case EventKind.LidOpened:
    case EventKind.ReminderDue:
    case EventKind.DoseMissed:
      return 'device';
    case EventKind.Symptom:
      return 'self_report';
    default:
      return 'diagnostic';
  }
}
