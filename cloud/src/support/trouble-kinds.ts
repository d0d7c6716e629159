/**
 * The kinds of trouble the fleet list filters and counts by, and how a cap's verdicts (diagnose.ts) rank it.
 * A kind is a group of verdict codes, so the fleet list and `pillcap support diag` can never disagree on what
 * is wrong with a cap: one verdict can belong to two kinds (silent with a flat battery is both).
 */
import { RULES, type Severity, type Verdict } from './diagnose.ts';

export const TROUBLE_KINDS = ['silent', 'battery', 'signal', 'clock', 'reboots', 'data'] as const;
export type TroubleKind = (typeof TROUBLE_KINDS)[number];

/**
 * Verdict code -> the kinds it belongs to. Verdicts left out are advice, not trouble (fair signal, radio
 * interference, coverage enhancement): they still add to the score but put the cap under no kind.
 */
const KINDS_OF_VERDICT: Readonly<Record<string, readonly TroubleKind[]>> = {
  never_connected: ['silent'],
  silent: ['silent'],
  silent_low_battery: ['silent', 'battery'],
  silent_no_signal: ['silent', 'signal'],
  battery_low: ['battery'],
  battery_drain: ['battery'],
  no_service: ['signal'],
  signal_poor: ['signal'],
  signal_unreliable: ['signal'],
  uploads_failing: ['signal'],
  clock_unset: ['clock'],
  clock_unreliable: ['clock'],
  clock_corrected: ['clock'],
  reboot_loop: ['reboots'],
  reboots: ['reboots'],
  power_loss: ['reboots'],
  power_losses: ['reboots'],
  queue_backlog: ['data'],
  events_lost: ['data'],
};

export function troubleKinds(verdicts: readonly Pick<Verdict, 'code'>[]): TroubleKind[] {
  const kinds = new Set<TroubleKind>();
  for (const verdict of verdicts) for (const kind of KINDS_OF_VERDICT[verdict.code] ?? []) kinds.add(kind);
  return TROUBLE_KINDS.filter((kind) => kinds.has(kind));
}

/**
 * How much is wrong with a cap, in one number for the API's readers: each critical verdict outweighs any
 * number of warnings, each warning any number of notes (a cap has at most about eight verdicts at once).
 */
const WEIGHT: Record<Severity, number> = { ok: 0, info: 1, warning: 10, critical: 100 };

export function troubleScore(verdicts: readonly Pick<Verdict, 'severity'>[]): number {
  return verdicts.reduce((score, verdict) => score + WEIGHT[verdict.severity], 0);
}

const TRIAGE_STEP = new Map(RULES.map((rule, index) => [rule.code, index]));

/**
 * The fleet list's order: more critical verdicts first, then more warnings; between equals, the main verdict
 * earlier in diagnostics' triage order (a silent cap before a weak signal: nothing else can be checked on a
 * cap that is not heard from); then more notes; then the longest silent; then the serial, so it is stable.
 */
export interface Ranked {
  serial: string;
  silentHours: number | null;
  primary: Pick<Verdict, 'code'>;
  verdicts: readonly Pick<Verdict, 'severity'>[];
}

export function byTrouble(a: Ranked, b: Ranked): number {
  const count = (cap: Ranked, severity: Severity) => cap.verdicts.filter((v) => v.severity === severity).length;
  const step = (cap: Ranked) => TRIAGE_STEP.get(cap.primary.code) ?? RULES.length;
  const silent = (cap: Ranked) => cap.silentHours ?? Number.POSITIVE_INFINITY;
  return (
    count(b, 'critical') - count(a, 'critical') ||
    count(b, 'warning') - count(a, 'warning') ||
    step(a) - step(b) ||
    count(b, 'info') - count(a, 'info') ||
    silent(b) - silent(a) ||
    (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0)
  );
}
