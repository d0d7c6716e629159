/** Public surface of adherence analytics (analytics only; billing never uses these rules). See docs/billing.md §Adherence. */
export { adherenceForPatient, symptomTimeline } from './adherence-repository.ts';
export { computeAdherence, type AdherenceResult, type AdherenceDay, type AdherenceSummary } from './compute-adherence.ts';
export { resolveAdherenceOptions, DEFAULT_ADHERENCE_OPTIONS, InvalidAdherenceOptionsError, type AdherenceOptions } from './adherence-options.ts';
export { buildSymptomTimeline, type SymptomTimelineEntry } from './symptom-timeline.ts';
