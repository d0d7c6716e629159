/**
 * The alert rule set (docs/clinical.md, "Alerts"). Each rule is a pure function from one patient's snapshot
 * (events, days, the current cap's contact and battery, the care plan's regimen, the current supply period,
 * now) to zero or more conditions. The evaluator (evaluate-alerts.ts) turns conditions into alerts: one per
 * episode (patient, rule, episode key), updated while the condition holds, resolved by the engine when it no
 * longer does.
 *
 * Settings: product defaults, overlaid by `organisations.settings.clinical.rules`, overlaid by the care
 * plan's `rules` (per rule, per key). All day logic is in the patient's IANA zone.
 */
import { z } from 'zod';
import { SymptomPattern } from '../../../protocol/src/messages.ts';
import { DEFAULT_ADHERENCE_OPTIONS } from '../adherence/adherence-options.ts';
import { computeAdherence } from '../adherence/compute-adherence.ts';
import { addDays, dateRange, daysBetween, instantOfLocalTime, localDateOf, type LocalDate } from '../billing/local-date.ts';
import { HIGH_TIER_MIN_DAYS, LOW_TIER_MIN_DAYS } from '../billing/supply-code.ts';
import { periodBounds, periodIndexOf } from '../billing/supply-periods.ts';

export const RULE_NAMES = ['needs_help', 'missed_doses', 'adherence_drop', 'symptom_trend', 'no_openings', 'cap_silent', 'battery_low', 'period_at_risk'] as const;
export type RuleName = (typeof RULE_NAMES)[number];
export const SEVERITIES = ['urgent', 'high', 'normal'] as const;
export type Severity = (typeof SEVERITIES)[number];

// ---------------------------------------------------------------------------------------------------------
// Settings

const severity = z.enum(SEVERITIES);
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const base = { enabled: z.boolean(), severity };

/** Every rule's settings; in the stored overrides every key is optional. */
export const ruleSettingsSchemas = {
  needs_help: z.object({ ...base, lookbackDays: int(1, 60), episodeGapHours: int(1, 168) }),
  missed_doses: z.object({ ...base, minMissed: int(1, 100), windowDays: int(1, 60) }),
  adherence_drop: z.object({ ...base, recentDays: int(3, 30), baselineDays: int(7, 90), dropPoints: int(1, 100), minRecentDays: int(1, 30), minBaselineDays: int(1, 90) }),
  symptom_trend: z.object({ ...base, recentDays: int(1, 30), minReports: int(1, 100), factor: z.number().min(1).max(20) }),
  no_openings: z.object({ ...base, days: int(1, 60) }),
  cap_silent: z.object({ ...base, hours: int(1, 24 * 30) }),
  battery_low: z.object({ ...base, percent: int(1, 99), millivolts: int(2500, 4500) }),
  period_at_risk: z.object({ ...base, slackDays: int(0, 15) }),
} as const;

export type RuleSettings = { [K in RuleName]: z.infer<(typeof ruleSettingsSchemas)[K]> };

export const DEFAULT_RULES: Readonly<RuleSettings> = Object.freeze({
  needs_help: { enabled: true, severity: 'urgent', lookbackDays: 14, episodeGapHours: 12 },
  missed_doses: { enabled: true, severity: 'high', minMissed: 3, windowDays: 7 },
  adherence_drop: { enabled: true, severity: 'normal', recentDays: 7, baselineDays: 28, dropPoints: 20, minRecentDays: 5, minBaselineDays: 14 },
  symptom_trend: { enabled: true, severity: 'normal', recentDays: 7, minReports: 3, factor: 2 },
  no_openings: { enabled: true, severity: 'high', days: 3 },
  cap_silent: { enabled: true, severity: 'normal', hours: 48 },
  battery_low: { enabled: true, severity: 'normal', percent: 20, millivolts: 3500 },
  period_at_risk: { enabled: true, severity: 'normal', slackDays: 2 },
});

/** Overrides as stored (organisation settings or care plan): any rule, any key. */
export const ruleOverridesSchema = z
  .object({
    needs_help: ruleSettingsSchemas.needs_help.partial().strict().optional(),
    missed_doses: ruleSettingsSchemas.missed_doses.partial().strict().optional(),
    adherence_drop: ruleSettingsSchemas.adherence_drop.partial().strict().optional(),
    symptom_trend: ruleSettingsSchemas.symptom_trend.partial().strict().optional(),
    no_openings: ruleSettingsSchemas.no_openings.partial().strict().optional(),
    cap_silent: ruleSettingsSchemas.cap_silent.partial().strict().optional(),
    battery_low: ruleSettingsSchemas.battery_low.partial().strict().optional(),
    period_at_risk: ruleSettingsSchemas.period_at_risk.partial().strict().optional(),
  })
  .strict();
export type RuleOverrides = z.infer<typeof ruleOverridesSchema>;

export const DEFAULT_ESCALATE_AFTER_MINUTES = 30;

/** The organisation's clinical alert settings: `organisations.settings.clinical` (rules and escalation). */
export const clinicalAlertSettingsSchema = z.object({
  rules: ruleOverridesSchema.default({}),
  escalateAfterMinutes: int(1, 7 * 24 * 60).default(DEFAULT_ESCALATE_AFTER_MINUTES),
});
export type ClinicalAlertSettings = z.infer<typeof clinicalAlertSettingsSchema>;

/**
 * Reads rules and escalation from an organisation's settings jsonb (the whole object). Settings that do not
 * parse (written by hand) fall back to the defaults rule by rule rather than switching the engine off.
 */
export function clinicalAlertSettingsOf(orgSettings: unknown): ClinicalAlertSettings {
  const clinical = orgSettings && typeof orgSettings === 'object' ? (orgSettings as Record<string, unknown>).clinical : undefined;
  const raw = clinical && typeof clinical === 'object' ? (clinical as Record<string, unknown>) : {};
  const escalate = int(1, 7 * 24 * 60).safeParse(raw.escalateAfterMinutes);
  return { rules: sanitiseOverrides(raw.rules), escalateAfterMinutes: escalate.success ? escalate.data : DEFAULT_ESCALATE_AFTER_MINUTES };
}

/** Built once: a zod schema built per call cost more than the rule evaluation itself in the sweep. */
const overrideSchemas = Object.fromEntries(RULE_NAMES.map((name) => [name, ruleSettingsSchemas[name].partial().strict()])) as {
  [K in RuleName]: ReturnType<(typeof ruleSettingsSchemas)[K]['partial']>;
};

/** Keeps the overrides that parse, rule by rule. */
export function sanitiseOverrides(raw: unknown): RuleOverrides {
  const out: RuleOverrides = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const name of RULE_NAMES) {
    const value = (raw as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const parsed = overrideSchemas[name].safeParse(value);
    if (parsed.success) (out as Record<string, unknown>)[name] = parsed.data;
  }
  return out;
}

/** Defaults, then the organisation's overrides, then the care plan's, key by key. */
export function mergeRules(orgRules: RuleOverrides | undefined, planRules: RuleOverrides | undefined): RuleSettings {
  const out = {} as Record<RuleName, unknown>;
  for (const name of RULE_NAMES) out[name] = { ...DEFAULT_RULES[name], ...(orgRules?.[name] ?? {}), ...(planRules?.[name] ?? {}) };
  return out as RuleSettings;
}

// ---------------------------------------------------------------------------------------------------------
// Snapshot and conditions

export interface SnapshotEvent {
  eventId: number;
  at: Date;
}

export interface PatientSnapshot {
  patientId: string;
  orgId: string;
  timeZone: string;
  periodAnchor: LocalDate;
  episode: number;
  rpmActive: boolean;
  plan: {
    monitors: 'adherence' | 'symptoms' | 'both';
    dosesPerDay: number;
    doseMinutes: number[];
    toleranceMin: number;
    /** monitoring starts at consent: nothing before it counts */
    consentAt: Date;
  };
  rules: RuleSettings;
  /** Caps the patient held, [assignedAt, unassignedAt). */
  assignments: { assignedAt: Date; unassignedAt: Date | null }[];
  /** The cap held now: its last contact (any uplink) and latest battery reading, both since it was assigned to this patient. */
  cap: { serial: string; assignedAt: Date; lastContactAt: Date | null; battery: { at: Date; pct: number | null; mv: number | null } | null } | null;
  /** Lid openings (resolved time) from the load window on. */
  openings: SnapshotEvent[];
  /** Symptom presses with their SymptomPattern. */
  symptoms: (SnapshotEvent & { pattern: number })[];
  /** The cap's own DoseMissed events. */
  dosesMissed: (SnapshotEvent & { slot: number })[];
  lowBattery: (SnapshotEvent & { mv: number })[];
  /** Presses that opened a live needs_help alert: their episodes hold however old they are (a person closes them). */
  livePressIds: number[];
  /** monitored_days in the load window: the qualifying (monitored) dates, ascending. */
  qualifyingDates: LocalDate[];
  /** Dates on which the cap kept its reminders (a ReminderDue or DoseMissed that day), ascending. */
  capReminderDates: LocalDate[];
  now: Date;
}

export interface Condition {
  rule: RuleName;
  episodeKey: string;
  severity: Severity;
  title: string;
  detail: string;
  evidence: Record<string, unknown>;
  since: Date;
}

export interface RuleOutcome {
  /** false: the rule does not apply to this patient now (disabled, not monitored, no cap...). */
  applies: boolean;
  conditions: Condition[];
}

type Rule = (s: PatientSnapshot) => RuleOutcome;

const DAY_MS = 86_400_000;
const notApplicable: RuleOutcome = { applies: false, conditions: [] };
const applies = (conditions: Condition[]): RuleOutcome => ({ applies: true, conditions });
const monitorsAdherence = (s: PatientSnapshot) => s.plan.monitors !== 'symptoms' && s.plan.dosesPerDay > 0;
const monitorsSymptoms = (s: PatientSnapshot) => s.plan.monitors !== 'adherence';
const today = (s: PatientSnapshot) => localDateOf(s.now, s.timeZone);
const consentDate = (s: PatientSnapshot) => localDateOf(s.plan.consentAt, s.timeZone);
const afterConsent = <T extends SnapshotEvent>(s: PatientSnapshot, events: readonly T[]): T[] => events.filter((e) => e.at >= s.plan.consentAt && e.at <= s.now);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Dates on which the patient's data is in: a cap was assigned for part of the date, consent was given on or
 * before it, and the current cap has been in contact since the date ended (otherwise its events may still be
 * in the cap's flash, and a silent cap is cap_silent's business, not a missed dose).
 */
function observedDates(s: PatientSnapshot, from: LocalDate, to: LocalDate): Set<LocalDate> {
  const out = new Set<LocalDate>();
  const contact = s.cap?.lastContactAt ?? null;
  if (!contact) return out;
  // a date is complete before the contact when the contact's local date is later
  const lastComplete = addDays(localDateOf(contact, s.timeZone), -1);
  const first = consentDate(s);
  for (const a of s.assignments) {
    const start = localDateOf(a.assignedAt, s.timeZone);
    const end = a.unassignedAt ? localDateOf(a.unassignedAt.getTime() - 1, s.timeZone) : to;
    const lo = [start, from, first].reduce((m, d) => (d > m ? d : m));
    const hi = [end, to, lastComplete].reduce((m, d) => (d < m ? d : m));
    for (const d of lo <= hi ? dateRange(lo, hi) : []) out.add(d);
  }
  return out;
}

/** Taking adherence per observed date (the adherence engine's, with the care plan's doses a day), over [from, to]. */
function adherenceOver(s: PatientSnapshot, from: LocalDate, to: LocalDate) {
  return computeAdherence({
    zone: s.timeZone,
    from,
    to,
    // taking adherence only: without dose times the engine skips its timing analysis
    regimen: { dosesPerDay: s.plan.dosesPerDay },
    openings: afterConsent(s, s.openings),
    observedDates: observedDates(s, from, to),
    options: { ...DEFAULT_ADHERENCE_OPTIONS, timingWindowMin: s.plan.toleranceMin },
  });
}

// ---------------------------------------------------------------------------------------------------------
// The rules

/** Every "needs help / severe" press is urgent; presses within episodeGapHours of the previous one are one episode. */
export const needsHelp: Rule = (s) => {
  const r = s.rules.needs_help;
  if (!r.enabled) return notApplicable;
  const from = s.now.getTime() - r.lookbackDays * DAY_MS;
  const held = new Set(s.livePressIds);
  const presses = afterConsent(s, s.symptoms)
    .filter((p) => p.pattern === SymptomPattern.Long && (p.at.getTime() >= from || held.has(p.eventId)))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.eventId - b.eventId);
  const episodes: (typeof presses)[] = [];
  for (const p of presses) {
    const last = episodes[episodes.length - 1];
    if (last && p.at.getTime() - last[last.length - 1]!.at.getTime() <= r.episodeGapHours * 3_600_000) last.push(p);
    else episodes.push([p]);
  }
  return applies(
    episodes.map((ep) => {
      const first = ep[0]!;
      const when = localDateOf(first.at, s.timeZone);
      return {
        rule: 'needs_help',
        episodeKey: `press:${first.eventId}`,
        severity: r.severity,
        title: 'Patient pressed "needs help / severe symptom"',
        detail: `${plural(ep.length, 'needs-help press')} from ${first.at.toISOString()} (patient-local ${when}). Contact the patient.`,
        evidence: { eventIds: ep.map((p) => p.eventId), pressedAt: ep.map((p) => p.at.toISOString()), localDate: when },
        since: first.at,
      };
    }),
  );
};

/**
 * Missed doses in the last windowDays local dates (today included, only doses whose window has closed): on
 * a date the cap kept its reminders (ReminderDue or DoseMissed that day) its DoseMissed events count; on
 * other dates each scheduled dose without an opening within the care plan's tolerance is missed (or, with no
 * dose times, each expected dose not taken).
 */
export const missedDoses: Rule = (s) => {
  const r = s.rules.missed_doses;
  if (!r.enabled || !monitorsAdherence(s) || s.assignments.length === 0) return notApplicable;
  const to = today(s);
  const from = addDays(to, -(r.windowDays - 1));
  const capTracked = new Set(s.capReminderDates.filter((d) => d >= from));
  const byCap = afterConsent(s, s.dosesMissed).filter((e) => {
    const d = localDateOf(e.at, s.timeZone);
    return d >= from && d <= to;
  });
  const missed: { date: LocalDate; at: string; eventId?: number; slot?: number; source: 'cap' | 'computed' }[] = byCap.map((e) => ({
    date: localDateOf(e.at, s.timeZone),
    at: e.at.toISOString(),
    eventId: e.eventId,
    slot: e.slot,
    source: 'cap',
  }));
  const contact = s.cap?.lastContactAt ?? null;
  // computed days: observed complete days, plus today's doses whose window closed before the last contact
  const observed = observedDates(s, from, addDays(to, -1));
  const computedDays = dateRange(from, to).filter((d) => !capTracked.has(d) && (observed.has(d) || (d === to && contact !== null && d >= consentDate(s))));
  const times = [...s.plan.doseMinutes].sort((a, b) => a - b);
  if (computedDays.length > 0 && times.length === 0) {
    // no dose times: each expected dose not taken on a complete observed date
    const adherence = adherenceOver(s, computedDays[0]!, computedDays[computedDays.length - 1]!);
    for (const day of adherence.days) {
      if (day.date === to || day.taken === null || !computedDays.includes(day.date)) continue;
      for (let i = day.taken; i < s.plan.dosesPerDay; i++) missed.push({ date: day.date, at: instantOfLocalTime(addDays(day.date, 1), 0, s.timeZone).toISOString(), source: 'computed' });
    }
  }
  if (times.length > 0) {
    const toleranceMs = s.plan.toleranceMin * 60_000;
    const openings = afterConsent(s, s.openings).map((o) => o.at.getTime());
    for (const date of computedDays) {
      // each dose on its own: an opening within the tolerance of its local dose time
      for (const [slot, minute] of times.entries()) {
        const due = instantOfLocalTime(date, minute, s.timeZone).getTime();
        const closes = due + toleranceMs;
        if (due < s.plan.consentAt.getTime() || !contact || contact.getTime() < closes || s.now.getTime() < closes) continue;
        if (!openings.some((t) => Math.abs(t - due) <= toleranceMs)) missed.push({ date, at: new Date(due).toISOString(), slot, source: 'computed' });
      }
    }
  }
  if (missed.length < r.minMissed) return applies([]);
  missed.sort((a, b) => a.at.localeCompare(b.at));
  return applies([
    {
      rule: 'missed_doses',
      episodeKey: '',
      severity: r.severity,
      title: `${plural(missed.length, 'missed dose')} in the last ${plural(r.windowDays, 'day')}`,
      detail: `${missed.length} doses missed between ${from} and ${to} (threshold ${r.minMissed}); ${missed.filter((m) => m.source === 'cap').length} reported by the cap, the others computed from openings against the dose times (tolerance ${s.plan.toleranceMin} min).`,
      evidence: { from, to, threshold: r.minMissed, missed },
      since: new Date(missed[0]!.at),
    },
  ]);
};

/** Taking adherence over the last recentDays complete local days against the baselineDays before them. */
export const adherenceDrop: Rule = (s) => {
  const r = s.rules.adherence_drop;
  if (!r.enabled || !monitorsAdherence(s) || s.assignments.length === 0) return notApplicable;
  const recentTo = addDays(today(s), -1);
  const recentFrom = addDays(recentTo, -(r.recentDays - 1));
  const baseTo = addDays(recentFrom, -1);
  const baseFrom = addDays(baseTo, -(r.baselineDays - 1));
  const days = adherenceOver(s, baseFrom, recentTo).days;
  const sum = (lo: LocalDate, hi: LocalDate) => {
    const inRange = days.filter((d) => d.observed && d.date >= lo && d.date <= hi);
    const takenDoses = inRange.reduce((n, d) => n + (d.taken ?? 0), 0);
    const expectedDoses = inRange.reduce((n, d) => n + (d.expected ?? 0), 0);
    return { observedDays: inRange.length, takenDoses, expectedDoses, takingAdherence: expectedDoses > 0 ? takenDoses / expectedDoses : null };
  };
  const recent = sum(recentFrom, recentTo);
  const baseline = sum(baseFrom, baseTo);
  if (recent.observedDays < r.minRecentDays || baseline.observedDays < r.minBaselineDays) return applies([]);
  if (recent.takingAdherence === null || baseline.takingAdherence === null) return applies([]);
  const recentPct = Math.round(recent.takingAdherence * 1000) / 10;
  const basePct = Math.round(baseline.takingAdherence * 1000) / 10;
  const drop = Math.round((basePct - recentPct) * 10) / 10;
  if (drop < r.dropPoints) return applies([]);
  return applies([
    {
      rule: 'adherence_drop',
      episodeKey: '',
      severity: r.severity,
      title: `Adherence fell ${drop} points below the patient's baseline`,
      detail: `Taking adherence ${recentPct}% over ${recentFrom}..${recentTo} against ${basePct}% over ${baseFrom}..${baseTo} (threshold ${r.dropPoints} points).`,
      evidence: {
        recent: { from: recentFrom, to: recentTo, takingAdherencePct: recentPct, observedDays: recent.observedDays, takenDoses: recent.takenDoses, expectedDoses: recent.expectedDoses },
        baseline: { from: baseFrom, to: baseTo, takingAdherencePct: basePct, observedDays: baseline.observedDays, takenDoses: baseline.takenDoses, expectedDoses: baseline.expectedDoses },
        dropPoints: drop,
        threshold: r.dropPoints,
      },
      since: instantOfLocalTime(recentFrom, 0, s.timeZone),
    },
  ]);
};

/** "Unwell" and "needs help" presses over the last recentDays local dates against the recentDays before. */
export const symptomTrend: Rule = (s) => {
  const r = s.rules.symptom_trend;
  if (!r.enabled || !monitorsSymptoms(s)) return notApplicable;
  const to = today(s);
  const recentFrom = addDays(to, -(r.recentDays - 1));
  const previousFrom = addDays(recentFrom, -r.recentDays);
  const reports = afterConsent(s, s.symptoms).filter((p) => p.pattern === SymptomPattern.Double || p.pattern === SymptomPattern.Long);
  const recent = reports.filter((p) => localDateOf(p.at, s.timeZone) >= recentFrom);
  const previous = reports.filter((p) => {
    const d = localDateOf(p.at, s.timeZone);
    return d >= previousFrom && d < recentFrom;
  });
  if (recent.length < r.minReports || recent.length < r.factor * previous.length) return applies([]);
  recent.sort((a, b) => a.at.getTime() - b.at.getTime());
  return applies([
    {
      rule: 'symptom_trend',
      episodeKey: '',
      severity: r.severity,
      title: `Symptom reports rising: ${recent.length} in the last ${plural(r.recentDays, 'day')}`,
      detail: `${recent.length} "unwell" or "needs help" presses ${recentFrom}..${to} against ${previous.length} in the ${r.recentDays} days before (threshold: at least ${r.minReports} and ${r.factor}x).`,
      evidence: { recent: { from: recentFrom, to, count: recent.length, eventIds: recent.map((p) => p.eventId) }, previous: { from: previousFrom, count: previous.length, eventIds: previous.map((p) => p.eventId) } },
      since: recent[0]!.at,
    },
  ]);
};

/** The current cap is in contact (not silent) but no opening on the last `days` complete local dates. */
export const noOpenings: Rule = (s) => {
  const r = s.rules.no_openings;
  if (!r.enabled || !monitorsAdherence(s) || !s.cap) return notApplicable;
  const contact = s.cap.lastContactAt;
  const healthy = contact !== null && s.now.getTime() - contact.getTime() < s.rules.cap_silent.hours * 3_600_000;
  if (!healthy) return applies([]);
  const last = afterConsent(s, s.openings).reduce<SnapshotEvent | null>((m, o) => (!m || o.at > m.at ? o : m), null);
  const startAt = s.cap.assignedAt > s.plan.consentAt ? s.cap.assignedAt : s.plan.consentAt;
  const lastDate = last && last.at > startAt ? localDateOf(last.at, s.timeZone) : localDateOf(startAt, s.timeZone);
  const quietFrom = addDays(lastDate, 1);
  const quietDays = daysBetween(quietFrom, today(s));
  if (quietDays < r.days) return applies([]);
  return applies([
    {
      rule: 'no_openings',
      episodeKey: '',
      severity: r.severity,
      title: `No opening for ${plural(quietDays, 'day')} while the cap is working`,
      detail: last
        ? `Last opening ${last.at.toISOString()} (patient-local ${localDateOf(last.at, s.timeZone)}); the cap last reported ${contact!.toISOString()}.`
        : `No opening since monitoring started (${localDateOf(startAt, s.timeZone)}); the cap last reported ${contact!.toISOString()}.`,
      evidence: { lastOpening: last ? { eventId: last.eventId, at: last.at.toISOString() } : null, quietFrom, quietDays, threshold: r.days, lastContactAt: contact!.toISOString(), serial: s.cap.serial },
      since: instantOfLocalTime(quietFrom, 0, s.timeZone),
    },
  ]);
};

/** No uplink from the patient's current cap for `hours` (counted from its assignment when it never reported since). */
export const capSilent: Rule = (s) => {
  const r = s.rules.cap_silent;
  if (!r.enabled || !s.cap) return notApplicable;
  const since = s.cap.lastContactAt && s.cap.lastContactAt > s.cap.assignedAt ? s.cap.lastContactAt : s.cap.assignedAt;
  const start = since > s.plan.consentAt ? since : s.plan.consentAt;
  const silentH = Math.floor((s.now.getTime() - start.getTime()) / 3_600_000);
  if (silentH < r.hours) return applies([]);
  // nothing here changes while the silence lasts (no hour counter), so a long silence is not one update an hour
  return applies([
    {
      rule: 'cap_silent',
      episodeKey: '',
      severity: r.severity,
      title: `Cap ${s.cap.serial} silent since ${start.toISOString()}`,
      detail: s.cap.lastContactAt && s.cap.lastContactAt > s.cap.assignedAt
        ? `No uplink for at least ${r.hours} h (last ${s.cap.lastContactAt.toISOString()}). Nothing recorded is lost; it uploads when back in coverage.`
        : `No uplink for at least ${r.hours} h since the cap was given to the patient (${s.cap.assignedAt.toISOString()}).`,
      evidence: { serial: s.cap.serial, lastContactAt: s.cap.lastContactAt?.toISOString() ?? null, assignedAt: s.cap.assignedAt.toISOString(), threshold: r.hours },
      since: start,
    },
  ]);
};

/** The latest battery evidence of the current cap says low: a LowBattery event, or a heartbeat under a threshold. */
export const batteryLow: Rule = (s) => {
  const r = s.rules.battery_low;
  if (!r.enabled || !s.cap) return notApplicable;
  const lowEvent = s.lowBattery.filter((e) => e.at >= s.cap!.assignedAt && e.at <= s.now).reduce<(SnapshotEvent & { mv: number }) | null>((m, e) => (!m || e.at > m.at ? e : m), null);
  const hb = s.cap.battery;
  const hbLow = hb !== null && ((hb.pct !== null && hb.pct <= r.percent) || (hb.mv !== null && hb.mv < r.millivolts));
  // the newer of the two decides: a charged cap reports a good heartbeat after its LowBattery event
  const eventDecides = lowEvent !== null && (hb === null || lowEvent.at > hb.at);
  if (!eventDecides && !hbLow) return applies([]);
  return applies([
    {
      rule: 'battery_low',
      episodeKey: '',
      severity: r.severity,
      title: `Cap ${s.cap.serial} battery low`,
      detail: eventDecides
        ? `The cap reported low battery (${lowEvent!.mv} mV) at ${lowEvent!.at.toISOString()}. Ask the patient to charge it.`
        : `Last reading ${hb!.pct ?? '?'}% / ${hb!.mv ?? '?'} mV at ${hb!.at.toISOString()} (threshold ${r.percent}% or ${r.millivolts} mV). Ask the patient to charge it.`,
      evidence: {
        serial: s.cap.serial,
        lowBatteryEvent: lowEvent ? { eventId: lowEvent.eventId, at: lowEvent.at.toISOString(), mv: lowEvent.mv } : null,
        heartbeat: hb ? { at: hb.at.toISOString(), pct: hb.pct, mv: hb.mv } : null,
        thresholds: { percent: r.percent, millivolts: r.millivolts },
      },
      since: eventDecides ? lowEvent!.at : hb!.at,
    },
  ]);
};

/**
 * The current 30-day supply period may close below 16 (or, once 16 is out of reach, below 2) monitored days:
 * the days still needed plus slackDays exceed the days left (today counts as left while it has not qualified).
 */
export const periodAtRisk: Rule = (s) => {
  const r = s.rules.period_at_risk;
  if (!r.enabled || s.rpmActive) return notApplicable;
  const date = today(s);
  const index = periodIndexOf(s.periodAnchor, date);
  if (index < 0) return notApplicable;
  const period = periodBounds(s.periodAnchor, index);
  const inPeriod = s.qualifyingDates.filter((d) => d >= period.startDate && d <= date);
  const monitored = inPeriod.length;
  const todayQualifies = inPeriod.includes(date);
  const daysLeft = daysBetween(date, period.endDate) + (todayQualifies ? 0 : 1);
  let lostHigh = false;
  for (const target of [HIGH_TIER_MIN_DAYS, LOW_TIER_MIN_DAYS]) {
    if (monitored >= target) return applies([]);
    const needed = target - monitored;
    if (needed > daysLeft) {
      lostHigh = lostHigh || target === HIGH_TIER_MIN_DAYS;
      continue;
    }
    if (needed + r.slackDays <= daysLeft) return applies([]);
    return applies([
      {
        rule: 'period_at_risk',
        episodeKey: `${s.episode}:${index}`,
        severity: r.severity,
        title: `Supply period ending ${period.endDate} at risk of closing below ${target} days`,
        detail: `${monitored} monitored days so far; ${needed} more needed for ${target} with ${plural(daysLeft, 'day')} left${lostHigh ? ' (16 days can no longer be reached)' : ''}.`,
        evidence: { periodIndex: index, startDate: period.startDate, endDate: period.endDate, monitoredDays: monitored, target, needed, daysLeft, slackDays: r.slackDays, qualifyingDates: inPeriod },
        since: instantOfLocalTime(period.startDate, 0, s.timeZone),
      },
    ]);
  }
  return applies([]);
};

export const RULES: Readonly<Record<RuleName, Rule>> = Object.freeze({
  needs_help: needsHelp,
  missed_doses: missedDoses,
  adherence_drop: adherenceDrop,
  symptom_trend: symptomTrend,
  no_openings: noOpenings,
  cap_silent: capSilent,
  battery_low: batteryLow,
  period_at_risk: periodAtRisk,
});

/** Days of data the rules read back from `now` with these settings (the loader's window). */
export function lookbackDays(rules: RuleSettings): number {
  return Math.max(
    rules.needs_help.lookbackDays,
    rules.missed_doses.windowDays,
    rules.adherence_drop.recentDays + rules.adherence_drop.baselineDays + 1,
    2 * rules.symptom_trend.recentDays,
    30, // the current supply period
  ) + 1;
}

/** Runs every rule; `applicable` lists the rules that applied (a live alert of another rule no longer applies). */
export function evaluateRules(s: PatientSnapshot): { conditions: Condition[]; applicable: Set<RuleName> } {
  const conditions: Condition[] = [];
  const applicable = new Set<RuleName>();
  for (const name of RULE_NAMES) {
    const outcome = RULES[name](s);
    if (!outcome.applies) continue;
    applicable.add(name);
    conditions.push(...outcome.conditions);
  }
  return { conditions, applicable };
}

/** What the engine writes when it resolves an alert whose condition is gone (the note on the alert). */
export const CLEARED_NOTES: Readonly<Record<RuleName, string>> = Object.freeze({
  needs_help: 'the needs-help press is no longer in this patient\'s data (the cap was reassigned or its events moved)',
  missed_doses: 'fewer missed doses than the threshold in the window now (late openings arrived, or the missed doses left the window)',
  adherence_drop: 'recent adherence is back within the threshold of the baseline',
  symptom_trend: 'symptom reports are no longer rising above the threshold',
  no_openings: 'an opening was recorded (possibly uploaded late)',
  cap_silent: 'the cap is in contact again',
  battery_low: 'the battery reads above the threshold again',
  period_at_risk: 'the period is no longer at risk (late days arrived, or the target changed)',
});
