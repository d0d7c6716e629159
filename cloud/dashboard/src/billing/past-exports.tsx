/** The organisation's past exports, newest first, with who made them; this month's are marked. */
import type { Out } from '../api/endpoints.ts';
import type * as reports from '../../../src/api/routes/reports/schemas.ts';
import { formatMonth } from '../components/format.ts';
import { paths } from '../paths.ts';
import { actorName } from './actor-name.ts';

type ExportList = Out<typeof reports.ExportList>;

const formatInstant = (iso: string) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

export function PastExports({ exports, month, staff }: { exports: ExportList['exports']; month: string; staff: readonly { id: string; name: string }[] }) {
  if (exports.length === 0) return <p class="muted">No month has been exported yet.</p>;
  return (
    <table aria-label="Past exports" data-testid="past-exports">
      <thead>
        <tr>
          <th scope="col">Export</th>
          <th scope="col">Month</th>
          <th scope="col">By</th>
          <th scope="col">At (your time)</th>
        </tr>
      </thead>
      <tbody>
        {exports.map((e) => (
          <tr key={e.id} data-export={e.id} class={e.month === month ? 'this-month' : undefined}>
            <td>#{e.id}</td>
            <td>{e.month === month ? <strong>{formatMonth(e.month)}</strong> : <a href={paths.billingMonth(e.month)}>{formatMonth(e.month)}</a>}</td>
            <td>{actorName(e.createdBy, staff)}</td>
            <td>{formatInstant(e.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
