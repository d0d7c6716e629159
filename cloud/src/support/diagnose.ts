/**
 * Plain-language verdicts for field support, from a device's diagnostics summary. Pure and table-driven:
 * each rule is one row (reference/diagnostics.md §6 signal bands and advice, §7 triage order: last contact
 * -> queue -> signal -> battery -> reboots -> clock -> lost events). Inputs carry no patient data.
 *
 * Input: DiagnosticsSummary (numbers already reduced from heartbeats, events and clock corrections).
 * Output: Diagnosis: every rule that applies, in triage order, plus the overall status and the one next step
 * support should give first (the most severe finding; ties go to the earlier triage step).
 */
import { rsrpBand, type SignalBand } from './signal.ts';
import { BROWN_OUT_RESET } from './reset-reasons.ts';

export interface DiagnosticsSummary {
  now: Date;
  windowDays: number;
  lastSeenAt: Date | null;
  lastHeartbeatAt: Date | null;
  /** Latest known gauges (undefined = never reported in the window: unknown, not zero). */
  rsrpDbm?: number;
  sinrDb?: number;
  ceLevel?: number;
  batteryPct?: number;
  batteryMv?: number;
  /** Battery percentage lost per day over the window, charging excluded; undefined if too few samples. */
  batteryDropPctPerDay?: number;
  queueDepth?: number;
  queueOldestAgeS?: number;
  timeSource?: number;
  /** Sums over the window. */
  publishOk: number;
  publishFail: number;
  attachFailures: number;
  connectionLosses: number;
  /** Reboots with an unexpected reason (>= 0x8000: crashes, watchdogs, brown-outs). */
  unexpectedReboots: number;
  /** Boots after the cap lost its supply (PowerOnReset or BrownOutReset), counted once per boot. */
  powerLosses: number;
  lastResetReason?: number;
  /** Events the cloud never received (seq gaps) and events the cap reports it dropped. */
  missingEvents: number;
  eventsDroppedTotal: number;
  /** Largest absolute clock correction the cloud applied or saw in the window, seconds. */
  maxClockCorrectionS: number;
  /** How many times the cloud had to fix the cap's time in the window (time_corrections rows). */
  clockCorrections: number;
}

export type Severity = 'ok' | 'info' | 'warning' | 'critical';

export interface Verdict {
  code: string;
  severity: Severity;
  title: string;
  detail: string;
  nextStep: string;
  /** What support says to the caller, in words a patient understands. */
  tellCaller: string;
}

export interface Diagnosis {
  status: Severity;
  signalBand: SignalBand;
  uploadSuccessRatio: number | null;
  primary: Verdict;
  verdicts: Verdict[];
}

const HOUR = 3600;
const DAY = 24 * HOUR;

interface Derived {
  silentS: number | null; // seconds since last contact, null = never
  band: SignalBand;
  successRatio: number | null;
  attempts: number;
}

interface Rule {
  code: string;
  severity: Severity | ((s: DiagnosticsSummary, d: Derived) => Severity);
  applies: (s: DiagnosticsSummary, d: Derived) => boolean;
  title: string;
  detail: (s: DiagnosticsSummary, d: Derived) => string;
  nextStep: string;
  tellCaller: string;
}

const ago = (seconds: number): string =>
  seconds >= 2 * DAY ? `${Math.floor(seconds / DAY)} days` : seconds >= 2 * HOUR ? `${Math.floor(seconds / HOUR)} hours` : `${Math.max(1, Math.floor(seconds / 60))} minutes`;

const SILENT_WARNING_S = 36 * HOUR; // a heartbeat is due at least daily; allow half a day of slack
const SILENT_CRITICAL_S = 3 * DAY;
/*
 * Thresholds that scale with the window, so a longer look-back (`--days 45`) needs proportionally more
 * occurrences: "frequent" means at least this many per window and at least one per `perDays` on average.
 */
const atLeast = (minimum: number, perDays: number) => (windowDays: number): number => Math.max(minimum, Math.ceil(windowDays / perDays));
/** Power losses: 2 in the default 14 days, 3 in 45 days (one per fortnight or more is not a flat battery now and then). */
export const powerLossThreshold = atLeast(2, 15);
/** Attach failures: 3 in 14 days, 9 in 45 days (one every 5 days or more). */
export const attachFailureThreshold = atLeast(3, 5);
/** The cloud corrected the clock this often (any window), or once by at least this much: the cap cannot keep or get network time. */
export const CLOCK_REPEATED_CORRECTIONS = 3;
export const CLOCK_LARGE_CORRECTION_S = HOUR;
const clockUnreliable = (s: DiagnosticsSummary): boolean => s.clockCorrections >= CLOCK_REPEATED_CORRECTIONS || s.maxClockCorrectionS >= CLOCK_LARGE_CORRECTION_S;
const attachFailing = (s: DiagnosticsSummary): boolean => s.attachFailures >= attachFailureThreshold(s.windowDays);
const lowBattery = (s: DiagnosticsSummary): boolean => (s.batteryPct !== undefined && s.batteryPct <= 20) || (s.batteryMv !== undefined && s.batteryMv < 3500);

/** The verdict table, in triage order (diagnostics.md §7). */
export const RULES: readonly Rule[] = [
  {
    code: 'never_connected',
    severity: 'critical',
    applies: (_s, d) => d.silentS === null,
    title: 'The cap has never connected',
    detail: () => 'No upload or heartbeat has ever been received from this serial.',
    nextStep: 'Check the cap is charged and switched on, that its SIM (ICCID) is active with the carrier, and that the serial on the cap matches; keep it near a window for its first connection.',
    tellCaller: 'Please charge the cap fully, then leave it by a window for an hour so it can make its first connection.',
  },
  {
    code: 'silent_low_battery',
    severity: (_s, d) => (d.silentS! >= SILENT_CRITICAL_S ? 'critical' : 'warning'),
    applies: (s, d) => d.silentS !== null && d.silentS >= SILENT_WARNING_S && lowBattery(s),
    title: 'No contact, and the battery was low when last heard',
    detail: (s, d) => `Last contact ${ago(d.silentS!)} ago; last battery reading ${s.batteryPct ?? '?'}% (${s.batteryMv ?? '?'} mV). The battery is probably flat.`,
    nextStep: 'Ask the caller to charge the cap; it uploads everything it recorded as soon as it has power and signal.',
    tellCaller: 'The cap has probably run out of battery. Please charge it; nothing it recorded is lost, it will send it once charged.',
  },
  {
    code: 'silent_no_signal',
    severity: (_s, d) => (d.silentS! >= SILENT_CRITICAL_S ? 'critical' : 'warning'),
    applies: (s, d) => d.silentS !== null && d.silentS >= SILENT_WARNING_S && !lowBattery(s) && (d.band === 'poor' || d.band === 'none'),
    title: 'No contact, and the signal was poor when last heard',
    detail: (s, d) => `Last contact ${ago(d.silentS!)} ago; last signal ${s.rsrpDbm === undefined ? 'unknown' : `${s.rsrpDbm} dBm (${d.band})`}. The cap is probably out of coverage where it is kept.`,
    nextStep: 'Ask the caller to move the cap near a window or to an upper floor, off metal shelves and out of drawers; events are kept in the cap meanwhile.',
    tellCaller: 'The cap cannot reach the mobile network where it is. Please keep it near a window, not in a drawer or on a metal shelf. Everything it recorded is kept and will be sent.',
  },
  {
    code: 'silent',
    severity: (_s, d) => (d.silentS! >= SILENT_CRITICAL_S ? 'critical' : 'warning'),
    applies: (s, d) => d.silentS !== null && d.silentS >= SILENT_WARNING_S && !lowBattery(s) && d.band !== 'poor' && d.band !== 'none',
    title: 'No contact for more than a day',
    detail: (_s, d) => `Last contact ${ago(d.silentS!)} ago, although battery and signal were fine when last heard.`,
    nextStep: 'Send a ping; ask the caller to open and close the lid once (this triggers an upload) and to check the cap is charged. If it stays silent, replace the cap.',
    tellCaller: 'Please open and close the lid once and check the cap is charged. If it still does not connect we will send you a replacement.',
  },
  {
    code: 'queue_backlog',
    severity: 'warning',
    applies: (s) => (s.queueDepth ?? 0) > 0 && (s.queueOldestAgeS ?? 0) >= DAY,
    title: 'Events are waiting on the cap',
    detail: (s) => `${s.queueDepth} events not yet acknowledged; the oldest is ${ago(s.queueOldestAgeS!)} old. They are safe in the cap's memory.`,
    nextStep: 'Look at signal and upload failures below; once the cap connects well the backlog drains by itself.',
    tellCaller: 'Your cap has some readings it has not sent yet. They are safe; keeping it near a window helps it send them.',
  },
  {
    code: 'no_service',
    severity: 'warning',
    applies: (s, d) => d.band === 'none' && d.silentS !== null && d.silentS < SILENT_WARNING_S && s.attachFailures > 0,
    title: 'The cap sometimes finds no network',
    detail: (s) => `${s.attachFailures} failed network attach attempts in the last ${s.windowDays} days and no signal reading.`,
    nextStep: 'Check the SIM state with the carrier; ask the caller to try another room. Events are kept in flash meanwhile.',
    tellCaller: 'Please try keeping the cap in another room, ideally by a window.',
  },
  {
    code: 'signal_poor',
    severity: 'warning',
    applies: (_s, d) => d.band === 'poor' && !(d.silentS !== null && d.silentS >= SILENT_WARNING_S),
    title: 'Weak signal',
    detail: (s) => `RSRP ${s.rsrpDbm} dBm (poor, below -115 dBm): expect failed or long connections and more battery use.`,
    nextStep: 'Move the cap near a window or to an upper floor, off metal shelves and out of drawers. If several caps at one site show this, check carrier coverage.',
    tellCaller: 'The mobile signal where the cap is kept is weak. Please move it near a window, not in a drawer or on a metal shelf.',
  },
  {
    code: 'signal_unreliable',
    severity: 'warning',
    applies: (s, d) => (d.band === 'fair' || d.band === 'good' || d.band === 'excellent') && attachFailing(s) && !(d.silentS !== null && d.silentS >= SILENT_WARNING_S),
    title: 'The cap often fails to connect',
    detail: (s, d) =>
      `${s.attachFailures} failed network attach attempts and ${s.connectionLosses} dropped connection(s) in the last ${s.windowDays} days, although the latest reading is ${s.rsrpDbm} dBm (${d.band}): the coverage where the cap is kept comes and goes.`,
    nextStep: 'Treat it as a weak signal: move the cap near a window or to an upper floor, off metal shelves and out of drawers. If it keeps failing in a good spot, check the SIM state with the carrier and escalate to engineering with this report.',
    tellCaller: 'The cap sometimes cannot reach the mobile network where it is kept. Please move it near a window, not in a drawer or on a metal shelf. Everything it recorded is kept and will be sent.',
  },
  {
    code: 'signal_fair',
    severity: 'info',
    applies: (s, d) => d.band === 'fair' && !attachFailing(s),
    title: 'Fair signal',
    detail: (s) => `RSRP ${s.rsrpDbm} dBm (fair, -106 to -115 dBm): uploads work but are slower and cost more battery.`,
    nextStep: 'Suggest a spot nearer a window, off metal shelves and out of drawers.',
    tellCaller: 'The cap works where it is; it will do even better nearer a window.',
  },
  {
    code: 'interference',
    severity: 'info',
    applies: (s, d) => s.sinrDb !== undefined && s.sinrDb <= 0 && d.band !== 'none',
    title: 'Radio interference',
    detail: (s) => `SINR ${s.sinrDb} dB: the signal is there but noisy; moving the cap helps less than for a weak signal.`,
    nextStep: 'Ask the caller to keep the cap away from routers, microwaves and other electronics.',
    tellCaller: 'Please keep the cap away from Wi-Fi routers, microwaves and other electronics.',
  },
  {
    code: 'coverage_enhancement',
    severity: 'info',
    applies: (s) => (s.ceLevel ?? 0) > 0,
    title: 'Coverage enhancement in use',
    detail: (s) => `CE level ${s.ceLevel}: the network repeats transmissions, so each upload costs more energy.`,
    nextStep: 'No action unless the battery drains fast; a better spot lowers the CE level.',
    tellCaller: 'No action needed.',
  },
  {
    code: 'uploads_failing',
    severity: 'warning',
    applies: (_s, d) => d.successRatio !== null && d.attempts >= 5 && d.successRatio < 0.8,
    title: 'Many uploads fail',
    detail: (s, d) => `${s.publishFail} of ${d.attempts} uploads failed in the last ${s.windowDays} days (${Math.round(d.successRatio! * 100)}% succeeded).`,
    nextStep: 'Usually signal: follow the signal advice. With good signal, escalate to engineering with this report.',
    tellCaller: 'The cap has trouble sending. Please keep it near a window; we will follow up if it continues.',
  },
  {
    code: 'battery_low',
    severity: (s) => ((s.batteryPct !== undefined && s.batteryPct <= 10) || (s.batteryMv !== undefined && s.batteryMv < 3300) ? 'critical' : 'warning'),
    applies: (s, d) => lowBattery(s) && !(d.silentS !== null && d.silentS >= SILENT_WARNING_S),
    title: 'Battery low',
    detail: (s) => `Battery ${s.batteryPct ?? '?'}% (${s.batteryMv ?? '?'} mV).`,
    nextStep: 'Ask the caller to charge the cap now.',
    tellCaller: 'Please charge the cap; it keeps working while it charges.',
  },
  {
    code: 'battery_drain',
    severity: 'warning',
    applies: (s) => (s.batteryDropPctPerDay ?? 0) > 5,
    title: 'Battery drains fast',
    detail: (s) => `The battery loses about ${s.batteryDropPctPerDay!.toFixed(1)}% a day.`,
    nextStep: 'Poor signal and failed uploads cost energy: check those first. With good signal, escalate to engineering.',
    tellCaller: 'Please charge the cap more often for now; we are looking into its battery use.',
  },
  {
    code: 'reboot_loop',
    severity: 'critical',
    applies: (s) => s.unexpectedReboots >= 3,
    title: 'The cap keeps restarting',
    detail: (s) => `${s.unexpectedReboots} unexpected restarts in the last ${s.windowDays} days${s.lastResetReason === BROWN_OUT_RESET ? ', the last from a brown-out (battery voltage dip)' : ''}.`,
    nextStep: 'Escalate to engineering with the reset reasons below and arrange a replacement cap.',
    tellCaller: 'Your cap has a fault. We will send you a replacement; keep using this one until it arrives.',
  },
  {
    code: 'reboots',
    severity: 'info',
    applies: (s) => s.unexpectedReboots > 0 && s.unexpectedReboots < 3,
    title: 'Unexpected restarts',
    detail: (s) => `${s.unexpectedReboots} unexpected restart(s) in the last ${s.windowDays} days${s.lastResetReason === BROWN_OUT_RESET ? '; the last was a brown-out, so check the battery' : ''}.`,
    nextStep: 'No action for a single restart; watch for repeats.',
    tellCaller: 'No action needed.',
  },
  {
    code: 'power_loss',
    severity: 'info',
    applies: (s) => s.powerLosses > 0 && s.powerLosses < powerLossThreshold(s.windowDays),
    title: 'The cap lost power',
    detail: (s) => `${s.powerLosses} restart(s) after a loss of power (power-on or brown-out reset) in the last ${s.windowDays} days: the battery ran flat, the cap was dropped, or the battery contacts are loose. Not a crash.`,
    nextStep: 'Ask whether the cap ran flat. Look at a longer window for repeats (`pillcap support diag <serial> --days 45`); repeated power losses mean a replacement.',
    tellCaller: 'Please keep the cap charged.',
  },
  {
    code: 'power_losses',
    severity: 'warning',
    applies: (s) => s.powerLosses >= powerLossThreshold(s.windowDays),
    title: 'The cap keeps losing power',
    detail: (s) =>
      `${s.powerLosses} restarts after a loss of power (power-on or brown-out resets) in the last ${s.windowDays} days. ` +
      'A charged cap should not lose power: the battery contacts, the cell or the charger are suspect. These are not crashes.',
    nextStep: 'Ask whether the cap ran completely flat or was dropped. If it was charged, or it keeps happening, arrange a replacement cap and send this report to engineering (battery contacts, cell, charger). Nothing recorded before a power loss is lost once it was saved.',
    tellCaller: 'Your cap has been switching itself off. Please keep it charged and check the charger is plugged in firmly. If it happens again we will send you a replacement; keep using this one until then.',
  },
  {
    code: 'clock_unset',
    severity: 'info',
    applies: (s) => s.timeSource === 0,
    title: 'The cap does not know the time',
    detail: () => 'No network time yet: the cloud places events in time from when they arrive, which is less precise.',
    nextStep: 'Usually fixes itself at the next good connection; a ping helps.',
    tellCaller: 'No action needed.',
  },
  {
    code: 'clock_unreliable',
    severity: 'warning',
    applies: clockUnreliable,
    title: 'The cap cannot keep the time',
    detail: (s) =>
      `The cloud had to correct the cap's clock ${s.clockCorrections} time(s) in the last ${s.windowDays} days, by up to ${Math.round(s.maxClockCorrectionS)} s` +
      `${s.powerLosses > 0 ? ` (a cap that lost power restarts without the time, so some may follow the ${s.powerLosses} power loss(es))` : ''}. ` +
      'Billing days stay right: the cloud re-anchors the cap\'s events to its own clock when they arrive.',
    nextStep: 'Nothing to do with the caller. If it persists over the next days, escalate to engineering with this report (network time or clock fault).',
    tellCaller: 'No action needed; your readings are recorded with the right dates.',
  },
  {
    code: 'clock_corrected',
    severity: 'info',
    applies: (s) => s.maxClockCorrectionS > 300 && !clockUnreliable(s),
    title: 'The clock was corrected',
    detail: (s) => `The cap's clock was off by up to ${Math.round(s.maxClockCorrectionS)} s; events were re-timed from the anchors.`,
    nextStep: 'No action unless repeated; repeated large corrections point to a clock fault.',
    tellCaller: 'No action needed.',
  },
  {
    code: 'events_lost',
    severity: 'warning',
    applies: (s) => s.missingEvents > 0 || s.eventsDroppedTotal > 0,
    title: 'Some events were lost',
    detail: (s) => `${s.missingEvents} event(s) missing in the sequence and ${s.eventsDroppedTotal} dropped by the cap (memory full).`,
    nextStep: 'Tell the clinic that some days may be incomplete; if the cap was offline a long time, it filled its memory.',
    tellCaller: 'Some older readings could not be kept. The cap works normally now.',
  },
];

const HEALTHY: Verdict = {
  code: 'healthy',
  severity: 'ok',
  title: 'The cap is healthy',
  detail: 'Recent contact, signal and battery are fine.',
  nextStep: 'No fault on the cap: if the caller reports a problem, check how they use it (lid fully closed, button presses).',
  tellCaller: 'Your cap is working and sending its readings.',
};

const RANK: Record<Severity, number> = { ok: 0, info: 1, warning: 2, critical: 3 };

export function diagnose(summary: DiagnosticsSummary): Diagnosis {
  const attempts = summary.publishOk + summary.publishFail;
  const lastContact = summary.lastSeenAt ?? summary.lastHeartbeatAt;
  const derived: Derived = {
    silentS: lastContact ? Math.max(0, (summary.now.getTime() - lastContact.getTime()) / 1000) : null,
    band: rsrpBand(summary.rsrpDbm),
    successRatio: attempts > 0 ? summary.publishOk / attempts : null,
    attempts,
  };
  const verdicts: Verdict[] = [];
  for (const rule of RULES) {
    if (!rule.applies(summary, derived)) continue;
    verdicts.push({
      code: rule.code,
      severity: typeof rule.severity === 'function' ? rule.severity(summary, derived) : rule.severity,
      title: rule.title,
      detail: rule.detail(summary, derived),
      nextStep: rule.nextStep,
      tellCaller: rule.tellCaller,
    });
  }
  let primary = HEALTHY;
  for (const verdict of verdicts) if (RANK[verdict.severity] > RANK[primary.severity]) primary = verdict;
  return {
    status: primary.severity,
    signalBand: derived.band,
    uploadSuccessRatio: derived.successRatio,
    primary,
    verdicts: verdicts.length > 0 ? verdicts : [HEALTHY],
  };
}
