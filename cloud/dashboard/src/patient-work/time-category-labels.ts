/**
 * The activity categories of staff time, in the words staff use. Keyed by the API's category type (from
 * the route schema, itself from billing/time-categories.ts): a category added there fails the typecheck
 * here until it has a label, and a misspelt one cannot be sent.
 */
import type { TimeCategory } from '../api/endpoints.ts';

export const TIME_CATEGORY_LABEL: Readonly<Record<TimeCategory, string>> = {
  data_review: 'Data review',
  treatment_management: 'Treatment management',
  patient_communication: 'Patient communication',
  care_coordination: 'Care coordination',
  documentation: 'Documentation',
  device_logistics: 'Device logistics (not counted)',
};

export const TIME_CATEGORIES = Object.keys(TIME_CATEGORY_LABEL) as TimeCategory[];

export const isTimeCategory = (value: string): value is TimeCategory => value in TIME_CATEGORY_LABEL;

export const categoryLabel = (value: string): string => (isTimeCategory(value) ? TIME_CATEGORY_LABEL[value] : value);
