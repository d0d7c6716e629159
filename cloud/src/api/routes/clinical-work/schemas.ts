import { z } from 'zod';
import { IsoDate, Month, Timestamp } from '../common-schemas.ts';
import { TIME_CATEGORIES } from '../../../billing/time-categories.ts';

export const Category = z.enum(TIME_CATEGORIES);

export const Timer = z.object({ patientId: z.string(), category: Category, activity: z.string(), startedAt: z.string(), elapsedSeconds: z.number() });
export const CurrentTimer = z.object({ timer: Timer.nullable() });
export const StartTimerBody = z.object({
  category: Category,
  activity: z.string().trim().min(1).max(500),
  /** stop the running timer first (it becomes a time entry; under a minute it is discarded) */
  switch: z.boolean().optional(),
});

export const TimeEntryView = z.object({
  id: z.number(), patientId: z.string(), month: z.string(), staff: z.string(), userId: z.string().nullable(), userName: z.string().nullable(), minutes: z.number(),
  activity: z.string(), category: z.string(), countsTowardManagement: z.boolean(), entryKind: z.enum(['timer', 'manual']), performedAt: z.string(),
  startedAt: z.string().nullable(), endedAt: z.string().nullable(), manualReason: z.string().nullable(), deletedAt: z.string().nullable(),
});
export const StoppedTimer = z.object({ timer: Timer, entry: TimeEntryView });
export const StartedTimer = z.object({
  timer: Timer,
  switched: z.object({ stopped: StoppedTimer.nullable(), discarded: Timer.nullable() }).optional(),
});
export const DiscardedTimer = z.object({ discarded: Timer });

export const EntryParams = z.object({ patientId: z.uuid(), entryId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
export const TimeEntriesQuery = z.object({ month: Month.optional(), includeDeleted: z.enum(['true', 'false']).optional() });
export const TimeEntryList = z.object({ entries: z.array(TimeEntryView) });
export const DeletedEntry = z.object({ id: z.number(), month: z.string(), deletedAt: z.string() });

export const MonthQuery = z.object({ month: Month.optional() });

export const TherapyChangeBody = z.object({
  what: z.string().trim().min(1).max(2000),
  why: z.string().trim().min(1).max(2000),
  changedAt: Timestamp,
  alertId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  evidence: z
    .object({ eventIds: z.array(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)).max(500).optional(), dates: z.array(IsoDate).max(400).optional() })
    .strict()
    .optional(),
});
export const TherapyChange = z.object({
  id: z.number(), patientId: z.string(), userId: z.string(), userName: z.string(), changedAt: z.string(), month: z.string(), what: z.string(), why: z.string(),
  alertId: z.number().nullable(), evidence: z.object({ eventIds: z.array(z.number()).optional(), dates: z.array(z.string()).optional() }), createdAt: z.string(),
});
export const TherapyChangeList = z.object({ changes: z.array(TherapyChange) });

export const DataReviewBody = z.object({ month: Month, note: z.string().trim().max(4000).optional() });
export const DataReview = z.object({ id: z.number(), patientId: z.string(), userId: z.string(), userName: z.string(), reviewedAt: z.string(), month: z.string(), note: z.string().nullable() });
export const DataReviewList = z.object({ reviews: z.array(DataReview) });

export const WorklistQuery = z.object({
  month: Month.optional(),
  /** me (the caller's patients: coordinator or clinical owner), all (default), or a user id */
  assignee: z.union([z.literal('me'), z.literal('all'), z.uuid()]).optional(),
  /** minimum level: urgent, high or normal (everything open) */
  urgency: z.enum(['urgent', 'high', 'normal']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
const WorkItem = z.object({ kind: z.string(), status: z.enum(['open', 'done', 'missed']), severity: z.enum(['urgent', 'high', 'normal']), title: z.string(), action: z.string(), due: z.string().nullable() });
export const Worklist = z.object({
  month: z.string(),
  assignee: z.string(),
  counts: z.object({
    total: z.number(), done: z.number(), byKind: z.record(z.string(), z.number()), byLevel: z.object({ urgent: z.number(), high: z.number(), normal: z.number() }),
  }),
  items: z.array(
    z.object({
      patientId: z.string(), reference: z.string(), name: z.string(), month: z.string(), coordinatorId: z.string().nullable(), clinicalOwnerId: z.string().nullable(),
      urgency: z.number(), level: z.enum(['urgent', 'high', 'normal', 'none']), openItems: z.number(), items: z.array(WorkItem), summary: z.record(z.string(), z.unknown()),
      computedAt: z.string(),
    }),
  ),
  next: z.string().nullable(),
});
