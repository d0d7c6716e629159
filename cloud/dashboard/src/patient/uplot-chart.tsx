/**
 * A uPlot chart that fills its container's width and follows it when the window resizes. uPlot draws on a
 * canvas a screen reader cannot read: callers put it in a <figure> with a caption and a table alternative.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export function UPlotChart({ options, data, testId }: { options: Omit<uPlot.Options, 'width'>; data: uPlot.AlignedData; testId?: string }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const widthOf = () => Math.max(320, Math.floor(element.clientWidth));
    const chart = new uPlot({ ...options, width: widthOf() }, data, element);
    const observer = new ResizeObserver(() => {
      const width = widthOf();
      if (width !== chart.width) chart.setSize({ width, height: options.height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [options, data]);

  return <div class="chart" ref={container} data-testid={testId} aria-hidden="true" />;
}
