/**
 * The program page's charts by month (definitions: docs/clinical.md "Program metrics"). Shares are charted
 * in percent; every table also shows the counts a share is taken over, so a 100 % of one patient reads as such.
 */
import type { MonthFigureSpec } from './month-figure.tsx';
import { codeList, decimal, points, revenue, share } from './metric-format.ts';

const pct = (value: number | null): number | null => (value === null ? null : Math.round(value * 1000) / 10);
const count = (value: number): string => String(value);

export const MONTH_FIGURES: readonly MonthFigureSpec[] = [
  {
    id: 'activation',
    title: 'Enrolment and activation',
    explain: 'Patients whose monitoring started in the month, and patients whose first data arrived in the month.',
    unit: 'patients',
    style: 'bars',
    series: [
      { label: 'Enrolled', value: (m) => m.enrolled },
      { label: 'Activated', value: (m) => m.activated },
    ],
    columns: [
      { header: 'Enrolled', metric: 'enrolled', cell: (m) => count(m.enrolled) },
      { header: 'Activated', metric: 'activated', cell: (m) => count(m.activated) },
      { header: 'Median days to activation', metric: 'median-days-to-activation', cell: (m) => decimal(m.medianDaysToActivation) },
    ],
  },
  {
    id: 'monitored-days',
    title: 'Monitored days per supply period',
    explain: 'Of the 30-day supply periods that closed in the month: the share reaching 2 and 16 monitored days.',
    unit: '% of periods',
    yRange: [0, 100],
    style: 'lines',
    series: [
      { label: '≥ 2 days', value: (m) => pct(m.periods.reached2) },
      { label: '≥ 16 days', value: (m) => pct(m.periods.reached16) },
    ],
    columns: [
      { header: 'Periods closed', metric: 'periods-closed', cell: (m) => count(m.periods.closed) },
      { header: 'Mean monitored days', metric: 'monitored-days-per-period', cell: (m) => decimal(m.periods.monitoredDaysPerPeriod) },
      { header: '≥ 2 days', metric: 'reached2', cell: (m) => share(m.periods.reached2) },
      { header: '≥ 16 days', metric: 'reached16', cell: (m) => share(m.periods.reached16) },
    ],
  },
  {
    id: 'retention',
    title: 'Retention',
    explain: 'Of the patients activated in the month whose day 30, 60 or 90 has come: the share still sending data in the 7 days up to it.',
    unit: '% retained',
    yRange: [0, 100],
    style: 'lines',
    series: [
      { label: 'Day 30', value: (m) => pct(m.retention.d30.share) },
      { label: 'Day 60', value: (m) => pct(m.retention.d60.share) },
      { label: 'Day 90', value: (m) => pct(m.retention.d90.share) },
    ],
    columns: (['d30', 'd60', 'd90'] as const).map((d) => ({
      header: `Day ${d.slice(1)}`,
      metric: `retention-${d}`,
      cell: (m) => `${share(m.retention[d].share)} (${m.retention[d].retained} of ${m.retention[d].eligible})`,
    })),
  },
  {
    id: 'interventions',
    title: 'Interventions and alert response',
    explain: 'Interactive communications and therapy changes recorded in the month.',
    unit: 'count',
    style: 'bars',
    series: [
      { label: 'Communications', value: (m) => m.interventions.communications },
      { label: 'Therapy changes', value: (m) => m.interventions.therapyChanges },
    ],
    columns: [
      { header: 'Communications', metric: 'communications', cell: (m) => count(m.interventions.communications) },
      { header: 'Therapy changes', metric: 'therapy-changes', cell: (m) => count(m.interventions.therapyChanges) },
      { header: 'Per patient-month', metric: 'interventions-per-patient-month', cell: (m) => decimal(m.interventions.perPatientMonth, 2) },
      { header: 'Alerts raised', metric: 'alerts-raised', cell: (m) => count(m.alerts.raised) },
      { header: 'Median minutes to acknowledge', metric: 'median-minutes-to-acknowledge', cell: (m) => decimal(m.alerts.medianMinutesToAcknowledge, 0) },
    ],
  },
  {
    id: 'adherence',
    title: 'Adherence improvement',
    explain: 'Taking adherence of the patients activated in the month with 60 days of data: their first 30 days against their latest 30.',
    unit: '% doses taken',
    yRange: [0, 100],
    style: 'lines',
    series: [
      { label: 'First 30 days', value: (m) => pct(m.adherence.first30) },
      { label: 'Latest 30 days', value: (m) => pct(m.adherence.latest30) },
    ],
    columns: [
      { header: 'Patients', metric: 'adherence-patients', cell: (m) => count(m.adherence.patients) },
      { header: 'First 30 days', metric: 'adherence-first30', cell: (m) => share(m.adherence.first30) },
      { header: 'Latest 30 days', metric: 'adherence-latest30', cell: (m) => share(m.adherence.latest30) },
      { header: 'Change', metric: 'adherence-change', cell: (m) => points(m.adherence.change) },
    ],
  },
  {
    id: 'revenue',
    title: 'Codes and expected revenue',
    explain: 'Units billing would claim for the month (closed supply periods, ended management months) priced at the fee schedule below.',
    unit: 'USD',
    style: 'bars',
    series: [{ label: 'Expected revenue', value: (m) => m.expectedRevenue.amount }],
    columns: [
      { header: 'Codes (units)', metric: 'codes', cell: (m) => codeList(m.codes) },
      { header: 'Expected revenue', metric: 'expected-revenue', cell: (m) => revenue(m.expectedRevenue) },
      { header: 'Not priced', metric: 'unpriced', cell: (m) => (m.expectedRevenue.unpriced.length === 0 ? 'none' : m.expectedRevenue.unpriced.map((u) => `${u.code} × ${u.units}`).join(', ')) },
    ],
  },
];
