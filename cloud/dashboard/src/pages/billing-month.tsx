/**
 * The billing month (/billing = this month, /billing/YYYY-MM): every patient's codes with their claim
 * readiness and what blocks each, the evidence of any row on demand, the Export button (the CSV as the API
 * produced it), past exports, and the periods amended since they were exported.
 */
import { useRoute } from 'preact-iso';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { formatMonth, monthIn } from '../components/format.ts';
import { useSignedIn } from '../session.tsx';
import { AmendedPeriods } from '../billing/amended-periods.tsx';
import { countByReadiness, READINESS_LABEL, type Readiness } from '../billing/claim-readiness.ts';
import { ExportMonth } from '../billing/export-month.tsx';
import { MonthPicker } from '../billing/month-picker.tsx';
import { PastExports } from '../billing/past-exports.tsx';
import { ReportTable } from '../billing/report-table.tsx';

const SHOWN: readonly Readiness[] = ['ready', 'missing_documentation', 'missing_communication', 'below_threshold', 'not_billable'];

export function BillingMonthPage() {
  const { params } = useRoute();
  const session = useSignedIn();
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(params.month ?? '') ? params.month! : monthIn();
  const report = useLoad((signal) => api(endpoints.report, { params: { month }, signal }), [month]);
  const exports = useLoad((signal) => api(endpoints.exports, { signal }), []);
  const staff = useLoad((signal) => api(endpoints.users, { signal }), []);

  return (
    <section aria-labelledby="billing-title">
      <div class="page-head">
        <h1 id="billing-title">Billing month: {formatMonth(month)}</h1>
        <p class="muted">Supply periods ending this month and this month's treatment management, with what each claim still needs.</p>
      </div>
      <MonthPicker month={month} />
      <div class="card">
        <ExportMonth
          month={month}
          organisation={session.organisation}
          onExported={() => {
            // keep what is on screen while the exported state (statuses, amendments) and the list reload
            void report.reload();
            void exports.reload();
          }}
        />
        <Async state={report} what={`the ${formatMonth(month)} report`}>
          {(r) => {
            const counts = countByReadiness(r.rows);
            return (
              <>
                <dl class="counts" aria-label="Claim readiness">
                  {SHOWN.filter((k) => k !== 'not_billable' || counts[k] > 0).map((k) => (
                    <div key={k}>
                      <dt>{READINESS_LABEL[k]}</dt>
                      <dd data-testid={`count-${k}`}>{counts[k]}</dd>
                    </div>
                  ))}
                  <div>
                    <dt>Amended</dt>
                    <dd data-testid="count-amended">{r.rows.filter((row) => row.amended).length}</dd>
                  </div>
                </dl>
                <h2>Codes and claim readiness</h2>
                <ReportTable report={r} />
              </>
            );
          }}
        </Async>
      </div>
      <Async state={report} what="the amended periods">
        {(r) => <AmendedPeriods rows={r.rows} />}
      </Async>
      <section class="card" aria-labelledby="exports-title">
        <h2 id="exports-title">Past exports</h2>
        <Async state={exports} what="the past exports">
          {(list) => <PastExports exports={list.exports} month={month} staff={staff.data?.users ?? []} />}
        </Async>
      </section>
    </section>
  );
}
