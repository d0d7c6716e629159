/**
 * Loads the engine's inputs for a set of patients in a fixed number of queries and runs the pure engine.
 * Read-only: nothing is written here.
 */
import type { Queryable } from '../db/database.ts';
import {
  loadAssignments,
  loadCommunications,
  loadDays,
  loadDocumentation,
  loadExportedPeriods,
  loadPatientContexts,
  loadTimeEntries,
  type PatientContext,
} from './billing-repository.ts';
import { computePatientBilling, computePeriodRecords, type DayFacts, type PatientBilling, type PeriodRecord } from './patient-billing.ts';

export interface PatientBillingWithContext {
  context: PatientContext;
  billing: PatientBilling;
}

/** The patients' contexts: those the caller already loaded, else from the database. */
async function contextsOf(q: Queryable, patientIds: readonly string[], preloaded?: ReadonlyMap<string, PatientContext>): Promise<Map<string, PatientContext>> {
  if (!preloaded) return loadPatientContexts(q, patientIds);
  return new Map(patientIds.flatMap((id) => (preloaded.has(id) ? [[id, preloaded.get(id)!] as const] : [])));
}

export async function computeBillingForPatients(
  q: Queryable,
  patientIds: readonly string[],
  asOf: Date,
  /** days already in memory (a rebuild just produced them): saves re-reading monitored_days */
  preloadedDays?: ReadonlyMap<string, readonly DayFacts[]>,
  /** contexts already loaded by the caller */
  preloadedContexts?: ReadonlyMap<string, PatientContext>,
): Promise<Map<string, PatientBillingWithContext>> {
  const out = new Map<string, PatientBillingWithContext>();
  if (patientIds.length === 0) return out;
  const contexts = await contextsOf(q, patientIds, preloadedContexts);
  const ids = [...contexts.keys()];
  const days = preloadedDays ?? (await loadDays(q, ids));
  const assignments = await loadAssignments(q, ids);
  const timeEntries = await loadTimeEntries(q, ids);
  const communications = await loadCommunications(q, ids);
  const documentation = await loadDocumentation(q, ids);
  const exported = await loadExportedPeriods(q, contexts);
  for (const [id, context] of contexts) {
    out.set(id, {
      context,
      billing: computePatientBilling({
        patient: context.patient,
        policy: context.policy,
        days: days.get(id) ?? [],
        assignments: assignments.get(id),
        timeEntries: timeEntries.get(id),
        communications: communications.get(id),
        documentation: documentation.get(id),
        exported: exported.get(id),
        asOf,
      }),
    });
  }
  return out;
}

/**
 * The stored period records of these patients (no evidence): loads only what the records rest on (days,
 * assignments, exported snapshots), not management time, communications or documentation.
 */
export async function computePeriodRecordsForPatients(
  q: Queryable,
  patientIds: readonly string[],
  asOf: Date,
  days: ReadonlyMap<string, readonly DayFacts[]>,
  preloadedContexts?: ReadonlyMap<string, PatientContext>,
): Promise<Map<string, PeriodRecord[]>> {
  const out = new Map<string, PeriodRecord[]>();
  if (patientIds.length === 0) return out;
  const contexts = await contextsOf(q, patientIds, preloadedContexts);
  const ids = [...contexts.keys()];
  const assignments = await loadAssignments(q, ids);
  const exported = await loadExportedPeriods(q, contexts);
  for (const [id, context] of contexts) {
    out.set(id, computePeriodRecords({ patient: context.patient, policy: context.policy, days: days.get(id) ?? [], assignments: assignments.get(id), exported: exported.get(id), asOf }));
  }
  return out;
}
