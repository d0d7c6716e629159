/**
 * A patient's activation from enrolment to the first data: awaiting care plan, awaiting consent, awaiting a
 * cap (or its shipment), cap assigned and waiting for first data, active since the first data. Times are in
 * the patient's zone. It re-checks every 15 s until the patient is active, so staff watching a cap being
 * switched on see it arrive. Also for the patient page.
 */
import { useEffect } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Activation } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { formatTimeWithZone, zoneLabel } from '../components/format.ts';

const POLL_MS = 15_000;

export const ACTIVATION_LABEL: Record<Activation['status'], string> = {
  awaiting_care_plan: 'Awaiting care plan',
  awaiting_consent: 'Awaiting consent',
  awaiting_cap: 'Awaiting cap',
  waiting_for_first_data: 'Cap assigned, waiting for first data',
  active: 'Active',
};

const BADGE: Record<Activation['status'], string> = {
  awaiting_care_plan: 'bad',
  awaiting_consent: 'warn',
  awaiting_cap: 'warn',
  waiting_for_first_data: 'info',
  active: 'good',
};

/** "Active since Dec 4, 9:05 AM MST" / "Awaiting cap": the status in one phrase. */
export function activationPhrase(a: Activation): string {
  if (a.status === 'active' && a.firstDataAt) return `Active since ${formatTimeWithZone(a.firstDataAt, a.timeZone)}`;
  return ACTIVATION_LABEL[a.status];
}

export function ActivationBadge({ activation }: { activation: Activation }) {
  return (
    <span class={`badge ${BADGE[activation.status]}`} data-testid="activation-status" data-status={activation.status}>
      {activationPhrase(activation)}
    </span>
  );
}

function Step({ done, title, children }: { done: boolean; title: string; children: preact.ComponentChildren }) {
  return (
    <li class={done ? 'done' : 'todo'}>
      <span class="step-mark" aria-hidden="true">
        {done ? '✓' : '•'}
      </span>
      <span>
        <strong>{title}</strong>
        <span class="visually-hidden">{done ? ' (done)' : ' (not yet)'}</span>: {children}
      </span>
    </li>
  );
}

export function ActivationSteps({ activation: a }: { activation: Activation }) {
  const at = (iso: string) => formatTimeWithZone(iso, a.timeZone);
  return (
    <ol class="activation-steps" aria-label="Activation steps">
      <Step done={a.status !== 'awaiting_care_plan'} title="Care plan">
        {a.status === 'awaiting_care_plan' ? 'not saved yet' : 'saved'}
      </Step>
      <Step done={a.consent !== null} title="Consent">
        {a.consent ? `${a.consent.method ?? 'recorded'} consent from ${a.consent.by}, ${at(a.consent.at)}` : 'not recorded yet'}
      </Step>
      <Step done={a.cap !== null || a.firstDataAt !== null} title="Cap">
        {a.cap
          ? `${a.cap.serial}, assigned ${at(a.cap.assignedAt)}`
          : a.latestShipment
            ? `shipment requested by ${a.latestShipment.requestedBy}, ${at(a.latestShipment.requestedAt)}; assign it here when it arrives`
            : 'none assigned yet'}
      </Step>
      <Step done={a.firstDataAt !== null} title="First data">
        {a.firstDataAt ? at(a.firstDataAt) : a.cap ? 'waiting for the cap to report (it does within a day of being switched on)' : 'after the cap is assigned'}
      </Step>
    </ol>
  );
}

/** Loads and shows the activation of one patient; `onLoaded` lets the enrolment page follow the status. */
export function ActivationPanel({ patientId, onLoaded }: { patientId: string; onLoaded?: (a: Activation) => void }) {
  const state = useLoad((signal) => api(endpoints.activation, { params: { patientId }, signal }), [patientId]);
  const status = state.data?.status;
  useEffect(() => {
    if (state.data) onLoaded?.(state.data);
    if (!status || status === 'active') return;
    const timer = setInterval(() => void state.reload(), POLL_MS);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.data]);
  return (
    <section class="activation" aria-labelledby={`activation-${patientId}`}>
      <h3 id={`activation-${patientId}`}>Activation</h3>
      <Async state={state} what="the activation status">
        {(a) => (
          <>
            <p>
              <ActivationBadge activation={a} /> <span class="hint">{zoneLabel(a.timeZone)}</span>
            </p>
            <ActivationSteps activation={a} />
          </>
        )}
      </Async>
    </section>
  );
}
