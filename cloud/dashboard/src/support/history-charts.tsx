/**
 * Signal and battery over the window, as the old support view charted them: one uPlot time chart each, in
 * the browser's zone, with the readings as a table for screen readers and for copying into a ticket.
 */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import type { Diagnostics } from '../api/endpoints.ts';
import { CHART_COLOURS, UPlotChart } from '../program/uplot-chart.tsx';
import { browserZone, supportTime } from './support-labels.ts';

type Point = Diagnostics['history'][number];

interface Reading {
  id: string;
  title: string;
  unit: string;
  value: (p: Point) => number | null;
  colour: string;
  /** the fixed y range, so a 1 % wobble does not look like a cliff */
  range: [number, number];
  /** extra columns of the table */
  more: { header: string; cell: (p: Point) => string }[];
}

const READINGS: readonly Reading[] = [
  { id: 'signal', title: 'Signal (RSRP, dBm)', unit: 'dBm', value: (p) => p.rsrpDbm, colour: CHART_COLOURS[0], range: [-140, -50], more: [{ header: 'SINR (dB)', cell: (p) => (p.sinrDb === null ? '—' : String(p.sinrDb)) }] },
  {
    id: 'battery',
    title: 'Battery (%)',
    unit: '%',
    value: (p) => p.batteryPct,
    colour: CHART_COLOURS[2],
    range: [0, 100],
    more: [
      { header: 'Battery (mV)', cell: (p) => (p.batteryMv === null ? '—' : String(p.batteryMv)) },
      { header: 'Queue', cell: (p) => (p.queueDepth === null ? '—' : String(p.queueDepth)) },
    ],
  },
];

function ReadingFigure({ reading, history }: { reading: Reading; history: Point[] }) {
  const points = history.filter((p) => reading.value(p) !== null);
  const data = useMemo<uPlot.AlignedData>(() => [points.map((p) => Date.parse(p.at) / 1000), points.map((p) => reading.value(p))], [history, reading]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: false },
      scales: { y: { range: reading.range } },
      series: [{}, { label: reading.title, stroke: reading.colour, width: 2, spanGaps: true, points: { show: points.length < 60 } }],
      axes: [{ stroke: '#374151' }, { label: reading.unit, stroke: '#374151', size: 60 }],
    }),
    [reading, points.length],
  );
  const caption = `${reading.title}: ${points.length} readings over the window, times in ${browserZone()} (this browser's zone).`;
  if (points.length === 0) {
    return (
      <figure class="chart-figure" data-testid={`${reading.id}-chart`}>
        <figcaption>{reading.title}</figcaption>
        <p class="hint">No readings in this window.</p>
      </figure>
    );
  }
  return (
    <UPlotChart caption={caption} options={options} data={data} testId={`${reading.id}-chart`} height={200}>
      <details>
        <summary>{reading.title} as a table</summary>
        <table aria-label={`${reading.title} readings`}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">{reading.title}</th>
              {reading.more.map((m) => (
                <th key={m.header} scope="col">
                  {m.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...points].reverse().map((p) => (
              <tr key={p.at}>
                <td>{supportTime(p.at)}</td>
                <td>{reading.value(p)}</td>
                {reading.more.map((m) => (
                  <td key={m.header}>{m.cell(p)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </UPlotChart>
  );
}

export function HistoryCharts({ history }: { history: Point[] }) {
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">Signal and battery</h2>
      <div class="grid">
        {READINGS.map((reading) => (
          <ReadingFigure key={reading.id} reading={reading} history={history} />
        ))}
      </div>
    </section>
  );
}
