/**
 * Every patient's codes for the month, one line per report row (a supply period ending in the month, or the
 * month's treatment management), with its claim readiness and what blocks it; the evidence opens beneath a
 * row on demand.
 */
import { useState } from 'preact/hooks';
import type { Report, ReportRow } from '../api/endpoints.ts';
import { formatDate, formatMonth } from '../components/format.ts';
import { paths } from '../paths.ts';
import { claimReadiness, READINESS_LABEL, type Readiness } from './claim-readiness.ts';
import { EvidenceView } from './evidence-view.tsx';

const READINESS_BADGE: Record<Readiness, string> = {
  ready: 'good',
  not_billable: 'bad',
  below_threshold: 'bad',
  missing_communication: 'warn',
  missing_documentation: 'warn',
};

const STATUS_LABEL: Record<ReportRow['status'], string> = { open: 'Open', closed: 'Closed', exported: 'Exported', amended: 'Amended since export' };

export const formatCodes = (codes: ReportRow['codes']): string => codes.map((c) => (c.units > 1 ? `${c.code} ×${c.units}` : c.code)).join(', ');

/** "Supply Nov 5 – Dec 4" or "Management, December 2026": what the row bills for. */
export const rowSubject = (row: ReportRow): string =>
  row.type === 'supply' ? `Supply ${formatDate(row.startDate)} – ${formatDate(row.endDate)}` : `Management, ${formatMonth(row.month)}`;

function ReportLine({ row, report, columns }: { row: ReportRow; report: Report; columns: number }) {
  const [open, setOpen] = useState(false);
  const readiness = claimReadiness(row);
  const evidenceId = `evidence-${row.evidenceRef.replace(/[^A-Za-z0-9-]/g, '-')}`;
  return (
    <>
      <tr data-ref={row.evidenceRef} data-readiness={readiness.readiness} data-type={row.type} data-reference={row.patientReference}>
        <td>
          <a href={paths.patient(row.patientId)}>{row.patientName}</a>
          <div class="muted">{row.patientReference}</div>
        </td>
        <td>{rowSubject(row)}</td>
        <td>{row.type === 'supply' ? `${row.monitoredDays ?? 0} days` : `${row.minutes ?? 0} min, ${row.interactiveCommunications ?? 0} calls`}</td>
        <td class="codes">{row.codes.length > 0 ? formatCodes(row.codes) : <span class="muted">none</span>}</td>
        <td>
          {STATUS_LABEL[row.status]}
          {readiness.provisional ? <div class="hint">provisional until the period ends</div> : null}
        </td>
        <td>
          <span class={`badge ${READINESS_BADGE[readiness.readiness]}`} data-testid="readiness">
            {READINESS_LABEL[readiness.readiness]}
          </span>
          {readiness.reasons.length > 0 ? (
            <ul class="reasons">
              {readiness.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : null}
        </td>
        <td>
          <button type="button" class="secondary" aria-expanded={open} aria-controls={evidenceId} aria-label={`Evidence for ${row.patientName}, ${rowSubject(row)}`} onClick={() => setOpen(!open)}>
            Evidence
          </button>
        </td>
      </tr>
      {open ? (
        <tr class="evidence-row" id={evidenceId}>
          <td colSpan={columns}>
            <EvidenceView row={row} evidence={report.evidence[row.evidenceRef]} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function ReportTable({ report }: { report: Report }) {
  if (report.rows.length === 0) return <p class="muted">No supply period ends in {formatMonth(report.month)} and no time was logged in it.</p>;
  const headers = ['Patient', 'Bills for', 'Days or time', 'Codes', 'Period', 'Claim readiness', 'Evidence'];
  return (
    <table class="billing-report" aria-label={`Codes and claim readiness, ${formatMonth(report.month)}`}>
      <thead>
        <tr>
          {headers.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {report.rows.map((row) => (
          <ReportLine key={row.evidenceRef} row={row} report={report} columns={headers.length} />
        ))}
      </tbody>
    </table>
  );
}
