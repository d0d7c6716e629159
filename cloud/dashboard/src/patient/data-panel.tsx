/**
 * The patient's data (#data): adherence over the chosen range per day or week, and the symptom timeline on
 * the same axis, as charts with a caption, the key figures in words, and a table alternative; then the
 * month's data review.
 */
import { useMemo, useState } from 'preact/hooks';
import { SymptomPattern } from '../../../../protocol/src/messages.ts';
import { addDays, localDateOf } from '../../../src/billing/local-date.ts';
import { api } from '../api/client.ts';
import { endpoints, type Patient } from '../api/endpoints.ts';
import { formatDate, plural } from '../components/format.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { AdherenceChart } from './adherence-chart.tsx';
import { adherencePoints, clockOf, scheduledHours, type Grouping } from './adherence-series.ts';
import { AdherenceTable } from './adherence-table.tsx';
import { DataReview } from './data-review.tsx';
import type { Adherence, Symptoms } from './patient-data-types.ts';

const RANGES = [
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
] as const;

const share = (value: number | null) => (value === null ? 'not measured' : `${Math.round(value * 100)}%`);

function DataView({ adherence, symptoms, planDoseTimes, grouping }: { adherence: Adherence; symptoms: Symptoms; planDoseTimes: readonly string[]; grouping: Grouping }) {
  const points = useMemo(() => adherencePoints(adherence.days, grouping), [adherence.days, grouping]);
  const scheduled = useMemo(() => scheduledHours(adherence.regimen, planDoseTimes), [adherence.regimen, planDoseTimes]);
  const { summary } = adherence;
  const needHelp = symptoms.symptoms.filter((s) => s.pattern === SymptomPattern.Long).length;
  const doseTimes = scheduled.map(clockOf).join(', ');
  return (
    <>
      <dl class="counts" aria-label="Adherence figures">
        <div>
          <dt>Taking adherence</dt>
          <dd data-testid="taking-adherence">{share(summary.takingAdherence)}</dd>
        </div>
        <div>
          <dt>Timing adherence</dt>
          <dd>{share(summary.timingAdherence)}</dd>
        </div>
        <div>
          <dt>Doses taken</dt>
          <dd>
            {summary.takenDoses} of {summary.expectedDoses}
          </dd>
        </div>
        <div>
          <dt>Symptom reports</dt>
          <dd>{symptoms.symptoms.length}</dd>
        </div>
        <div>
          <dt>Needs help</dt>
          <dd>{needHelp}</dd>
        </div>
      </dl>
      <figure class="adherence-figure" aria-labelledby="adherence-caption">
        <AdherenceChart adherence={adherence} points={points} symptoms={symptoms.symptoms} scheduled={scheduled} syncKey={`adherence-${adherence.patientId}`} />
        <figcaption id="adherence-caption">
          Above: taking and timing adherence {grouping === 'day' ? 'per day' : 'per week'}, {formatDate(adherence.from)} to {formatDate(adherence.to)}. Below: the time of day of each dose
          taken and each symptom report on the same days{doseTimes ? `; dashed lines mark the regimen's dose times (${doseTimes})` : ''}. Patient's time ({adherence.zone}).{' '}
          {plural(summary.nonMonitoredDays, 'day')} without monitoring; {plural(summary.drugHolidays.count, 'gap')} of several days without doses.
        </figcaption>
      </figure>
      <details class="table-alternative">
        <summary>Table of the {grouping === 'day' ? 'days' : 'weeks'}</summary>
        <AdherenceTable points={points} days={adherence.days} symptoms={symptoms.symptoms} grouping={grouping} today={adherence.to} />
      </details>
    </>
  );
}

export function DataPanel({ patient, month, planDoseTimes, onChanged }: { patient: Patient; month: string; planDoseTimes: readonly string[]; onChanged: () => void }) {
  const [rangeDays, setRangeDays] = useState<number>(30);
  const [grouping, setGrouping] = useState<Grouping>('day');
  const data = useLoad(
    async (signal) => {
      const to = localDateOf(new Date(), patient.timeZone);
      const range = { from: addDays(to, -(rangeDays - 1)), to };
      const [adherence, symptoms] = await Promise.all([
        api(endpoints.adherence, { params: { patientId: patient.id }, query: range, signal }),
        api(endpoints.symptoms, { params: { patientId: patient.id }, query: range, signal }),
      ]);
      return { adherence, symptoms };
    },
    [patient.id, rangeDays],
  );
  return (
    <>
      <div class="filters">
        <label for="data-range">Range</label>
        <select id="data-range" value={String(rangeDays)} onChange={(e) => setRangeDays(Number(e.currentTarget.value))}>
          {RANGES.map((r) => (
            <option key={r.days} value={String(r.days)}>
              {r.label}
            </option>
          ))}
        </select>
        <label for="data-grouping">Group adherence by</label>
        <select id="data-grouping" value={grouping} onChange={(e) => setGrouping(e.currentTarget.value as Grouping)}>
          <option value="day">Day</option>
          <option value="week">Week</option>
        </select>
      </div>
      <Async state={data} what="adherence and symptoms">
        {({ adherence, symptoms }) => <DataView adherence={adherence} symptoms={symptoms} planDoseTimes={planDoseTimes} grouping={grouping} />}
      </Async>
      <DataReview patientId={patient.id} patientName={patient.name} month={month} timeZone={patient.timeZone} onChanged={onChanged} />
    </>
  );
}
