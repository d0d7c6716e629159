/**
 * Adherence over time and the symptom timeline on one time axis: above, taking and timing adherence (% per
 * day or week); below, the time of day of every dose and every symptom press, with the regimen's dose times
 * as dashed lines. The two charts share the x range and the cursor, so a symptom lines up with the doses
 * around it. Axis dates and times are the patient's (see adherence-series.ts).
 */
import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import { adherenceSeries, clockOf, sharedRange, timesSeries, type AdherencePoint } from './adherence-series.ts';
import type { Adherence, Symptom } from './patient-data-types.ts';
import { UPlotChart } from './uplot-chart.tsx';

const COLORS = { taking: '#0b6e70', timing: '#8a4b00', dose: '#0d47a1', symptom: '#6a1b9a', help: '#b71c1c', grid: '#e5e7eb', axis: '#374151', schedule: '#0d47a1' };

const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
const dayLabel = (ts: number) => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric' }).format(new Date(ts * 1000));
const dayTimeLabel = (ts: number) => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(new Date(ts * 1000));

const axis = (extra: Partial<uPlot.Axis> = {}): uPlot.Axis => ({ stroke: COLORS.axis, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid, width: 1 }, ...extra });
const dateAxis = axis({ values: (_u, splits) => splits.map(dayLabel), space: 60 });
const points = (stroke: string, fill: string, size: number): uPlot.Series['points'] => ({ show: true, size, stroke, fill, width: 1.5 });

/** Draws the regimen's dose times across the times chart. */
function scheduleLines(hours: readonly number[]): uPlot.Plugin {
  return {
    hooks: {
      drawAxes: (u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.strokeStyle = COLORS.schedule;
        ctx.globalAlpha = 0.55;
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = Math.max(1, devicePixelRatio);
        for (const hour of hours) {
          const y = Math.round(u.valToPos(hour, 'y', true));
          ctx.beginPath();
          ctx.moveTo(bbox.left, y);
          ctx.lineTo(bbox.left + bbox.width, y);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

export function AdherenceChart({ adherence, points: adherencePoints, symptoms, scheduled, syncKey }: { adherence: Adherence; points: readonly AdherencePoint[]; symptoms: readonly Symptom[]; scheduled: readonly number[]; syncKey: string }) {
  const range = sharedRange(adherence);
  const adherenceData = useMemo(() => adherenceSeries(adherencePoints) as uPlot.AlignedData, [adherencePoints]);
  const timesData = useMemo(() => timesSeries(adherence.days, symptoms) as uPlot.AlignedData, [adherence.days, symptoms]);
  const cursor: uPlot.Cursor = { sync: { key: syncKey }, drag: { x: false, y: false } };

  const adherenceOptions = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 200,
      tzDate: utc,
      cursor,
      legend: { show: true },
      scales: { x: { time: true, range: () => [range.min, range.max] }, y: { range: [0, 100] } },
      axes: [dateAxis, axis({ values: (_u, splits) => splits.map((v) => `${v}%`), size: 50 })],
      series: [
        { label: 'Day', value: (_u, v) => (v == null ? '–' : dayLabel(v)) },
        { label: 'Taking adherence', stroke: COLORS.taking, width: 2, spanGaps: false, points: points(COLORS.taking, '#ffffff', 6), value: (_u, v) => (v == null ? '–' : `${v}%`) },
        { label: 'Timing adherence', stroke: COLORS.timing, width: 2, dash: [5, 3], spanGaps: false, points: points(COLORS.timing, '#ffffff', 6), value: (_u, v) => (v == null ? '–' : `${v}%`) },
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [range.min, range.max, syncKey],
  );

  const timesOptions = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 240,
      tzDate: utc,
      cursor,
      legend: { show: true },
      plugins: [scheduleLines(scheduled)],
      scales: { x: { time: true, range: () => [range.min, range.max] }, y: { range: [0, 24] } },
      axes: [dateAxis, axis({ values: (_u, splits) => splits.map((v) => clockOf(v)), incrs: [3, 6], size: 50 })],
      series: [
        { label: 'Day and time', value: (_u, v) => (v == null ? '–' : dayTimeLabel(v)) },
        { label: 'Dose taken', stroke: COLORS.dose, paths: () => null, points: points(COLORS.dose, COLORS.dose, 7), value: (_u, v) => (v == null ? '–' : clockOf(v)) },
        { label: 'Symptom report', stroke: COLORS.symptom, paths: () => null, points: points(COLORS.symptom, '#ffffff', 9), value: (_u, v) => (v == null ? '–' : clockOf(v)) },
        { label: 'Needs help', stroke: COLORS.help, paths: () => null, points: points(COLORS.help, COLORS.help, 11), value: (_u, v) => (v == null ? '–' : clockOf(v)) },
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [range.min, range.max, syncKey, scheduled.join(',')],
  );

  return (
    <div class="adherence-charts">
      <UPlotChart options={adherenceOptions} data={adherenceData} testId="adherence-chart" />
      <UPlotChart options={timesOptions} data={timesData} testId="times-chart" />
    </div>
  );
}
