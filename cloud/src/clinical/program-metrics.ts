/**
 * Program metrics for an organisation, by month and by coordinator (pure: the repository loads the facts).
 * Every month is a patient-local calendar month; every "day" a patient-local date. Definitions:
 *
 *  - enrolled: patients whose monitoring started (patients.monitoring_start) in the month.
 *  - activated: patients whose first data day (first date on or after monitoring start with any device
 *    activity: an event or a heartbeat) fell in the month; medianDaysToActivation = median of
 *    (activation date - monitoring start) in days over them.
 *  - periods: 30-day supply periods that ended in the month and are closed (status not open);
 *    monitoredDaysPerPeriod = mean monitored days; reached2 / reached16 = share with >= 2 / >= 16 days.
 *  - retention N (30, 60, 90): of the patients activated in the month whose day N after activation has come
 *    (activation + N <= today), the share with any data in the 7 days ending at day N (N-6..N).
 *  - alerts: raised in the month; medianMinutesToAcknowledge = median of the minutes from raised to the first
 *    human action (acknowledged, else closed by a person) over those that had one.
 *  - interventions: interactive communications and therapy changes in the month, per patient-month
 *    (patient-months = patients whose monitoring had started by the month's last day, summed over months).
 *  - adherence: taking adherence (doses taken / expected, cloud/src/adherence) of the patients activated in
 *    the month who have 60 days of data time: the first 30 days after activation against the latest 30 days
 *    (ending yesterday); means over the patients with both, and the mean paired change in points.
 *  - codes: supply and setup codes of those closed periods, management codes of management months that have
 *    ended; units by code. expectedRevenue = units x the fee schedule (fee-schedule.ts), unpriced codes listed.
 * Coordinator and total rows apply the same definitions to every month of the range together.
 */
import { addDays, daysBetween, monthBounds, monthOf, type LocalDate, type LocalMonth } from '../billing/local-date.ts';
import { HIGH_TIER_MIN_DAYS, LOW_TIER_MIN_DAYS } from '../billing/supply-code.ts';
import { expectedRevenue, type FeeEntry, type Revenue } from './fee-schedule.ts';

export const RETENTION_DAYS = [30, 60, 90] as const;
/** Days ending at day N in which any data counts as "still transmitting". */
export const RETENTION_WINDOW_DAYS = 7;

export interface MetricsPatient {
  id: string;
  coordinatorId: string | null;
  /** patient-local today */
  today: LocalDate;
  monitoringStart: LocalDate;
  activationDate: LocalDate | null;
  /** dates with any device activity, ascending */
  dataDates: readonly LocalDate[];
  /** closed supply periods: end date, monitored days, codes */
  periods: readonly { endDate: LocalDate; monitoredDays: number; codes: readonly { code: string; units: number }[] }[];
  /** management months that have ended, with their codes */
  managementMonths: readonly { month: LocalMonth; codes: readonly { code: string; units: number }[] }[];
  communicationsByMonth: ReadonlyMap<LocalMonth, number>;
  therapyChangesByMonth: ReadonlyMap<LocalMonth, number>;
  /** alerts by patient-local month raised, with minutes to the first human action (null = none yet) */
  alerts: readonly { month: LocalMonth; minutesToAcknowledge: number | null }[];
  /** taking adherence in the first and the latest 30 days; null when not old enough or no expected dose */
  adherence: { first30: number | null; latest30: number | null };
}

export interface MetricsRow {
  enrolled: number;
  activated: number;
  medianDaysToActivation: number | null;
  periods: { closed: number; monitoredDaysPerPeriod: number | null; reached2: number | null; reached16: number | null };
  retention: Record<'d30' | 'd60' | 'd90', { eligible: number; retained: number; share: number | null }>;
  alerts: { raised: number; acknowledged: number; medianMinutesToAcknowledge: number | null };
  interventions: { communications: number; therapyChanges: number; patientMonths: number; perPatientMonth: number | null };
  adherence: { patients: number; first30: number | null; latest30: number | null; change: number | null };
  codes: Record<string, number>;
  expectedRevenue: Revenue;
}

export interface ProgramMetrics {
  from: LocalMonth;
  to: LocalMonth;
  months: (MetricsRow & { month: LocalMonth })[];
  coordinators: (MetricsRow & { coordinatorId: string | null })[];
  total: MetricsRow;
  feeSchedule: FeeEntry[];
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);
const share = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/** Every month from `from` to `to` inclusive. */
export function monthsBetween(from: LocalMonth, to: LocalMonth): LocalMonth[] {
  const out: LocalMonth[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > to) break;
    out.push(month);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

function hasDataBetween(dates: readonly LocalDate[], from: LocalDate, to: LocalDate): boolean {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dates[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < dates.length && dates[lo]! <= to;
}

const lastDayOf = (month: LocalMonth): LocalDate => monthBounds(month).last;

export function metricsRow(patients: readonly MetricsPatient[], months: ReadonlySet<LocalMonth>, schedule: readonly FeeEntry[]): MetricsRow {
  const enrolled = patients.filter((p) => months.has(monthOf(p.monitoringStart))).length;
  const activatedPatients = patients.filter((p) => p.activationDate && months.has(monthOf(p.activationDate)));
  const periods = patients.flatMap((p) => p.periods.filter((x) => months.has(monthOf(x.endDate))));
  const codes = new Map<string, number>();
  const add = (lines: readonly { code: string; units: number }[]) => {
    for (const l of lines) codes.set(l.code, (codes.get(l.code) ?? 0) + l.units);
  };
  for (const x of periods) add(x.codes);
  for (const p of patients) for (const m of p.managementMonths) if (months.has(m.month)) add(m.codes);

  const retention = {} as MetricsRow['retention'];
  for (const n of RETENTION_DAYS) {
    const eligible = activatedPatients.filter((p) => addDays(p.activationDate!, n) <= p.today);
    const retained = eligible.filter((p) => hasDataBetween(p.dataDates, addDays(p.activationDate!, n - RETENTION_WINDOW_DAYS + 1), addDays(p.activationDate!, n)));
    retention[`d${n}`] = { eligible: eligible.length, retained: retained.length, share: share(retained.length, eligible.length) };
  }

  const alerts = patients.flatMap((p) => p.alerts.filter((a) => months.has(a.month)));
  const acked = alerts.filter((a) => a.minutesToAcknowledge !== null).map((a) => a.minutesToAcknowledge!);
  let communications = 0;
  let therapyChanges = 0;
  let patientMonths = 0;
  for (const p of patients) {
    for (const m of months) {
      communications += p.communicationsByMonth.get(m) ?? 0;
      therapyChanges += p.therapyChangesByMonth.get(m) ?? 0;
      if (p.monitoringStart <= lastDayOf(m) && m <= monthOf(p.today)) patientMonths += 1;
    }
  }
  const paired = activatedPatients.filter((p) => p.adherence.first30 !== null && p.adherence.latest30 !== null);
  const first30 = mean(paired.map((p) => p.adherence.first30!));
  const latest30 = mean(paired.map((p) => p.adherence.latest30!));

  const codeRecord = Object.fromEntries([...codes].sort(([a], [b]) => a.localeCompare(b)));
  return {
    enrolled,
    activated: activatedPatients.length,
    medianDaysToActivation: median(activatedPatients.map((p) => daysBetween(p.monitoringStart, p.activationDate!))),
    periods: {
      closed: periods.length,
      monitoredDaysPerPeriod: mean(periods.map((x) => x.monitoredDays)),
      reached2: share(periods.filter((x) => x.monitoredDays >= LOW_TIER_MIN_DAYS).length, periods.length),
      reached16: share(periods.filter((x) => x.monitoredDays >= HIGH_TIER_MIN_DAYS).length, periods.length),
    },
    retention,
    alerts: { raised: alerts.length, acknowledged: acked.length, medianMinutesToAcknowledge: median(acked) },
    interventions: { communications, therapyChanges, patientMonths, perPatientMonth: share(communications + therapyChanges, patientMonths) },
    adherence: { patients: paired.length, first30, latest30, change: mean(paired.map((p) => p.adherence.latest30! - p.adherence.first30!)) },
    codes: codeRecord,
    expectedRevenue: expectedRevenue(codes, schedule),
  };
}

export function computeProgramMetrics(input: { patients: readonly MetricsPatient[]; from: LocalMonth; to: LocalMonth; feeSchedule: readonly FeeEntry[] }): ProgramMetrics {
  const months = monthsBetween(input.from, input.to);
  const all = new Set(months);
  const byCoordinator = new Map<string | null, MetricsPatient[]>();
  for (const p of input.patients) {
    const list = byCoordinator.get(p.coordinatorId) ?? [];
    list.push(p);
    byCoordinator.set(p.coordinatorId, list);
  }
  return {
    from: input.from,
    to: input.to,
    months: months.map((month) => ({ month, ...metricsRow(input.patients, new Set([month]), input.feeSchedule) })),
    coordinators: [...byCoordinator]
      // by id, the patients without a coordinator last
      .sort(([a], [b]) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1))
      .map(([coordinatorId, list]) => ({ coordinatorId, ...metricsRow(list, all, input.feeSchedule) })),
    total: metricsRow(input.patients, all, input.feeSchedule),
    feeSchedule: [...input.feeSchedule],
  };
}
