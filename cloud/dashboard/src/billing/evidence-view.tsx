/**
 * The evidence behind one row of the month's report, on demand: for a supply period its qualifying days
 * with their events and sources, the days the cap was active without qualifying, the caps, the practitioner,
 * the reasons for the codes, any guard and the documentation checklist; for management, the minutes, the
 * interactive communications and the reason for the codes.
 */
import type { PeriodEvidence, ReportRow } from '../api/endpoints.ts';
import { formatDate, plural } from '../components/format.ts';
import { QUESTION_LABEL } from './claim-readiness.ts';

function SupplyEvidence({ evidence }: { evidence: PeriodEvidence }) {
  return (
    <div class="evidence-body">
      <dl class="facts">
        <dt>Period</dt>
        <dd>
          {formatDate(evidence.startDate)} to {formatDate(evidence.endDate)}
        </dd>
        <dt>Monitored days</dt>
        <dd>{evidence.monitoredDays}</dd>
        <dt>Cap-active days</dt>
        <dd>{evidence.deviceActiveDays}</dd>
        <dt>Caps</dt>
        <dd>{evidence.serials.join(', ') || 'none'}</dd>
        <dt>Practitioner</dt>
        <dd>{evidence.practitioner}</dd>
        <dt>Codes</dt>
        <dd>{evidence.reasons.join('; ') || 'none'}</dd>
        {evidence.guards.length > 0 ? (
          <>
            <dt>Guards</dt>
            <dd>{evidence.guards.join('; ')}</dd>
          </>
        ) : null}
        <dt>Documentation</dt>
        <dd>{evidence.checklist.missing.length === 0 ? 'complete' : `missing: ${evidence.checklist.missing.map((k) => QUESTION_LABEL[k] ?? k).join(', ')}`}</dd>
      </dl>
      <h4>Qualifying days ({evidence.qualifyingDates.length})</h4>
      {evidence.qualifyingDates.length === 0 ? (
        <p class="muted">No qualifying day in this period.</p>
      ) : (
        <table class="compact">
          <thead>
            <tr>
              <th scope="col">Day (patient's zone)</th>
              <th scope="col">Events</th>
              <th scope="col">Sources</th>
              <th scope="col">Event ids</th>
            </tr>
          </thead>
          <tbody>
            {evidence.qualifyingDates.map((d) => (
              <tr key={d.date}>
                <td>{formatDate(d.date)}</td>
                <td>{d.events.length}</td>
                <td>{d.sources.join(', ')}</td>
                <td class="ids">{d.events.map((e) => e.eventId).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {evidence.deviceActiveOnlyDates.length > 0 ? (
        <p>
          <strong>Cap active without a qualifying event:</strong> {evidence.deviceActiveOnlyDates.map(formatDate).join(', ')}
        </p>
      ) : null}
    </div>
  );
}

function ManagementEvidence({ row }: { row: ReportRow }) {
  return (
    <div class="evidence-body">
      <dl class="facts">
        <dt>Minutes logged</dt>
        <dd>{row.minutes ?? 0} min</dd>
        <dt>Interactive communications</dt>
        <dd>{plural(row.interactiveCommunications ?? 0, 'call or video visit', 'calls or video visits')}</dd>
        <dt>Codes</dt>
        <dd>{row.reason}</dd>
      </dl>
    </div>
  );
}

export function EvidenceView({ row, evidence }: { row: ReportRow; evidence: PeriodEvidence | undefined }) {
  if (row.type === 'management') return <ManagementEvidence row={row} />;
  if (!evidence) return <p class="muted">No evidence stored for this period.</p>;
  return <SupplyEvidence evidence={evidence} />;
}
