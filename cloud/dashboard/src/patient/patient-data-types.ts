/** The answers of the patient page's data endpoints, by name (types from the route schemas via endpoints.ts). */
import type { Endpoint, Endpoints } from '../api/endpoints.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ResponseOf<E> = E extends Endpoint<infer R, any, any, any> ? R : never;

export type Calendar = ResponseOf<Endpoints['calendar']>;
export type CalendarPeriod = Calendar['periods'][number];
export type CalendarDay = CalendarPeriod['days'][number];
export type BillingPeriods = ResponseOf<Endpoints['billingPeriods']>;
export type Adherence = ResponseOf<Endpoints['adherence']>;
export type AdherenceDay = Adherence['days'][number];
export type Symptoms = ResponseOf<Endpoints['symptoms']>;
export type Symptom = Symptoms['symptoms'][number];
export type DataReviews = ResponseOf<Endpoints['dataReviews']>;
