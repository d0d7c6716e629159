/** The range at a glance: the total row of the program metrics, as headline figures. */
import type { MetricsRow } from './metric-format.ts';
import { decimal, points, revenue, share } from './metric-format.ts';

export function ProgramTotals({ total }: { total: MetricsRow }) {
  const figures: { metric: string; label: string; value: string; note?: string }[] = [
    { metric: 'enrolled', label: 'Enrolled', value: String(total.enrolled) },
    { metric: 'activated', label: 'Activated', value: String(total.activated), note: total.medianDaysToActivation === null ? undefined : `median ${decimal(total.medianDaysToActivation)} days to first data` },
    { metric: 'periods-closed', label: 'Periods closed', value: String(total.periods.closed), note: total.periods.monitoredDaysPerPeriod === null ? undefined : `mean ${decimal(total.periods.monitoredDaysPerPeriod)} monitored days` },
    { metric: 'reached16', label: 'Periods ≥ 16 days', value: share(total.periods.reached16) },
    { metric: 'retention-d30', label: 'Retained at day 30', value: share(total.retention.d30.share), note: `${total.retention.d30.retained} of ${total.retention.d30.eligible}` },
    { metric: 'interventions', label: 'Interventions', value: String(total.interventions.communications + total.interventions.therapyChanges), note: `${decimal(total.interventions.perPatientMonth, 2)} per patient-month` },
    { metric: 'adherence-change', label: 'Adherence change', value: points(total.adherence.change), note: `${total.adherence.patients} patients with 60 days` },
    { metric: 'expected-revenue', label: 'Expected revenue', value: revenue(total.expectedRevenue) },
  ];
  return (
    <dl class="counts program-totals" aria-label="Totals for the range">
      {figures.map((f) => (
        <div key={f.metric}>
          <dt>{f.label}</dt>
          <dd data-testid={`total-${f.metric}`}>{f.value}</dd>
          {f.note ? <dd class="hint">{f.note}</dd> : null}
        </div>
      ))}
    </dl>
  );
}
