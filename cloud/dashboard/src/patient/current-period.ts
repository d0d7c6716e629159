/** The supply period holding a patient-local date: the one staff work on now (the latest one before it starts). */
export function currentPeriodIndex<P extends { index: number; startDate: string; endDate: string }>(periods: readonly P[], asOfDate: string): number | null {
  const holding = periods.find((p) => p.startDate <= asOfDate && asOfDate <= p.endDate);
  if (holding) return holding.index;
  const started = periods.filter((p) => p.startDate <= asOfDate);
  return started.length > 0 ? started[started.length - 1]!.index : (periods[0]?.index ?? null);
}
