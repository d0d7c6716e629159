/**
 * Public surface of the billing engine for the ingestor (C1), the API and CLI (C3). See docs/billing.md.
 */
export { refreshDaysForEvents, refreshDaysForHeartbeats, refreshDaysForDeviceHeartbeats, rebuildDaysForPatients, type IngestedEvent } from './refresh-days.ts';
export { recomputePatient, recomputePatients, recomputePatientsInBatches, recomputePeriodsInBatches, recomputePeriodsInTx, recomputeOrganisation, billingForPatient, type RecomputePhases } from './recompute-patient.ts';
export { rebuildDaysInSql, type DaysSqlResult } from './days-sql.ts';
export { lockPatientDays, patientDayBucket, PATIENT_DAY_BUCKETS } from './patient-day-lock.ts';
export { buildMonthlyReport, markExported, toCsv, formatCodes, type MonthlyReport, type MonthlyReportRow, type ExportResult } from './monthly-report.ts';
export { logManagementTime, logInteractiveCommunication, saveMonthlyDocumentation } from './management-repository.ts';
export { listExports, latestExport, type ExportRecord } from './billing-repository.ts';
export { PatientNotFoundError, BillingInputError } from './billing-errors.ts';
export { policyFromSettings, billingSettingsSchema, DEFAULT_BILLING_POLICY, InvalidBillingSettingsError, type BillingPolicy, type BillingSettings } from './billing-policy.ts';
export { computePatientBilling, type PatientBilling, type PeriodResult, type PeriodEvidence, type ManagementMonthResult } from './patient-billing.ts';
export { buildMonitoredDays, type MonitoredDay } from './monitored-days.ts';
export { supplyCodeFor } from './supply-code.ts';
export { managementCodesFor } from './management-codes.ts';
export { localDateOf, InvalidTimeZoneError } from './local-date.ts';
