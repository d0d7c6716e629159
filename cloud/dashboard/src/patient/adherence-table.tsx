/** The charts' text alternative: every day (or week) with its doses, dose times and symptom reports. */
import { SymptomPattern } from '../../../../protocol/src/messages.ts';
import { formatDate } from '../components/format.ts';
import type { AdherencePoint, Grouping } from './adherence-series.ts';
import type { AdherenceDay, Symptom } from './patient-data-types.ts';

const pct = (value: number | null) => (value === null ? '–' : `${value}%`);

export function AdherenceTable({ points, days, symptoms, grouping, today }: { points: readonly AdherencePoint[]; days: readonly AdherenceDay[]; symptoms: readonly Symptom[]; grouping: Grouping; today: string }) {
  const dayByDate = new Map(days.map((d) => [d.date, d]));
  const symptomsIn = (p: AdherencePoint) => symptoms.filter((s) => s.localDate >= p.from && s.localDate <= p.to);
  return (
    <table class="adherence-table" data-testid="adherence-table">
      <caption class="visually-hidden">Adherence and symptoms {grouping === 'day' ? 'per day' : 'per week'} (patient's time)</caption>
      <thead>
        <tr>
          <th scope="col">{grouping === 'day' ? 'Day' : 'Week'}</th>
          <th scope="col">Doses taken</th>
          <th scope="col">Taking</th>
          <th scope="col">On time</th>
          {grouping === 'day' ? <th scope="col">Dose times</th> : null}
          <th scope="col">Symptom reports</th>
        </tr>
      </thead>
      <tbody>
        {[...points].reverse().map((p) => {
          const day = grouping === 'day' ? dayByDate.get(p.from) : undefined;
          const reports = symptomsIn(p);
          return (
            <tr key={p.from} data-date={p.from}>
              <th scope="row">
                {grouping === 'day' ? formatDate(p.from) : `${formatDate(p.from)} to ${formatDate(p.to)}`}
                {p.to === today ? <span class="muted"> (today, so far)</span> : null}
              </th>
              <td>{p.observedDays === 0 ? <span class="muted">not monitored</span> : `${p.taken} of ${p.expected}`}</td>
              <td>{pct(p.taking)}</td>
              <td>{pct(p.timing)}</td>
              {grouping === 'day' ? <td>{day && day.doseTimes.length > 0 ? day.doseTimes.join(', ') : '–'}</td> : null}
              <td>
                {reports.length === 0
                  ? '–'
                  : grouping === 'day'
                    ? reports.map((s) => `${s.localTime} ${s.label}`).join('; ')
                    : `${reports.length} (${reports.filter((s) => s.pattern === SymptomPattern.Long).length} needing help)`}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
