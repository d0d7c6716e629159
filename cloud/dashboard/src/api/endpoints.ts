/**
 * Every /v1 call the workspace makes, typed from the zod schemas the routes themselves validate and
 * serialise with (type-only imports: no zod in the bundle). A changed route schema changes these types and
 * breaks `npm run typecheck` where a page uses them; cloud/test/dashboard/endpoints-contract.test.ts checks
 * that each method and path here is a route the API registers.
 */
import type { z } from 'zod';
import type * as alerts from '../../../src/api/routes/alerts/schemas.ts';
import type * as billing from '../../../src/api/routes/billing/schemas.ts';
import type * as carePlans from '../../../src/api/routes/care-plans/schemas.ts';
import type * as work from '../../../src/api/routes/clinical-work/schemas.ts';
import type * as devices from '../../../src/api/routes/devices/schemas.ts';
import type * as enrolment from '../../../src/api/routes/enrolment/schemas.ts';
import type * as fleet from '../../../src/api/routes/fleet/schemas.ts';
import type * as patients from '../../../src/api/routes/patients/schemas.ts';
import type * as program from '../../../src/api/routes/program/schemas.ts';
import type * as reports from '../../../src/api/routes/reports/schemas.ts';
import type * as session from '../../../src/api/routes/session/schemas.ts';
import type * as support from '../../../src/api/routes/support/schemas.ts';
import type * as tokens from '../../../src/api/routes/tokens/schemas.ts';
import type * as users from '../../../src/api/routes/users/schemas.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** What a route answers (its response schema's output). */
export type Out<T extends z.ZodType> = z.output<T>;
/** What a route accepts (its body or query schema's input, before defaults and coercion). */
export type In<T extends z.ZodType> = z.input<T>;
type NoBody = undefined;
type NoQuery = Record<string, never>;

/** An endpoint: method and path; the phantom fields carry the response, body and query types. */
export interface Endpoint<R, B = NoBody, Q = NoQuery, P extends string = string> {
  method: Method;
  path: P;
  /** the answer is CSV text, not JSON */
  text?: boolean;
  readonly _types?: { response: R; body: B; query: Q };
}

/** `def<Response, Body, Query>()(method, path)`: curried so the path keeps its literal type (its :params). */
const def =
  <R, B = NoBody, Q = NoQuery>() =>
  <P extends string>(method: Method, path: P, text?: boolean): Endpoint<R, B, Q, P> => ({ method, path, ...(text ? { text } : {}) });

export type Alert = Out<typeof alerts.Alert>;
export type AlertWithHistory = Out<typeof alerts.AlertWithHistory>;
export type WorklistRow = Out<typeof work.Worklist>['items'][number];
export type WorkItem = WorklistRow['items'][number];
export type Patient = Out<typeof patients.Patient>;
export type PatientSummary = Out<typeof patients.PatientSummary>;
export type SessionInfo = Out<typeof session.SessionInfo>;
export type Timer = Out<typeof work.Timer>;
export type TimeCategory = Out<typeof work.Category>;
export type CarePlan = Out<typeof carePlans.CarePlan>;
export type StaffUser = Out<typeof users.StaffUser>;
export type Diagnostics = Out<typeof support.Diagnostics>;
export type Device = Out<typeof devices.Device>;
export type DeviceDetail = Out<typeof devices.DeviceDetail>;
export type Report = Out<typeof reports.Report>;
export type ReportRow = Out<typeof reports.ReportRow>;
export type PeriodEvidence = Out<typeof reports.PeriodEvidence>;
export type Activation = Out<typeof enrolment.Activation>;
export type Metrics = Out<typeof program.Metrics>;
export type Documentation = Out<typeof billing.Documentation>;

export const endpoints = {
  // session and identity
  signIn: def<Out<typeof session.SessionInfo>, In<typeof session.SignInBody>>()('POST', '/v1/session'),
  session: def<Out<typeof session.SessionInfo>>()('GET', '/v1/session'),
  signOut: def<null>()('DELETE', '/v1/session'),
  changePassword: def<null, In<typeof session.ChangePasswordBody>>()('POST', '/v1/session/password'),
  me: def<Out<typeof tokens.Me>>()('GET', '/v1/me'),
  users: def<Out<typeof users.UserList>>()('GET', '/v1/users'),

  // the month's work
  worklist: def<Out<typeof work.Worklist>, NoBody, In<typeof work.WorklistQuery>>()('GET', '/v1/worklist'),
  currentTimer: def<Out<typeof work.CurrentTimer>>()('GET', '/v1/timers/current'),
  startTimer: def<Out<typeof work.StartedTimer>, In<typeof work.StartTimerBody>>()('POST', '/v1/patients/:patientId/timers'),
  stopTimer: def<Out<typeof work.StoppedTimer>>()('POST', '/v1/patients/:patientId/timers/stop'),
  discardTimer: def<Out<typeof work.DiscardedTimer>>()('DELETE', '/v1/patients/:patientId/timers'),
  timeEntries: def<Out<typeof work.TimeEntryList>, NoBody, In<typeof work.TimeEntriesQuery>>()('GET', '/v1/patients/:patientId/time-entries'),
  addTimeEntry: def<Out<typeof billing.TimeEntry>, In<typeof billing.TimeEntryBody>>()('POST', '/v1/patients/:patientId/time-entries'),
  deleteTimeEntry: def<Out<typeof work.DeletedEntry>>()('DELETE', '/v1/patients/:patientId/time-entries/:entryId'),
  logCommunication: def<Out<typeof billing.Communication>, In<typeof billing.CommunicationBody>>()('POST', '/v1/patients/:patientId/communications'),
  therapyChanges: def<Out<typeof work.TherapyChangeList>, NoBody, In<typeof work.MonthQuery>>()('GET', '/v1/patients/:patientId/therapy-changes'),
  recordTherapyChange: def<Out<typeof work.TherapyChange>, In<typeof work.TherapyChangeBody>>()('POST', '/v1/patients/:patientId/therapy-changes'),
  dataReviews: def<Out<typeof work.DataReviewList>, NoBody, In<typeof work.MonthQuery>>()('GET', '/v1/patients/:patientId/data-reviews'),
  recordDataReview: def<Out<typeof work.DataReview>, In<typeof work.DataReviewBody>>()('POST', '/v1/patients/:patientId/data-reviews'),
  documentation: def<Out<typeof billing.Documentation>>()('GET', '/v1/patients/:patientId/documentation/:month'),
  saveDocumentation: def<Out<typeof billing.Documentation>, In<typeof billing.DocumentationBody>>()('PUT', '/v1/patients/:patientId/documentation/:month'),

  // alerts
  alerts: def<Out<typeof alerts.AlertList>, NoBody, In<typeof alerts.ListAlertsQuery>>()('GET', '/v1/alerts'),
  alert: def<Out<typeof alerts.AlertWithHistory>>()('GET', '/v1/alerts/:alertId'),
  acknowledgeAlert: def<Out<typeof alerts.Alert>>()('POST', '/v1/alerts/:alertId/acknowledge'),
  resolveAlert: def<Out<typeof alerts.Alert>, In<typeof alerts.ResolveBody>>()('POST', '/v1/alerts/:alertId/resolve'),
  dismissAlert: def<Out<typeof alerts.Alert>, In<typeof alerts.DismissBody>>()('POST', '/v1/alerts/:alertId/dismiss'),
  assignAlert: def<Out<typeof alerts.Alert>, In<typeof alerts.AssignBody>>()('POST', '/v1/alerts/:alertId/assign'),

  // patients, care plans, caps
  patients: def<Out<typeof patients.PatientList>, NoBody, In<typeof patients.ListPatientsQuery>>()('GET', '/v1/patients'),
  patient: def<Out<typeof patients.Patient>>()('GET', '/v1/patients/:patientId'),
  enrolPatient: def<Out<typeof patients.Patient>, In<typeof patients.EnrolPatientBody>>()('POST', '/v1/patients'),
  assignments: def<Out<typeof patients.AssignmentList>>()('GET', '/v1/patients/:patientId/assignments'),
  assignCap: def<Out<typeof patients.Assignment>, In<typeof patients.AssignBody>>()('POST', '/v1/patients/:patientId/assignments'),
  carePlan: def<Out<typeof carePlans.CarePlan>>()('GET', '/v1/patients/:patientId/care-plan'),
  saveCarePlan: def<Out<typeof carePlans.CarePlan>, In<typeof carePlans.CarePlanBody>>()('PUT', '/v1/patients/:patientId/care-plan'),
  devices: def<Out<typeof devices.DeviceList>, NoBody, In<typeof devices.ListDevicesQuery>>()('GET', '/v1/devices'),
  stockCaps: def<Out<typeof enrolment.StockList>, NoBody, In<typeof enrolment.StockQuery>>()('GET', '/v1/stock/caps'),
  capShipments: def<Out<typeof enrolment.ShipmentList>>()('GET', '/v1/patients/:patientId/cap-shipments'),
  requestCapShipment: def<Out<typeof enrolment.CapShipment>, In<typeof enrolment.ShipmentBody>>()('POST', '/v1/patients/:patientId/cap-shipments'),
  activation: def<Out<typeof enrolment.Activation>>()('GET', '/v1/patients/:patientId/activation'),
  pendingEnrolments: def<Out<typeof enrolment.PendingEnrolments>, NoBody, In<typeof enrolment.PendingQuery>>()('GET', '/v1/enrolments/pending'),
  device: def<Out<typeof devices.DeviceDetail>>()('GET', '/v1/devices/:serial'),

  // the patient's data and billing
  calendar: def<Out<typeof billing.Calendar>, NoBody, In<typeof billing.CalendarQuery>>()('GET', '/v1/patients/:patientId/monitored-days'),
  billingPeriods: def<Out<typeof billing.BillingPeriods>, NoBody, In<typeof billing.PeriodsQuery>>()('GET', '/v1/patients/:patientId/billing-periods'),
  adherence: def<Out<typeof billing.Adherence>, NoBody, In<typeof billing.RangeQuery>>()('GET', '/v1/patients/:patientId/adherence'),
  symptoms: def<Out<typeof billing.Symptoms>, NoBody, In<typeof billing.RangeQuery>>()('GET', '/v1/patients/:patientId/symptoms'),

  // the month's billing
  report: def<Out<typeof reports.Report>, NoBody, { format?: 'json' }>()('GET', '/v1/billing/reports/:month'),
  reportCsv: def<string, NoBody, { format: 'csv' }>()('GET', '/v1/billing/reports/:month', true),
  exportMonth: def<string, NoBody, { format: 'csv' }>()('POST', '/v1/billing/reports/:month/export', true),
  exports: def<Out<typeof reports.ExportList>>()('GET', '/v1/billing/exports'),

  // the program
  metrics: def<Out<typeof program.Metrics>, NoBody, In<typeof program.MetricsQuery>>()('GET', '/v1/program/metrics'),
  feeSchedule: def<Out<typeof program.FeeSchedule>>()('GET', '/v1/program/fee-schedule'),

  // support
  diagnostics: def<Out<typeof support.Diagnostics>, NoBody, In<typeof support.DiagnosticsQuery>>()('GET', '/v1/devices/:serial/diagnostics'),
  sendCommand: def<Out<typeof support.CommandAccepted>, In<typeof support.SendCommandBody>>()('POST', '/v1/devices/:serial/commands'),
  fleet: def<Out<typeof fleet.Fleet>, NoBody, In<typeof fleet.FleetQuery>>()('GET', '/v1/support/fleet'),
} as const;

export type Endpoints = typeof endpoints;
