/**
 * Recent enrolments not yet active (no care plan, consent, cap or data yet), newest first: what the
 * enrolment desk still has to finish. Each links to the patient and to where the enrolment goes on.
 */
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { formatTimeWithZone } from '../components/format.ts';
import { paths } from '../paths.ts';
import { ActivationBadge } from './activation-status.tsx';

export const continueEnrolmentUrl = (patientId: string): string => `${paths.enrol}?patient=${encodeURIComponent(patientId)}`;

export function PendingEnrolments({ refreshKey }: { refreshKey: string }) {
  const pending = useLoad((signal) => api(endpoints.pendingEnrolments, { query: { limit: 50 }, signal }), [refreshKey]);
  return (
    <section class="card" aria-labelledby="pending-title">
      <h2 id="pending-title">Enrolments not yet active</h2>
      <Async state={pending} what="the enrolments not yet active">
        {(list) =>
          list.enrolments.length === 0 ? (
            <p class="muted">Every enrolled patient has sent data.</p>
          ) : (
            <table aria-labelledby="pending-title" data-testid="pending-enrolments">
              <thead>
                <tr>
                  <th scope="col">Patient</th>
                  <th scope="col">Enrolled</th>
                  <th scope="col">Status</th>
                  <th scope="col">Next step</th>
                </tr>
              </thead>
              <tbody>
                {list.enrolments.map((e) => (
                  <tr key={e.patientId} data-reference={e.reference}>
                    <td>
                      <a href={paths.patient(e.patientId)}>{e.name}</a> <span class="muted">{e.reference}</span>
                    </td>
                    <td>{formatTimeWithZone(e.enrolledAt, e.timeZone)}</td>
                    <td>
                      <ActivationBadge activation={e} />
                    </td>
                    <td>
                      <a href={continueEnrolmentUrl(e.patientId)} aria-label={`Continue enrolment for ${e.name}`}>
                        Continue enrolment
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </section>
  );
}
