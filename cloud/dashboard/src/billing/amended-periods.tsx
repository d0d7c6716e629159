/**
 * Periods of the month that changed after they were exported (late data, a changed policy, a reattributed
 * cap): what the export said and what it says now. The earlier export stays as it was; exporting the month
 * again records the new state, and the clinic corrects the claim.
 */
import type { ReportRow } from '../api/endpoints.ts';
import { formatDate } from '../components/format.ts';
import { formatCodes, rowSubject } from './report-table.tsx';

interface SupplyAmendment {
  changes?: { field: string; before: unknown; after: unknown }[];
  addedDates?: string[];
  removedDates?: string[];
}
interface ManagementAmendment {
  before?: { minutes?: number; codes?: ReportRow['codes'] };
  after?: { minutes?: number; codes?: ReportRow['codes'] };
}

const show = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return 'none';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => (typeof v === 'object' && v && 'code' in v ? formatCodes([v as ReportRow['codes'][number]]) : String(v))).join(', ');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
};

/** The amendment as lines of "field: before → after". */
export function amendmentLines(row: Pick<ReportRow, 'type' | 'amendment'>): string[] {
  const a = row.amendment;
  if (!a || typeof a !== 'object') return [];
  if (row.type === 'management') {
    const m = a as ManagementAmendment;
    return [`minutes: ${m.before?.minutes ?? 0} → ${m.after?.minutes ?? 0}`, `codes: ${show(m.before?.codes ?? [])} → ${show(m.after?.codes ?? [])}`];
  }
  const s = a as SupplyAmendment;
  const lines = (s.changes ?? []).map((c) => `${c.field}: ${show(c.before)} → ${show(c.after)}`);
  if (s.addedDates?.length) lines.push(`days added: ${s.addedDates.map(formatDate).join(', ')}`);
  if (s.removedDates?.length) lines.push(`days removed: ${s.removedDates.map(formatDate).join(', ')}`);
  return lines;
}

export function AmendedPeriods({ rows }: { rows: readonly ReportRow[] }) {
  const amended = rows.filter((r) => r.amended);
  return (
    <section class="card" aria-labelledby="amended-title">
      <h2 id="amended-title">Amended since export</h2>
      {amended.length === 0 ? (
        <p class="muted" data-testid="no-amendments">
          Nothing exported for this month has changed since.
        </p>
      ) : (
        <ul class="amended" aria-labelledby="amended-title">
          {amended.map((row) => (
            <li key={row.evidenceRef} data-ref={row.evidenceRef}>
              <strong>{row.patientName}</strong> <span class="muted">{row.patientReference}</span>, {rowSubject(row)}
              <ul>
                {amendmentLines(row).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
