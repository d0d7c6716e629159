/** The care plan in one line: what is monitored, the regimen (doses a day at patient-local times), category, status. */
import type { CarePlan } from '../api/endpoints.ts';

const MONITORS: Record<string, string> = { adherence: 'Adherence', symptoms: 'Symptoms', both: 'Adherence and symptoms' };
const CATEGORY: Record<string, string> = { respiratory: 'Respiratory', musculoskeletal: 'Musculoskeletal', cbt: 'CBT' };

export function CarePlanLine({ plan }: { plan: CarePlan }) {
  const regimen =
    plan.dosesPerDay === 0
      ? 'no scheduled doses'
      : `${plan.dosesPerDay} ${plan.dosesPerDay === 1 ? 'dose' : 'doses'}/day${plan.doseTimes.length > 0 ? ` at ${plan.doseTimes.join(', ')}` : ''} (±${plan.toleranceMinutes} min)`;
  return (
    <p class="one-line" data-testid="care-plan">
      <span>
        <strong>Care plan:</strong> {MONITORS[plan.monitors] ?? plan.monitors}
      </span>
      <span>{regimen}</span>
      <span>{CATEGORY[plan.category] ?? plan.category}</span>
      {plan.status === 'active' ? <span class="badge good">Active</span> : <span class="badge warn">Awaiting consent</span>}
    </p>
  );
}
