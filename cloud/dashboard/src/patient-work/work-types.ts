/** The records the work panels list, named from the endpoints' response types (so they follow the route schemas). */
import type { Endpoints } from '../api/endpoints.ts';

type ResponseOf<K extends keyof Endpoints> = NonNullable<Endpoints[K]['_types']>['response'];

export type TimeEntryRow = ResponseOf<'timeEntries'>['entries'][number];
export type CommunicationRow = ResponseOf<'documentation'>['communications'][number];
export type TherapyChangeRow = ResponseOf<'therapyChanges'>['changes'][number];
export type DocumentationAnswers = ResponseOf<'documentation'>['answers'];
export type DataReviewRow = ResponseOf<'dataReviews'>['reviews'][number];
