/**
 * One program metric by month: a uPlot chart over the months of the range and, as its text alternative, a
 * table with the same figures (and the counts behind each share).
 */
import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import { formatMonth } from '../components/format.ts';
import type { MonthRow } from './metric-format.ts';
import { CHART_COLOURS, UPlotChart, monthAxis } from './uplot-chart.tsx';

export interface MonthSeries {
  label: string;
  value: (row: MonthRow) => number | null;
}

export interface MonthColumn {
  header: string;
  /** stable name of the figure (data-metric), so tests can read a cell without parsing headers */
  metric: string;
  cell: (row: MonthRow) => string;
}

export interface MonthFigureSpec {
  id: string;
  title: string;
  /** what the figures mean, in one sentence */
  explain: string;
  unit: string;
  /** a fixed y range (shares: 0 to 100 %); otherwise from 0 to a little above the largest value */
  yRange?: [number, number];
  style: 'lines' | 'bars';
  series: MonthSeries[];
  columns: MonthColumn[];
}

/** Side-by-side bars: with two series the first sits left of the month's tick and the second right of it. */
function barsFor(index: number, count: number): uPlot.Series.PathBuilder {
  const align = count === 1 ? 0 : index === 0 ? -1 : 1;
  return uPlot.paths.bars!({ size: [count === 1 ? 0.5 : 0.3, 56], align });
}

export function MonthFigure({ spec, months }: { spec: MonthFigureSpec; months: MonthRow[] }) {
  const names = months.map((m) => m.month);
  const data = useMemo<uPlot.AlignedData>(() => [names.map((_, i) => i), ...spec.series.map((s) => months.map((m) => s.value(m)))], [months, spec]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, names.length - 0.5)] }, y: { range: spec.yRange ?? ((_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 1) * 1.15)]) } },
      axes: [monthAxis(names), { label: spec.unit, stroke: '#374151', size: 60 }],
      series: [
        {},
        ...spec.series.map((s, i) => ({
          label: s.label,
          stroke: CHART_COLOURS[i % CHART_COLOURS.length],
          width: 2,
          spanGaps: false,
          ...(spec.style === 'bars' ? { paths: barsFor(i, spec.series.length), fill: `${CHART_COLOURS[i % CHART_COLOURS.length]}cc` } : { points: { show: true, size: 8 } }),
        })),
      ],
    }),
    [names.join(','), spec],
  );
  const headingId = `${spec.id}-title`;
  return (
    <section class="card program-figure" aria-labelledby={headingId} data-figure={spec.id}>
      <h2 id={headingId}>{spec.title}</h2>
      <UPlotChart
        testId={`chart-${spec.id}`}
        caption={
          <>
            {spec.explain}{' '}
            {spec.series.map((s, i) => (
              <span key={s.label} class="legend-key">
                <span class="key-swatch" style={{ background: CHART_COLOURS[i % CHART_COLOURS.length] }} aria-hidden="true" />
                {s.label}
              </span>
            ))}
          </>
        }
        options={options}
        data={data}
        height={200}
      >
        <table class="figure-table" aria-label={`${spec.title} by month`}>
          <thead>
            <tr>
              <th scope="col">Month</th>
              {spec.columns.map((c) => (
                <th key={c.metric} scope="col">
                  {c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {months.map((m) => (
              <tr key={m.month} data-month={m.month}>
                <th scope="row">{formatMonth(m.month)}</th>
                {spec.columns.map((c) => (
                  <td key={c.metric} data-metric={c.metric}>
                    {c.cell(m)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </UPlotChart>
    </section>
  );
}
