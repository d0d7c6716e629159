/** The diagnosis as support acts on it: the first thing to do and say, then every other finding. */
import type { Diagnostics } from '../api/endpoints.ts';
import { SEVERITY_BADGE, SEVERITY_LABEL } from './support-labels.ts';

export function VerdictPanel({ diagnosis }: { diagnosis: Diagnostics['diagnosis'] }) {
  const { primary } = diagnosis;
  const others = diagnosis.verdicts.filter((v) => v.code !== primary.code);
  return (
    <section class={`card verdict severity-${primary.severity}`} aria-labelledby="verdict-title" data-testid="verdict" data-verdict={primary.code}>
      <p>
        <span class={`badge ${SEVERITY_BADGE[primary.severity]}`}>{SEVERITY_LABEL[primary.severity]}</span>
      </p>
      <h2 id="verdict-title">{primary.title}</h2>
      <p>{primary.detail}</p>
      <p>
        <strong>Next step: </strong>
        {primary.nextStep}
      </p>
      <p>
        <strong>Tell the caller: </strong>
        {primary.tellCaller}
      </p>
      {others.length > 0 ? (
        <>
          <h3>Also found</h3>
          <ul class="other-verdicts">
            {others.map((v) => (
              <li key={v.code} data-verdict={v.code}>
                <span class={`badge ${SEVERITY_BADGE[v.severity]}`}>{SEVERITY_LABEL[v.severity]}</span> <strong>{v.title}.</strong> {v.detail} <span class="muted">{v.nextStep}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
