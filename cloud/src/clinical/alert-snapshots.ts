/**
 * Loads the rule engine's patient snapshots in bulk: a fixed number of set-based queries for any number of
 * patients (no per-patient round trips), so the full sweep and one patient's on-ingest evaluation share one
 * path. Events come back aggregated per patient and kind (arrays), which keeps a 10,000-patient sweep to a
 * few thousand rows.
 *
 * Only patients whose care plan has consent recorded (monitoring started) get a snapshot; nothing before
 * consent_at counts. Attribution follows the ingestor's: events by events.patient_id (the patient who had
 * the cap when the event happened), cap contact and battery only from the current cap and only since it was
 * assigned to this patient, so a reassigned cap's earlier data never speaks for its new holder.
 */
import { EventKind } from '../../../protocol/src/messages.ts';
import type { Queryable } from '../db/database.ts';
import { toLocalDate } from '../billing/local-date.ts';
import { clinicalAlertSettingsOf, lookbackDays, mergeRules, sanitiseOverrides, type PatientSnapshot, type RuleName } from './alert-rules.ts';

/** An alert that carries an episode: live, or closed by a person while its condition still held. */
export interface EpisodeHolder {
  id: number;
  patientId: string;
  orgId: string;
  rule: RuleName;
  episodeKey: string;
  status: 'open' | 'acknowledged' | 'resolved' | 'dismissed';
  severity: string;
  title: string;
  detail: string;
  /** evidenceHash() of the stored evidence (null for alerts raised before it was kept) */
  evidenceHash: string | null;
  lastSeenAt: Date;
}

export interface PatientAlertContext {
  patientId: string;
  orgId: string;
  coordinatorId: string | null;
  clinicalOwnerId: string | null;
  /** null: monitoring has not started (no care plan, or no consent yet): no rule applies. */
  snapshot: PatientSnapshot | null;
  holders: EpisodeHolder[];
}

interface PatientRow {
  id: string;
  org_id: string;
  time_zone: string;
  period_anchor: string | Date;
  episode: number;
  rpm_active: boolean;
  clinical: unknown;
  monitors: 'adherence' | 'symptoms' | 'both' | null;
  doses_per_day: number | null;
  dose_minutes: number[] | null;
  tolerance_min: number | null;
  consent_at: Date | null;
  rules: unknown;
  coordinator_id: string | null;
  clinical_owner_id: string | null;
  holders: { id: number; rule: RuleName; episode_key: string; status: EpisodeHolder['status']; severity: string; title: string; detail: string; evidence_hash: string | null; last_seen_at: string }[] | null;
  assignments: { device_id: string; serial: string; assigned_at: string; unassigned_at: string | null; last_seen_at: string | null }[] | null;
  battery: { at: string; pct: number | null; mv: number | null } | null;
  qualifying: string[] | null;
  reminders: string[] | null;
}

/** Patients the full sweep evaluates: monitoring started, or alerts still carrying an episode. */
export async function sweepPatientIds(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT patient_id AS id FROM care_plans WHERE consent_at IS NOT NULL
     UNION
     SELECT patient_id FROM alerts WHERE status IN ('open', 'acknowledged') OR (closed_by IS NOT NULL AND NOT evidence ? 'conditionClearedAt')
     ORDER BY 1`,
  );
  return rows.map((r) => r.id);
}

const HOLDER_FILTER = `(a.status IN ('open', 'acknowledged') OR (a.closed_by IS NOT NULL AND NOT a.evidence ? 'conditionClearedAt'))`;

/**
 * Days of monitored_days and assignments read back: the longest window any rule setting can ask for
 * (missed_doses up to 60 days, adherence_drop up to 30 + 90), so the patient row needs no second trip.
 */
const DAYS_WINDOW = 62;
const ASSIGNMENT_WINDOW = 125;

/**
 * Everything per patient except events in ONE statement (plan, settings, episode holders, assignments with
 * the cap's last contact, its latest battery reading since assigned, monitored dates): the on-ingest
 * evaluation of one patient is a handful of round trips, the sweep the same for a thousand.
 */
async function loadPatientRows(q: Queryable, ids: string[], now: Date): Promise<PatientRow[]> {
  const { rows } = await q.query<PatientRow>(
    `SELECT p.id, p.org_id, p.time_zone, p.period_anchor, p.episode, p.rpm_active, o.settings->'clinical' AS clinical,
            c.monitors, c.doses_per_day, c.dose_minutes, c.tolerance_min, c.consent_at, c.rules, c.coordinator_id, c.clinical_owner_id,
            (SELECT json_agg(json_build_object('id', a.id, 'rule', a.rule, 'episode_key', a.episode_key, 'status', a.status, 'severity', a.severity,
                                               'title', a.title, 'detail', a.detail, 'evidence_hash', a.evidence_hash, 'last_seen_at', a.last_seen_at))
               FROM alerts a WHERE a.patient_id = p.id AND ${HOLDER_FILTER}) AS holders,
            CASE WHEN live.on THEN
              (SELECT json_agg(json_build_object('device_id', da.device_id, 'serial', d.serial, 'assigned_at', da.assigned_at, 'unassigned_at', da.unassigned_at,
                                                 'last_seen_at', d.last_seen_at) ORDER BY da.assigned_at)
                 FROM device_assignments da JOIN devices d ON d.id = da.device_id
                WHERE da.patient_id = p.id AND da.assigned_at <= $2 AND (da.unassigned_at IS NULL OR da.unassigned_at > $2::timestamptz - interval '${ASSIGNMENT_WINDOW} days'))
            END AS assignments,
            CASE WHEN live.on THEN
              (SELECT json_build_object('at', h.at, 'pct', h.pct, 'mv', h.mv)
                 FROM device_assignments da
                 CROSS JOIN LATERAL (
                   SELECT COALESCE(hb.sampled_at, hb.received_at) AS at, (hb.metrics->>'batteryPct')::float8 AS pct, (hb.metrics->>'batteryMv')::float8 AS mv
                     FROM heartbeats hb
                    WHERE hb.device_id = da.device_id AND hb.received_at >= da.assigned_at AND hb.received_at <= $2
                      AND (hb.metrics ? 'batteryPct' OR hb.metrics ? 'batteryMv')
                    ORDER BY hb.received_at DESC LIMIT 1) h
                WHERE da.patient_id = p.id AND da.assigned_at <= $2 AND (da.unassigned_at IS NULL OR da.unassigned_at > $2)
                ORDER BY da.assigned_at DESC LIMIT 1)
            END AS battery,
            days.qualifying, days.reminders
       FROM patients p
       JOIN organisations o ON o.id = p.org_id
       LEFT JOIN care_plans c ON c.patient_id = p.id
       CROSS JOIN LATERAL (SELECT c.consent_at IS NOT NULL AND c.consent_at <= $2 AS on) live
       LEFT JOIN LATERAL (
         SELECT array_agg(m.local_date ORDER BY m.local_date) FILTER (WHERE m.qualifying) AS qualifying,
                array_agg(m.local_date ORDER BY m.local_date) FILTER (WHERE m.kind_counts ? '${EventKind.ReminderDue}' OR m.kind_counts ? '${EventKind.DoseMissed}') AS reminders
           FROM monitored_days m
          WHERE live.on AND m.patient_id = p.id AND m.local_date >= ($2::timestamptz - interval '${DAYS_WINDOW} days')::date
       ) days ON true
      WHERE p.id = ANY($1::uuid[])`,
    [ids, now],
  );
  return rows;
}

export async function loadAlertContexts(q: Queryable, patientIds: readonly string[], now: Date): Promise<PatientAlertContext[]> {
  if (patientIds.length === 0) return [];
  const patients = await loadPatientRows(q, [...new Set(patientIds)], now);
  const active = patients.filter((p) => p.consent_at !== null && p.consent_at <= now && p.monitors !== null);
  // Every patient of an organisation shares its settings, and most care plans override nothing: parse each
  // organisation's once and share the merged result (read-only) among the patients without overrides.
  const orgRules = new Map<string, ReturnType<typeof clinicalAlertSettingsOf>['rules']>();
  const orgMerged = new Map<string, ReturnType<typeof mergeRules>>();
  const settingsOf = (p: PatientRow) => {
    let org = orgRules.get(p.org_id);
    if (!org) orgRules.set(p.org_id, (org = clinicalAlertSettingsOf({ clinical: p.clinical }).rules));
    const hasOverrides = !!p.rules && typeof p.rules === 'object' && Object.keys(p.rules).length > 0;
    if (hasOverrides) return mergeRules(org, sanitiseOverrides(p.rules));
    let merged = orgMerged.get(p.org_id);
    if (!merged) orgMerged.set(p.org_id, (merged = mergeRules(org, undefined)));
    return merged;
  };
  const settingsByPatient = new Map(active.map((p) => [p.id, settingsOf(p)]));
  const windowDays = Math.max(31, ...[...settingsByPatient.values()].map(lookbackDays));
  const since = new Date(now.getTime() - windowDays * 86_400_000);
  const livePressesOf = new Map<string, number[]>();
  for (const p of active) {
    for (const h of p.holders ?? []) {
      const id = Number(/^press:(\d+)$/.exec(h.episode_key)?.[1]);
      if (h.rule !== 'needs_help' || (h.status !== 'open' && h.status !== 'acknowledged') || !Number.isSafeInteger(id)) continue;
      livePressesOf.set(p.id, [...(livePressesOf.get(p.id) ?? []), id]);
    }
  }
  const events = await loadEvents(q, active.map((p) => p.id), since, now, [...livePressesOf.values()].flat());

  const out: PatientAlertContext[] = [];
  for (const p of patients) {
    const holders: EpisodeHolder[] = (p.holders ?? []).map((h) => ({
      id: Number(h.id), patientId: p.id, orgId: p.org_id, rule: h.rule, episodeKey: h.episode_key, status: h.status, severity: h.severity, title: h.title, detail: h.detail, evidenceHash: h.evidence_hash,
      lastSeenAt: new Date(h.last_seen_at),
    }));
    const base = { patientId: p.id, orgId: p.org_id, coordinatorId: p.coordinator_id, clinicalOwnerId: p.clinical_owner_id, holders };
    const rules = settingsByPatient.get(p.id);
    if (!rules) {
      out.push({ ...base, snapshot: null });
      continue;
    }
    const list = (p.assignments ?? []).map((a) => ({
      serial: a.serial,
      assignedAt: new Date(a.assigned_at),
      unassignedAt: a.unassigned_at ? new Date(a.unassigned_at) : null,
      lastSeenAt: a.last_seen_at ? new Date(a.last_seen_at) : null,
    }));
    const cur = list.find((a) => a.assignedAt <= now && (a.unassignedAt === null || a.unassignedAt > now));
    const ev = events.get(p.id);
    out.push({
      ...base,
      snapshot: {
        patientId: p.id,
        orgId: p.org_id,
        timeZone: p.time_zone,
        periodAnchor: toLocalDate(p.period_anchor),
        episode: p.episode,
        rpmActive: p.rpm_active,
        plan: { monitors: p.monitors!, dosesPerDay: p.doses_per_day ?? 1, doseMinutes: p.dose_minutes ?? [], toleranceMin: p.tolerance_min ?? 60, consentAt: p.consent_at! },
        rules,
        assignments: list.map((a) => ({ assignedAt: a.assignedAt, unassignedAt: a.unassignedAt })),
        cap: cur
          ? {
              serial: cur.serial,
              assignedAt: cur.assignedAt,
              // contact before this patient had the cap is the previous holder's
              lastContactAt: cur.lastSeenAt && cur.lastSeenAt >= cur.assignedAt ? (cur.lastSeenAt > now ? now : cur.lastSeenAt) : null,
              battery: p.battery ? { at: new Date(p.battery.at), pct: p.battery.pct, mv: p.battery.mv } : null,
            }
          : null,
        openings: ev?.openings ?? [],
        symptoms: ev?.symptoms ?? [],
        dosesMissed: ev?.dosesMissed ?? [],
        lowBattery: ev?.lowBattery ?? [],
        livePressIds: livePressesOf.get(p.id) ?? [],
        qualifyingDates: (p.qualifying ?? []).map(toLocalDate),
        capReminderDates: (p.reminders ?? []).map(toLocalDate),
        now,
      },
    });
  }
  return out;
}

type EventsOf = Pick<PatientSnapshot, 'openings' | 'symptoms' | 'dosesMissed' | 'lowBattery'>;

async function loadEvents(q: Queryable, ids: string[], since: Date, now: Date, livePresses: number[]): Promise<Map<string, EventsOf>> {
  const out = new Map<string, EventsOf>();
  if (ids.length === 0) return out;
  const kinds = [EventKind.LidOpened, EventKind.Symptom, EventKind.DoseMissed, EventKind.LowBattery];
  // presses held by live needs_help alerts come by primary key, apart from the window's range scan (an OR of
  // the two would defeat the (patient_id, occurred_at) index)
  const held = livePresses.length > 0
    ? `UNION SELECT id, patient_id, kind, occurred_at, args FROM events
        WHERE id = ANY($5::int8[]) AND patient_id = ANY($1::uuid[]) AND kind = ${EventKind.Symptom} AND time_quality <> 'unresolved' AND occurred_at < $3`
    : '';
  // One JSON array of [id, epoch ms, first arg] per patient and kind: one sort per group instead of one per
  // aggregate, and JSON.parse instead of the driver's text-array parser (measured on the 10,000-patient bench:
  // the three ordered array_agg spent most of the sweep's PostgreSQL and Node time here).
  const { rows } = await q.query<{ patient_id: string; kind: number; evs: [number, number, number | null][] }>(
    `WITH picked AS (
       SELECT id, patient_id, kind, occurred_at, args FROM events
        WHERE patient_id = ANY($1::uuid[]) AND kind = ANY($2::smallint[]) AND time_quality <> 'unresolved' AND occurred_at >= $3 AND occurred_at <= $4
       ${held}
     )
     SELECT patient_id, kind, json_agg(json_build_array(id, (extract(epoch FROM occurred_at) * 1000)::int8, args[1]) ORDER BY occurred_at, id) AS evs
       FROM picked GROUP BY patient_id, kind`,
    livePresses.length > 0 ? [ids, kinds, since, now, livePresses] : [ids, kinds, since, now],
  );
  for (const r of rows) {
    let e = out.get(r.patient_id);
    if (!e) out.set(r.patient_id, (e = { openings: [], symptoms: [], dosesMissed: [], lowBattery: [] }));
    for (const [eventId, atMs, firstArg] of r.evs) {
      const base = { eventId: Number(eventId), at: new Date(Number(atMs)) };
      const arg = firstArg ?? 0;
      if (r.kind === EventKind.LidOpened) e.openings.push(base);
      else if (r.kind === EventKind.Symptom) e.symptoms.push({ ...base, pattern: arg });
      else if (r.kind === EventKind.DoseMissed) e.dosesMissed.push({ ...base, slot: arg });
      else if (r.kind === EventKind.LowBattery) e.lowBattery.push({ ...base, mv: arg });
    }
  }
  return out;
}
