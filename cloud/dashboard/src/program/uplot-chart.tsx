/**
 * A uPlot chart in a <figure>: the caption says what it shows, and the caller puts the same figures in a table
 * beside it (the canvas is hidden from screen readers, which read the table instead). The chart follows its
 * container's width and is rebuilt when its data or series change.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartProps {
  caption: ComponentChildren;
  /** uPlot options without the size: the width follows the figure, the height is `height`. */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
  testId?: string;
  /** the table (or other text) that carries the same figures */
  children?: ComponentChildren;
}

export function UPlotChart({ caption, options, data, height = 220, testId, children }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = () => Math.max(280, Math.floor(element.clientWidth || 480));
    const chart = new uPlot({ ...options, width: width(), height }, data, element);
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [options, data, height]);
  return (
    <figure class="chart-figure" data-testid={testId}>
      <figcaption>{caption}</figcaption>
      <div class="chart" ref={host} aria-hidden="true" />
      {children}
    </figure>
  );
}

/** Month labels (YYYY-MM -> "Nov 2026") on an index x axis, one tick per month. */
export function monthAxis(months: readonly string[]): uPlot.Axis {
  const label = (month: string): string => {
    const [y, m] = month.split('-').map(Number);
    return new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', year: 'numeric' }).format(new Date(Date.UTC(y!, m! - 1, 1)));
  };
  return {
    splits: () => months.map((_, i) => i),
    values: (_self, splits) => splits.map((i) => (Number.isInteger(i) && months[i] ? label(months[i]!) : '')),
    stroke: '#374151',
    grid: { show: false },
  };
}

/** The chart palette: distinguishable in colour-blind vision and dark enough on white (>= 4.5:1). */
export const CHART_COLOURS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c'] as const;
