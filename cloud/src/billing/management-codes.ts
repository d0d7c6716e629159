/**
 * Treatment-management codes per calendar month (billing-rules.md §1.1, §2.2, §2.3, §3.4): cumulative logged
 * staff minutes in the month, billable only when at least one real-time interactive communication (phone or
 * video, §2.8) took place that month. 10-19 min => 98979 ([S], new 2026); >= 20 min => 98980 ([O]) plus one
 * 98981 ([O]) per further FULL 20 minutes. 98979 is never billed with 98980 (§2.3). The 16-day rule does not
 * apply to management (§2.2 [O]).
 */
export type ManagementCode = '98979' | '98980' | '98981';

export interface CodeLine<C extends string = string> {
  code: C;
  units: number;
}

export interface ManagementDecision {
  codes: CodeLine<ManagementCode>[];
  reason: string;
}

export function managementCodesFor(totalMinutes: number, interactiveCommunications: number): ManagementDecision {
  if (!Number.isFinite(totalMinutes) || totalMinutes < 0) throw new RangeError(`minutes must be >= 0, got ${totalMinutes}`);
  const minutes = Math.floor(totalMinutes);
  if (interactiveCommunications < 1) {
    return { codes: [], reason: `${minutes} min logged but no real-time interactive communication this month: no management code` };
  }
  if (minutes < 10) return { codes: [], reason: `${minutes} min logged: under 10 min, no management code` };
  if (minutes < 20) return { codes: [{ code: '98979', units: 1 }], reason: `${minutes} min (10-19) with interactive communication => 98979` };
  const addOns = Math.floor((minutes - 20) / 20);
  const codes: CodeLine<ManagementCode>[] = [{ code: '98980', units: 1 }];
  if (addOns > 0) codes.push({ code: '98981', units: addOns });
  return {
    codes,
    reason: `${minutes} min with interactive communication => 98980 (first 20 min)${addOns > 0 ? ` + ${addOns} x 98981 (each further full 20 min)` : ''}`,
  };
}

export interface NextManagementCode {
  code: ManagementCode;
  /** cumulative minutes in the month at which `code` (or its next unit) is reached */
  atMinutes: number;
  minutesToGo: number;
}

/**
 * The next management code the month's minutes can reach, by the same thresholds as `managementCodesFor`:
 * 98979 at 10, 98980 at 20, then one more 98981 at each further full 20 (40, 60, ...). Communication is a
 * separate condition and not considered here.
 */
export function nextManagementCode(totalMinutes: number): NextManagementCode {
  if (!Number.isFinite(totalMinutes) || totalMinutes < 0) throw new RangeError(`minutes must be >= 0, got ${totalMinutes}`);
  const minutes = Math.floor(totalMinutes);
  if (minutes < 10) return { code: '98979', atMinutes: 10, minutesToGo: 10 - minutes };
  if (minutes < 20) return { code: '98980', atMinutes: 20, minutesToGo: 20 - minutes };
  const atMinutes = 20 + 20 * (Math.floor((minutes - 20) / 20) + 1);
  return { code: '98981', atMinutes, minutesToGo: atMinutes - minutes };
}
