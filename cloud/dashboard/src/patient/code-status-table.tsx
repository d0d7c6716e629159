/** A table of billing codes: what each is for, met or not, and what is still missing. */
import type { CodeStatus } from './billing-status.ts';

const STATE_LABEL = { met: 'Met', missing: 'Not yet', not_applicable: 'Not applicable' } as const;
const STATE_CLASS = { met: 'good', missing: 'warn', not_applicable: 'info' } as const;

export function CodeStatusTable({ caption, lines, testId }: { caption: string; lines: readonly CodeStatus[]; testId: string }) {
  return (
    <table class="code-status" data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Code</th>
          <th scope="col">For</th>
          <th scope="col">Status</th>
          <th scope="col">Now</th>
          <th scope="col">Still missing</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={line.code} data-code={line.code} data-state={line.state}>
            <th scope="row">{line.code}</th>
            <td>{line.what}</td>
            <td>
              <span class={`badge ${STATE_CLASS[line.state]}`}>{STATE_LABEL[line.state]}</span>
            </td>
            <td>{line.detail}</td>
            <td class="missing">{line.missing.length > 0 ? line.missing.join('; ') : '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
