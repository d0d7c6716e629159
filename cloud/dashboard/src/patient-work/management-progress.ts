/**
 * Where the month's counted minutes stand against the treatment-management codes, by the thresholds of
 * cloud/src/billing/management-codes.ts (billing-rules.md §1.1, §3.4): 98979 at 10 min, 98980 at 20, one more
 * 98981 at each further full 20. Shown to staff as progress; the codes themselves are decided by the server.
 */
export interface ManagementProgress {
  /** the code the month's minutes reach now, or null under 10 min */
  reached: string | null;
  next: { code: string; atMinutes: number; minutesToGo: number };
}

export function managementProgress(countedMinutes: number): ManagementProgress {
  const minutes = Math.max(0, Math.floor(countedMinutes));
  if (minutes < 10) return { reached: null, next: { code: '98979', atMinutes: 10, minutesToGo: 10 - minutes } };
  if (minutes < 20) return { reached: '98979', next: { code: '98980', atMinutes: 20, minutesToGo: 20 - minutes } };
  const atMinutes = 20 + 20 * (Math.floor((minutes - 20) / 20) + 1);
  const addOns = Math.floor((minutes - 20) / 20);
  return { reached: addOns > 0 ? `98980 + ${addOns} × 98981` : '98980', next: { code: '98981', atMinutes, minutesToGo: atMinutes - minutes } };
}
