/** RSRP quality bands (reference/diagnostics.md §6, after Campbell Scientific's cellular guide). */
export type SignalBand = 'excellent' | 'good' | 'fair' | 'poor' | 'none';

export function rsrpBand(rsrpDbm: number | null | undefined): SignalBand {
  if (rsrpDbm === null || rsrpDbm === undefined || !Number.isFinite(rsrpDbm)) return 'none';
  if (rsrpDbm >= -90) return 'excellent';
  if (rsrpDbm >= -105) return 'good';
  if (rsrpDbm >= -115) return 'fair';
  return 'poor';
}
