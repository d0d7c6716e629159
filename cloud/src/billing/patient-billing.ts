/**
 * The pure billing engine for one patient's episode: monitored days -> 30-day supply periods with codes,
 * 98975, calendar-month management codes, guards, evidence and amendments. No I/O: repositories load the
 * inputs and store the outputs, the bench and the tests call it directly.
 *
 * Rules (billing-rules.md): supply periods §2.2/§3.3, tiers §2.3, one practitioner and one supply code per
 * period §2.4, no RTM while RPM §2.5, 98975 §2.9, management §3.4, evidence §3.6, amendments §3.7.
 */
import type { BillingPolicy } from './billing-policy.ts';
import { buildChecklist, type DocumentationChecklist, type InteractiveCommunication, type MonthlyDocumentation } from './documentation-checklist.ts';
import { diffPeriod, type PeriodAmendment, type PeriodSnapshot } from './amendment.ts';
import { localDateOf, monthOf, type LocalDate, type LocalMonth } from './local-date.ts';
import { managementCodesFor, type CodeLine, type ManagementCode } from './management-codes.ts';
import type { MonitoredDay } from './monitored-days.ts';
import { supplyCodeFor, type BodySystem, type SupplyCode } from './supply-code.ts';
import { periodsUpTo } from './supply-periods.ts';
import { countsTowardManagement } from './time-categories.ts';

export const SETUP_CODE = '98975';

export interface PatientEpisode {
  id: string;
  timeZone: string;
  bodySystem: BodySystem;
  monitoringStart: LocalDate;
  periodAnchor: LocalDate;
  episode: number;
  billingPractitioner: string;
  rpmActive: boolean;
  diagnosis: string | null;
}

export interface Assignment {
  serial: string;
  assignedAt: Date;
  unassignedAt: Date | null;
}

export interface ManagementTimeEntry {
  id?: number;
  minutes: number;
  performedAt: Date;
  staff: string;
  activity: string;
  /** activity category (time-categories.ts); missing = treatment_management. device_logistics never counts. */
  category?: string;
}

export interface ExportedPeriod {
  index: number;
  exportId: number | null;
  snapshot: PeriodSnapshot;
}

/** The days the engine needs: qualifying dates with their events, and device-active dates. */
export type DayFacts = Pick<MonitoredDay, 'localDate' | 'deviceActive' | 'qualifying' | 'qualifyingEventIds' | 'sources' | 'serials'> & {
  /** source of each qualifying event, parallel to qualifyingEventIds (optional; falls back to `sources`) */
  qualifyingEventSources?: string[];
};

export interface PatientBillingInput {
  patient: PatientEpisode;
  policy: BillingPolicy;
  days: readonly DayFacts[];
  assignments?: readonly Assignment[];
  timeEntries?: readonly ManagementTimeEntry[];
  communications?: readonly InteractiveCommunication[];
  documentation?: readonly MonthlyDocumentation[];
  exported?: readonly ExportedPeriod[];
  asOf: Date;
}

export type PeriodStatus = 'open' | 'closed' | 'exported' | 'amended';

export interface QualifyingDateEvidence {
  date: LocalDate;
  events: { eventId: number; source: string }[];
  sources: string[];
}

export interface PeriodEvidence {
  startDate: LocalDate;
  endDate: LocalDate;
  monitoredDays: number;
  deviceActiveDays: number;
  qualifyingDates: QualifyingDateEvidence[];
  /** dates with device activity (events or heartbeats) that did not qualify */
  deviceActiveOnlyDates: LocalDate[];
  serials: string[];
  practitioner: string;
  codes: { supply: SupplyCode | null; setup: string | null };
  reasons: string[];
  guards: string[];
  checklist: DocumentationChecklist;
  policy: { qualifyingSources: string[]; qualifyingKinds: number[]; trustedTimeQualities: string[]; minEventsPerDay: number; setupThresholdDays: number };
}

/** A period as stored (billing_periods): decision, snapshot and amendment, without the evidence. */
export interface PeriodRecord {
  index: number;
  episode: number;
  startDate: LocalDate;
  endDate: LocalDate;
  status: PeriodStatus;
  monitoredDays: number;
  deviceActiveDays: number;
  supplyCode: SupplyCode | null;
  setupCode: string | null;
  /** what the current computation would export */
  snapshot: PeriodSnapshot;
  exportedSnapshot: PeriodSnapshot | null;
  exportId: number | null;
  amendment: PeriodAmendment | null;
}

/** A period with its billed lines and evidence (API, reports, exports). */
export interface PeriodResult extends PeriodRecord {
  /** codes as billed lines, in billing order (98975 first when present) */
  codes: CodeLine[];
  evidence: PeriodEvidence;
}

export interface ManagementMonthResult {
  month: LocalMonth;
  /** minutes that count toward 98979-98981 (device logistics excluded) */
  minutes: number;
  /** device-logistics minutes: recorded, shown, never counted */
  excludedMinutes: number;
  interactiveCommunications: number;
  codes: CodeLine<ManagementCode>[];
  reason: string;
  entries: { id?: number; date: LocalDate; minutes: number; staff: string; activity: string; category: string; counts: boolean }[];
}

export interface PatientBilling {
  patientId: string;
  episode: number;
  timeZone: string;
  asOf: string;
  asOfDate: LocalDate;
  totals: { monitoredDays: number; deviceActiveDays: number };
  /** every date with data up to asOf: monitored (qualifying) and device-active side by side */
  days: { localDate: LocalDate; monitored: boolean; deviceActive: boolean; sources: string[]; qualifyingEventIds: number[] }[];
  setup: { code: string | null; periodIndex: number | null; thresholdDays: number; reason: string };
  periods: PeriodResult[];
  management: ManagementMonthResult[];
}

function assignmentSerialsIn(assignments: readonly Assignment[], zone: string, start: LocalDate, end: LocalDate): string[] {
  const out = new Set<string>();
  for (const a of assignments) {
    const from = localDateOf(a.assignedAt, zone);
    // [assignedAt, unassignedAt): the last local date held is that of the instant just before release
    const to = a.unassignedAt ? localDateOf(a.unassignedAt.getTime() - 1, zone) : null;
    if (from <= end && (to === null || to >= start) && (to === null || to >= from)) out.add(a.serial);
  }
  return [...out];
}

/** What the engine needs for the stored period records (no management, documentation or communications). */
export type PeriodRecordInput = Pick<PatientBillingInput, 'patient' | 'policy' | 'days' | 'assignments' | 'exported' | 'asOf'>;

/** One period as the engine decides it, before the evidence is written out. */
interface PeriodDecision {
  record: PeriodRecord;
  inPeriod: DayFacts[];
  qualifying: DayFacts[];
  reasons: string[];
}

/** The decisions every output shares: days up to asOf, periods, supply and setup codes, status, amendment. */
function decidePeriods(input: PeriodRecordInput): { asOfDate: LocalDate; days: DayFacts[]; guards: string[]; setup: PatientBilling['setup']; decisions: PeriodDecision[] } {
  const { patient, policy } = input;
  const zone = patient.timeZone;
  const asOfDate = localDateOf(input.asOf, zone);
  const assignments = input.assignments ?? [];
  const exportedByIndex = new Map((input.exported ?? []).map((e) => [e.index, e]));
  const days = input.days.filter((d) => d.localDate <= asOfDate);
  if (!days.every((d, i) => i === 0 || days[i - 1]!.localDate < d.localDate)) days.sort((a, b) => (a.localDate < b.localDate ? -1 : a.localDate > b.localDate ? 1 : 0));
  const bounds = periodsUpTo(patient.periodAnchor, asOfDate);
  // first pass: days and supply code per period (days are sorted, periods contiguous: one walk)
  let cursor = 0;
  while (cursor < days.length && days[cursor]!.localDate < patient.periodAnchor) cursor++;
  const drafts = bounds.map((b) => {
    const inPeriod: DayFacts[] = [];
    while (cursor < days.length && days[cursor]!.localDate <= b.endDate) inPeriod.push(days[cursor++]!);
    const qualifying = inPeriod.filter((d) => d.qualifying);
    const supply = supplyCodeFor(patient.bodySystem, qualifying.length);
    return { b, inPeriod, qualifying, supply };
  });

  const guards: string[] = [];
  if (patient.rpmActive) guards.push('RPM is active for this patient: RTM is not billed concurrently (billing-rules.md §2.5)');

  // 98975 once per episode, with or before the first supply period (§2.9): it goes on the first period that
  // bills a supply code, if that period reaches the threshold; it can never come later than that period.
  const threshold = policy.setupThresholdDays;
  const firstSupply = patient.rpmActive ? undefined : drafts.find((d) => d.supply.code !== null);
  let setup: PatientBilling['setup'];
  if (patient.rpmActive) {
    setup = { code: null, periodIndex: null, thresholdDays: threshold, reason: guards[0]! };
  } else if (!firstSupply) {
    setup = { code: null, periodIndex: null, thresholdDays: threshold, reason: `no supply period yet: 98975 waits for the first period with a supply code (threshold ${threshold} days)` };
  } else if (firstSupply.qualifying.length >= threshold) {
    setup = {
      code: SETUP_CODE,
      periodIndex: firstSupply.b.index,
      thresholdDays: threshold,
      reason: `98975 once per episode ${patient.episode}: first supply period #${firstSupply.b.index + 1} has ${firstSupply.qualifying.length} monitored days >= threshold ${threshold}`,
    };
  } else {
    setup = {
      code: null,
      periodIndex: null,
      thresholdDays: threshold,
      reason: `98975 not billable: the first supply period #${firstSupply.b.index + 1} has ${firstSupply.qualifying.length} monitored days, below the threshold ${threshold}, and 98975 may not follow the first supply period`,
    };
  }

  const decisions = drafts.map(({ b, inPeriod, qualifying, supply }): PeriodDecision => {
    const exported = exportedByIndex.get(b.index) ?? null;
    const supplyCode = patient.rpmActive ? null : supply.code;
    const setupCode = setup.periodIndex === b.index ? setup.code : null;
    const reasons = [supply.reason];
    if (patient.rpmActive) reasons.push('supply code withheld: RPM active (§2.5)');
    if (setupCode) reasons.unshift(setup.reason);
    else if (firstSupply && firstSupply.b.index === b.index && !patient.rpmActive) reasons.push(setup.reason);
    const serials = new Set(assignmentSerialsIn(assignments, zone, b.startDate, b.endDate));
    for (const d of inPeriod) for (const s of d.serials) serials.add(s);
    let deviceActiveDays = 0;
    for (const d of inPeriod) if (d.deviceActive || d.qualifying) deviceActiveDays++;
    const snapshot: PeriodSnapshot = {
      index: b.index,
      startDate: b.startDate,
      endDate: b.endDate,
      monitoredDays: qualifying.length,
      qualifyingDates: qualifying.map((d) => d.localDate),
      supplyCode,
      setupCode,
      serials: [...serials].sort(),
      practitioner: patient.billingPractitioner,
    };
    const amendment = exported ? diffPeriod(exported.snapshot, snapshot) : null;
    const status: PeriodStatus = exported ? (amendment ? 'amended' : 'exported') : b.endDate < asOfDate ? 'closed' : 'open';
    if (status === 'open') reasons.push(`period open until ${b.endDate}: codes are provisional`);
    const record: PeriodRecord = {
      index: b.index,
      episode: patient.episode,
      startDate: b.startDate,
      endDate: b.endDate,
      status,
      monitoredDays: qualifying.length,
      deviceActiveDays,
      supplyCode,
      setupCode,
      snapshot,
      exportedSnapshot: exported?.snapshot ?? null,
      exportId: exported?.exportId ?? null,
      amendment,
    };
    return { record, inPeriod, qualifying, reasons };
  });
  return { asOfDate, days, guards, setup, decisions };
}

/**
 * The stored period records only (billing_periods): what `computePatientBilling` decides for each period,
 * without writing out its evidence. A batch recompute of thousands of patients needs nothing more.
 */
export function computePeriodRecords(input: PeriodRecordInput): PeriodRecord[] {
  return decidePeriods(input).decisions.map((d) => d.record);
}

export function computePatientBilling(input: PatientBillingInput): PatientBilling {
  const { patient, policy } = input;
  const zone = patient.timeZone;
  const { asOfDate, days, guards, setup, decisions } = decidePeriods(input);

  const periods: PeriodResult[] = decisions.map(({ record, inPeriod, qualifying, reasons }) => {
    const { startDate, endDate, supplyCode, setupCode, snapshot } = record;
    const qualifyingDates: QualifyingDateEvidence[] = qualifying.map((d) => ({
      date: d.localDate,
      events: d.qualifyingEventIds.map((eventId, i) => ({ eventId, source: d.qualifyingEventSources?.[i] ?? (d.sources.length === 1 ? d.sources[0]! : d.sources.join('+')) })),
      sources: [...d.sources],
    }));
    const deviceActiveOnlyDates = inPeriod.filter((d) => d.deviceActive && !d.qualifying).map((d) => d.localDate);
    const eventCount = qualifyingDates.reduce((n, q) => n + q.events.length, 0);
    const bySource = new Map<string, number>();
    for (const q of qualifyingDates) for (const e of q.events) bySource.set(e.source, (bySource.get(e.source) ?? 0) + 1);
    const collectedSummary =
      `${qualifying.length} monitored day(s) and ${record.deviceActiveDays} device-active day(s) from ${startDate} to ${endDate}; ` +
      `${eventCount} qualifying event(s)${bySource.size ? ` (${[...bySource].map(([s, n]) => `${s}: ${n}`).join(', ')})` : ''}` +
      `${snapshot.serials.length ? `; cap(s) ${snapshot.serials.join(', ')}` : ''}`;
    const checklist = buildChecklist({
      startDate,
      endDate,
      zone,
      diagnosis: patient.diagnosis,
      bodySystem: patient.bodySystem,
      collectedSummary,
      documentation: input.documentation ?? [],
      communications: input.communications ?? [],
    });
    const codes: CodeLine[] = [];
    if (setupCode) codes.push({ code: setupCode, units: 1 });
    if (supplyCode) codes.push({ code: supplyCode, units: 1 });
    return {
      ...record,
      codes,
      evidence: {
        startDate,
        endDate,
        monitoredDays: record.monitoredDays,
        deviceActiveDays: record.deviceActiveDays,
        qualifyingDates,
        deviceActiveOnlyDates,
        serials: snapshot.serials,
        practitioner: patient.billingPractitioner,
        codes: { supply: supplyCode, setup: setupCode },
        reasons,
        guards: [...guards, `one supply code per patient per period, billed by one practitioner (${patient.billingPractitioner}) (§2.4)`],
        checklist,
        policy: {
          qualifyingSources: [...policy.qualifyingSources],
          qualifyingKinds: [...policy.qualifyingKinds],
          trustedTimeQualities: [...policy.trustedTimeQualities],
          minEventsPerDay: policy.minEventsPerDay,
          setupThresholdDays: policy.setupThresholdDays,
        },
      },
    };
  });

  const inEpisode = days.filter((d) => d.localDate >= patient.periodAnchor);
  return {
    patientId: patient.id,
    episode: patient.episode,
    timeZone: zone,
    asOf: input.asOf.toISOString(),
    asOfDate,
    totals: { monitoredDays: inEpisode.filter((d) => d.qualifying).length, deviceActiveDays: inEpisode.filter((d) => d.deviceActive || d.qualifying).length },
    days: days.map((d) => ({ localDate: d.localDate, monitored: d.qualifying, deviceActive: d.deviceActive || d.qualifying, sources: d.sources, qualifyingEventIds: d.qualifyingEventIds })),
    setup,
    periods,
    management: computeManagementMonths(input.timeEntries ?? [], input.communications ?? [], zone, patient.rpmActive, asOfDate),
  };
}

/** Calendar-month management codes (§2.2, §3.4); months are patient-local. */
export function computeManagementMonths(
  entries: readonly ManagementTimeEntry[],
  communications: readonly InteractiveCommunication[],
  zone: string,
  rpmActive: boolean,
  asOfDate?: LocalDate,
): ManagementMonthResult[] {
  const months = new Map<LocalMonth, { entries: ManagementMonthResult['entries']; comms: number }>();
  const bucket = (m: LocalMonth) => {
    let b = months.get(m);
    if (!b) months.set(m, (b = { entries: [], comms: 0 }));
    return b;
  };
  for (const e of entries) {
    const date = localDateOf(e.performedAt, zone);
    if (asOfDate && date > asOfDate) continue;
    const category = e.category ?? 'treatment_management';
    bucket(monthOf(date)).entries.push({ id: e.id, date, minutes: e.minutes, staff: e.staff, activity: e.activity, category, counts: countsTowardManagement(category) });
  }
  for (const c of communications) {
    const date = localDateOf(c.at, zone);
    if (asOfDate && date > asOfDate) continue;
    bucket(monthOf(date)).comms += 1;
  }
  return [...months.keys()].sort().map((month) => {
    const b = months.get(month)!;
    b.entries.sort((x, y) => x.date.localeCompare(y.date));
    const minutes = b.entries.reduce((n, e) => n + (e.counts ? e.minutes : 0), 0);
    const excludedMinutes = b.entries.reduce((n, e) => n + (e.counts ? 0 : e.minutes), 0);
    const decided = managementCodesFor(minutes, b.comms);
    const decision = excludedMinutes > 0 ? { ...decided, reason: `${decided.reason}; ${excludedMinutes} min of device logistics recorded but not counted` } : decided;
    return {
      month,
      minutes,
      excludedMinutes,
      interactiveCommunications: b.comms,
      codes: rpmActive ? [] : decision.codes,
      reason: rpmActive ? `RPM active: no RTM management codes (§2.5); would have been: ${decision.reason}` : decision.reason,
      entries: b.entries,
    };
  });
}
