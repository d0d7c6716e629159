/**
 * The monthly billing report (CSV + JSON) for one organisation and calendar month: one row per patient
 * supply period ENDING in that month (periods are rolling 30-day windows, so two can end in one month,
 * billing-rules.md §2.2) plus one management row per patient with time logged in the month. Rows carry the
 * device serials, dates, codes, evidence references, checklist gaps and amendment flags; the JSON carries the
 * full evidence per period.
 *
 * `markExported` stores the report as an immutable export (with the policy that produced it, incl. the 98975
 * threshold, §2.9) and snapshots each closed period, so later data can only flag amendments (§3.7).
 */
import type { Database, Queryable } from '../db/database.ts';
import { appendAudit } from '../repositories/audit.ts';
import { BillingInputError } from './billing-errors.ts';
import type { BillingPolicy } from './billing-policy.ts';
import {
  insertExport,
  latestExport,
  listOrganisationPatientIds,
  loadOrganisationPolicy,
  markPeriodsExported,
} from './billing-repository.ts';
import { isLocalMonth, monthBounds, monthOf } from './local-date.ts';
import type { CodeLine } from './management-codes.ts';
import { computeBillingForPatients } from './patient-billing-loader.ts';
import type { PeriodEvidence, PeriodResult, PeriodStatus } from './patient-billing.ts';

export interface MonthlyReportRow {
  type: 'supply' | 'management';
  patientId: string;
  patientReference: string;
  patientName: string;
  bodySystem: string;
  practitioner: string;
  episode: number;
  periodIndex: number | null;
  startDate: string;
  endDate: string;
  month: string;
  monitoredDays: number | null;
  deviceActiveDays: number | null;
  minutes: number | null;
  interactiveCommunications: number | null;
  codes: CodeLine[];
  serials: string[];
  qualifyingDates: string[];
  status: PeriodStatus;
  amended: boolean;
  amendment: unknown;
  checklistMissing: string[];
  evidenceRef: string;
  reason: string;
}

export interface MonthlyReport {
  rows: MonthlyReportRow[];
  json: {
    orgId: string;
    month: string;
    generatedAt: string;
    policy: BillingPolicy;
    rows: MonthlyReportRow[];
    evidence: Record<string, PeriodEvidence>;
  };
  csv: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const formatCodes = (codes: readonly CodeLine[]): string => codes.map((c) => (c.units > 1 ? `${c.code}x${c.units}` : c.code)).join(';');

const evidenceRefOf = (patientId: string, p: Pick<PeriodResult, 'episode' | 'index'>): string => `billing_periods/${patientId}/${p.episode}/${p.index}`;

export async function buildMonthlyReport(db: Queryable, options: { orgId: string; month: string; asOf?: Date }): Promise<MonthlyReport> {
  const built = await buildReportInternal(db, options);
  return built.report;
}

async function buildReportInternal(db: Queryable, options: { orgId: string; month: string; asOf?: Date }) {
  const { orgId, month } = options;
  if (!UUID_RE.test(orgId)) throw new BillingInputError(`organisation id must be a uuid, got ${JSON.stringify(orgId)}`);
  if (!isLocalMonth(month)) throw new BillingInputError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  const org = await loadOrganisationPolicy(db, orgId);
  if (!org) throw new BillingInputError(`organisation ${orgId} not found`);
  const asOf = options.asOf ?? new Date();
  const { first, last } = monthBounds(month);
  const patientIds = await listOrganisationPatientIds(db, orgId);
  const computed = await computeBillingForPatients(db, patientIds, asOf);
  const previous = await latestExport(db, orgId, month);
  const previousManagement = new Map<string, MonthlyReportRow>();
  for (const r of ((previous?.snapshot as { rows?: MonthlyReportRow[] } | undefined)?.rows ?? [])) {
    if (r.type === 'management') previousManagement.set(r.patientId, r);
  }

  const rows: MonthlyReportRow[] = [];
  const evidence: Record<string, PeriodEvidence> = {};
  const exportable: { patientId: string; period: PeriodResult }[] = [];
  for (const patientId of patientIds) {
    const c = computed.get(patientId);
    if (!c) continue;
    const { context, billing } = c;
    const base = {
      patientId,
      patientReference: context.reference,
      patientName: context.name,
      bodySystem: context.patient.bodySystem,
      practitioner: context.patient.billingPractitioner,
      episode: billing.episode,
    };
    for (const p of billing.periods) {
      if (p.endDate < first || p.endDate > last) continue;
      const ref = evidenceRefOf(patientId, p);
      evidence[ref] = p.evidence;
      if (p.status !== 'open') exportable.push({ patientId, period: p });
      rows.push({
        ...base,
        type: 'supply',
        periodIndex: p.index,
        startDate: p.startDate,
        endDate: p.endDate,
        month,
        monitoredDays: p.monitoredDays,
        deviceActiveDays: p.deviceActiveDays,
        minutes: null,
        interactiveCommunications: null,
        codes: p.codes,
        serials: p.evidence.serials,
        qualifyingDates: p.evidence.qualifyingDates.map((d) => d.date),
        status: p.status,
        amended: p.status === 'amended',
        amendment: p.amendment,
        checklistMissing: p.evidence.checklist.missing,
        evidenceRef: ref,
        reason: p.evidence.reasons.join('; '),
      });
    }
    const m = billing.management.find((x) => x.month === month);
    if (m) {
      const before = previousManagement.get(patientId);
      const changed = before !== undefined && (formatCodes(before.codes) !== formatCodes(m.codes) || before.minutes !== m.minutes);
      rows.push({
        ...base,
        type: 'management',
        periodIndex: null,
        startDate: first,
        endDate: last,
        month,
        monitoredDays: null,
        deviceActiveDays: null,
        minutes: m.minutes,
        interactiveCommunications: m.interactiveCommunications,
        codes: m.codes,
        serials: [],
        qualifyingDates: [],
        status: before ? (changed ? 'amended' : 'exported') : last < billing.asOfDate ? 'closed' : 'open',
        amended: changed,
        amendment: changed ? { before: { minutes: before!.minutes, codes: before!.codes }, after: { minutes: m.minutes, codes: m.codes } } : null,
        checklistMissing: [],
        evidenceRef: `management_time/${patientId}/${month}`,
        reason: m.reason,
      });
    }
  }
  // a patient whose management row vanished since the last export is an amendment too
  for (const [patientId, before] of previousManagement) {
    if (rows.some((r) => r.type === 'management' && r.patientId === patientId)) continue;
    rows.push({ ...before, minutes: 0, codes: [], status: 'amended', amended: true, amendment: { before: { minutes: before.minutes, codes: before.codes }, after: { minutes: 0, codes: [] } }, reason: 'management time removed since export' });
  }
  const json = { orgId, month, generatedAt: asOf.toISOString(), policy: org.policy, rows, evidence };
  return { report: { rows, json, csv: toCsv(rows) }, exportable, policy: org.policy, asOf };
}

const CSV_COLUMNS = [
  'type',
  'patient_reference',
  'patient_name',
  'body_system',
  'practitioner',
  'episode',
  'period_index',
  'start_date',
  'end_date',
  'month',
  'monitored_days',
  'device_active_days',
  'minutes',
  'interactive_communications',
  'codes',
  'serials',
  'qualifying_dates',
  'status',
  'amended',
  'amendment',
  'checklist_missing',
  'evidence_ref',
  'reason',
] as const;

function csvField(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // spreadsheet formula injection: a clinic opens this in Excel
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly MonthlyReportRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.type,
        r.patientReference,
        r.patientName,
        r.bodySystem,
        r.practitioner,
        r.episode,
        r.periodIndex,
        r.startDate,
        r.endDate,
        r.month,
        r.monitoredDays,
        r.deviceActiveDays,
        r.minutes,
        r.interactiveCommunications,
        formatCodes(r.codes),
        r.serials.join(';'),
        r.qualifyingDates.join(';'),
        r.status,
        r.amended,
        r.amendment,
        r.checklistMissing.join(';'),
        r.evidenceRef,
        r.reason,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export interface ExportResult extends MonthlyReport {
  exportId: number;
  exportedPeriods: number;
  /** periods ending in the month that are still open (not snapshotted; export again after they close) */
  openPeriods: number;
}

/** Stores the month's report as an export and snapshots its closed periods. One transaction. */
export async function markExported(db: Database, orgId: string, month: string, actor: string, options: { asOf?: Date } = {}): Promise<ExportResult> {
  if (!actor.trim()) throw new BillingInputError('actor must not be empty');
  return db.transaction(async (tx) => {
    const built = await buildReportInternal(tx, { orgId, month, asOf: options.asOf });
    const exported = built.exportable.map((e) => ({ ...e, period: { ...e.period, status: 'exported' as const, amendment: null } }));
    // the stored rows show the state AFTER this export: snapshotted periods are 'exported', no longer amended
    const exportedRefs = new Set(exported.map((e) => evidenceRefOf(e.patientId, e.period)));
    const rows = built.report.rows.map((r) =>
      exportedRefs.has(r.evidenceRef) || (r.type === 'management' && r.status !== 'open') ? { ...r, status: 'exported' as const, amended: false, amendment: null } : r,
    );
    const json = { ...built.report.json, rows };
    const csv = toCsv(rows);
    const record = await insertExport(tx, {
      orgId,
      month,
      createdBy: actor,
      policy: built.policy,
      setupThresholdDays: built.policy.setupThresholdDays,
      snapshot: json,
      csv,
    });
    await markPeriodsExported(tx, record.id, exported);
    await appendAudit(tx, {
      actor,
      orgId,
      action: 'billing.export',
      target: `billing_exports/${record.id}`,
      detail: { month, periods: exported.length, rows: rows.length, setupThresholdDays: built.policy.setupThresholdDays },
    });
    return { exportId: record.id, rows, json, csv, exportedPeriods: exported.length, openPeriods: rows.filter((r) => r.type === 'supply' && r.status === 'open').length };
  });
}

/** The month a period's row appears in. */
export const reportMonthOf = (p: Pick<PeriodResult, 'endDate'>): string => monthOf(p.endDate);
