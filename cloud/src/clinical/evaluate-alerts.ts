/**
 * The alert evaluator: snapshots (alert-snapshots.ts) -> rules (alert-rules.ts) -> alert rows, set-based.
 *
 * Episodes. An alert is one episode of (patient, rule, episode key). While the condition holds, the live
 * alert's evidence and last_seen_at follow it; no second alert is raised (the unique index alerts_live makes
 * that hold under concurrency too). When the condition is gone (late data, the situation changed, the rule
 * no longer applies) the engine resolves the live alert itself: closed_by NULL, outcome 'condition_cleared'
 * and a note saying why. A person may close an alert while its condition still holds; the closed alert then
 * keeps the episode (last_seen_at still follows it) so nothing is raised again until the condition has been
 * seen gone once (evidence.conditionClearedAt, history 'condition_cleared'); when it comes back after that,
 * it is a new episode and a new alert.
 *
 * Every change is written to alert_history (user_id NULL = the engine). Escalation: an urgent alert still
 * open (not acknowledged) escalateAfterMinutes after it was raised goes to the care plan's clinical owner.
 */
import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../db/database.ts';
import { CLEARED_NOTES, evaluateRules, type Condition } from './alert-rules.ts';
import { loadAlertContexts, sweepPatientIds, type EpisodeHolder } from './alert-snapshots.ts';

export interface EvaluateResult {
  evaluated: number;
  raised: number;
  updated: number;
  resolved: number;
  escalated: number;
}

export interface EvaluateOptions {
  /** The patients to evaluate; undefined = the full sweep (every patient under monitoring or holding an episode). */
  patientIds?: readonly string[];
  now: Date;
  /** Patients per transaction in a sweep (bounded memory and lock time). */
  chunkSize?: number;
  /** Transactions run side by side in a sweep (default 3 on PostgreSQL, 1 on the embedded database). */
  concurrency?: number;
}

/** First key of the per-patient advisory lock ("alr"): an ingest-triggered and a sweep evaluation of one patient never interleave. */
const ALERT_LOCK_SPACE = 0x616c72;
const ENGINE_ACTOR = 'clinical-engine';
/**
 * last_seen_at of an unchanged episode moves in steps of this much: an on-ingest evaluation that finds
 * nothing new then writes nothing (measured: the touch was a tenth of one patient's evaluation), and the
 * sweep rewrites each live alert at most once per step.
 */
export const LAST_SEEN_GRANULARITY_MS = 10 * 60_000;

export async function evaluateAlerts(db: Database, options: EvaluateOptions): Promise<EvaluateResult> {
  const { now } = options;
  const ids = [...new Set(options.patientIds ?? (await sweepPatientIds(db)))].sort();
  const chunkSize = options.chunkSize ?? 1000;
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += chunkSize) chunks.push(ids.slice(i, i + chunkSize));
  const total: EvaluateResult = { evaluated: 0, raised: 0, updated: 0, resolved: 0, escalated: 0 };
  // chunks are disjoint sets of patients, so they run side by side on their own connections: one chunk's SQL
  // overlaps another's rule evaluation (the embedded database has one connection: one at a time)
  const workers = Math.max(1, Math.min(options.concurrency ?? (db.kind === 'pg' ? 3 : 1), chunks.length));
  let next = 0;
  let urgentOpen = false;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        const r = await db.transaction((tx) => evaluateChunk(tx, chunk, now));
        urgentOpen ||= r.urgentOpen;
        total.evaluated += r.evaluated;
        total.raised += r.raised;
        total.updated += r.updated;
        total.resolved += r.resolved;
      }
    }),
  );
  // an on-ingest evaluation skips the escalation query when none of its patients has an open urgent alert
  if (!options.patientIds || urgentOpen) total.escalated = await escalateAlerts(db, { now, patientIds: options.patientIds });
  return total;
}

/** Stable JSON (sorted keys): jsonb does not keep key order, so evidence is compared in this form. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What alerts.evidence_hash holds: a digest of the evidence's canonical JSON (key order does not matter). */
export const evidenceHash = (evidence: unknown): string => createHash('sha256').update(canonicalJson(evidence)).digest('base64url');

const keyOf = (rule: string, episodeKey: string) => `${rule}\u0000${episodeKey}`;
const isLive = (h: EpisodeHolder) => h.status === 'open' || h.status === 'acknowledged';

interface Plan {
  raise: (Condition & { patientId: string; orgId: string; assignee: string | null })[];
  change: { id: number; c: Condition }[];
  touch: number[];
  resolve: { id: number; note: string }[];
  clear: { id: number; note: string }[];
}

/**
 * Evaluates these patients inside the caller's transaction (the scheduler's drain takes them off the queue in
 * the same one). Escalation is not part of it: see escalateAlerts.
 */
export async function evaluateAlertsInTx(tx: Queryable, patientIds: readonly string[], now: Date): Promise<Omit<EvaluateResult, 'escalated'>> {
  const { urgentOpen: _, ...result } = await evaluateChunk(tx, patientIds, now);
  return result;
}

async function evaluateChunk(tx: Queryable, patientIds: readonly string[], now: Date): Promise<Omit<EvaluateResult, 'escalated'> & { urgentOpen: boolean }> {
  const ids = [...new Set(patientIds)].sort();
  if (ids.length === 0) return { evaluated: 0, raised: 0, updated: 0, resolved: 0, urgentOpen: false };
  await tx.query(`SELECT pg_advisory_xact_lock(${ALERT_LOCK_SPACE}, hashtext(id::text)) FROM unnest($1::uuid[]) AS id`, [ids]);
  const contexts = await loadAlertContexts(tx, ids, now);
  const plan: Plan = { raise: [], change: [], touch: [], resolve: [], clear: [] };
  const stamp = now.toISOString();
  for (const ctx of contexts) {
    const { conditions, applicable } = ctx.snapshot ? evaluateRules(ctx.snapshot) : { conditions: [], applicable: new Set<string>() };
    const holders = new Map(ctx.holders.map((h) => [keyOf(h.rule, h.episodeKey), h]));
    const seen = new Set<string>();
    for (const c of conditions) {
      const key = keyOf(c.rule, c.episodeKey);
      if (seen.has(key)) continue;
      seen.add(key);
      const holder = holders.get(key);
      if (!holder) {
        plan.raise.push({ ...c, patientId: ctx.patientId, orgId: ctx.orgId, assignee: ctx.coordinatorId ?? ctx.clinicalOwnerId });
      } else if (isLive(holder) && (holder.title !== c.title || holder.detail !== c.detail || holder.severity !== c.severity || holder.evidenceHash !== evidenceHash(c.evidence))) {
        plan.change.push({ id: holder.id, c });
      } else if (now.getTime() - holder.lastSeenAt.getTime() >= LAST_SEEN_GRANULARITY_MS) {
        plan.touch.push(holder.id);
      }
    }
    for (const [key, holder] of holders) {
      if (seen.has(key)) continue;
      const why = !ctx.snapshot
        ? 'monitoring is not active for this patient (no care plan with consent recorded)'
        : applicable.has(holder.rule)
          ? CLEARED_NOTES[holder.rule]
          : 'the rule no longer applies to this patient (switched off in the settings, not monitored under the care plan, or no cap assigned)';
      const note = `Closed by the rule engine at ${stamp}: ${why}.`;
      if (isLive(holder)) plan.resolve.push({ id: holder.id, note });
      else plan.clear.push({ id: holder.id, note: `Condition no longer present at ${stamp}: ${why}.` });
    }
  }
  const urgentOpen = plan.raise.some((c) => c.severity === 'urgent') || contexts.some((c) => c.holders.some((h) => h.status === 'open' && h.severity === 'urgent'));
  return { evaluated: contexts.length, ...(await applyPlan(tx, plan, now)), urgentOpen };
}

async function applyPlan(tx: Queryable, plan: Plan, now: Date): Promise<{ raised: number; updated: number; resolved: number }> {
  let raised = 0;
  let updated = 0;
  let resolved = 0;
  if (plan.raise.length > 0) {
    const { rows } = await tx.query<{ alert_id: number }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS r(org_id uuid, patient_id uuid, rule text, episode_key text, severity text, title text, detail text, evidence jsonb, evidence_hash text, since timestamptz, assignee uuid)
       ), ins AS (
         INSERT INTO alerts (org_id, patient_id, rule, episode_key, severity, title, detail, evidence, evidence_hash, condition_since, raised_at, last_seen_at, assignee_id)
         SELECT org_id, patient_id, rule, episode_key, severity, title, detail, evidence, evidence_hash, since, $2, $2, assignee FROM input
         ON CONFLICT (patient_id, rule, episode_key) WHERE status IN ('open', 'acknowledged') DO NOTHING
         RETURNING id, severity, assignee_id
       )
       INSERT INTO alert_history (alert_id, at, action, detail)
       SELECT id, $2, 'raised', jsonb_build_object('severity', severity, 'assigneeId', assignee_id) FROM ins
       RETURNING alert_id`,
      [
        JSON.stringify(
          plan.raise.map((c) => ({
            org_id: c.orgId, patient_id: c.patientId, rule: c.rule, episode_key: c.episodeKey, severity: c.severity, title: c.title, detail: c.detail,
            evidence: c.evidence, evidence_hash: evidenceHash(c.evidence), since: c.since.toISOString(), assignee: c.assignee,
          })),
        ),
        now,
      ],
    );
    raised = rows.length;
  }
  if (plan.change.length > 0) {
    const { rows } = await tx.query<{ alert_id: number }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id int8, severity text, title text, detail text, evidence jsonb, evidence_hash text)
       ), upd AS (
         UPDATE alerts a SET severity = i.severity, title = i.title, detail = i.detail, evidence = i.evidence, evidence_hash = i.evidence_hash, last_seen_at = $2
           FROM input i WHERE a.id = i.id AND a.status IN ('open', 'acknowledged')
         RETURNING a.id, a.title
       )
       INSERT INTO alert_history (alert_id, at, action, detail)
       SELECT id, $2, 'updated', jsonb_build_object('title', title) FROM upd
       RETURNING alert_id`,
      [JSON.stringify(plan.change.map(({ id, c }) => ({ id, severity: c.severity, title: c.title, detail: c.detail, evidence: c.evidence, evidence_hash: evidenceHash(c.evidence) }))), now],
    );
    updated = rows.length;
  }
  if (plan.touch.length > 0) {
    await tx.query('UPDATE alerts SET last_seen_at = $2 WHERE id = ANY($1::int8[]) AND last_seen_at < $2', [plan.touch, now]);
  }
  if (plan.resolve.length > 0) {
    const { rows } = await tx.query<{ id: number }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id int8, note text)
       ), upd AS (
         UPDATE alerts a SET status = 'resolved', closed_at = $2, closed_by = NULL, outcome = 'condition_cleared', note = i.note
           FROM input i WHERE a.id = i.id AND a.status IN ('open', 'acknowledged')
         RETURNING a.id, a.org_id, a.rule, i.note
       ), hist AS (
         INSERT INTO alert_history (alert_id, at, action, note) SELECT id, $2, 'auto_resolved', note FROM upd
       )
       INSERT INTO audit_log (at, actor, org_id, action, target, detail)
       SELECT $2, '${ENGINE_ACTOR}', org_id, 'alert.auto_resolve', id::text, jsonb_build_object('rule', rule) FROM upd
       RETURNING id`,
      [JSON.stringify(plan.resolve), now],
    );
    resolved = rows.length;
  }
  if (plan.clear.length > 0) {
    await tx.query(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id int8, note text)
       ), upd AS (
         UPDATE alerts a SET evidence = a.evidence || jsonb_build_object('conditionClearedAt', $2::timestamptz), evidence_hash = NULL
           FROM input i WHERE a.id = i.id AND a.status IN ('resolved', 'dismissed')
         RETURNING a.id, i.note
       )
       INSERT INTO alert_history (alert_id, at, action, note) SELECT id, $2, 'condition_cleared', note FROM upd`,
      [JSON.stringify(plan.clear), now],
    );
  }
  return { raised, updated, resolved };
}

/**
 * Escalates urgent alerts still open (not acknowledged) escalateAfterMinutes (organisation setting
 * settings.clinical.escalateAfterMinutes, default 30) after they were raised: to the care plan's clinical
 * owner, who becomes the assignee. Once per alert. Returns how many were escalated.
 */
export async function escalateAlerts(db: Queryable, options: { now: Date; patientIds?: readonly string[] }): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `WITH due AS (
       SELECT a.id, c.clinical_owner_id AS owner, a.assignee_id AS previous
         FROM alerts a
         JOIN organisations o ON o.id = a.org_id
         JOIN care_plans c ON c.patient_id = a.patient_id
        WHERE a.status = 'open' AND a.severity = 'urgent' AND a.escalated_at IS NULL AND c.clinical_owner_id IS NOT NULL
          ${options.patientIds ? 'AND a.patient_id = ANY($2::uuid[])' : ''}
          AND a.raised_at <= $1::timestamptz - make_interval(mins => COALESCE(
                CASE WHEN jsonb_typeof(o.settings->'clinical'->'escalateAfterMinutes') = 'number'
                     THEN (o.settings->'clinical'->>'escalateAfterMinutes')::int END, 30))
     ), upd AS (
       UPDATE alerts a SET escalated_at = $1, escalated_to = due.owner, assignee_id = due.owner
         FROM due WHERE a.id = due.id AND a.status = 'open' AND a.escalated_at IS NULL
       RETURNING a.id, a.org_id, due.owner, due.previous
     ), hist AS (
       INSERT INTO alert_history (alert_id, at, action, detail)
       SELECT id, $1, 'escalated', jsonb_build_object('to', owner, 'previousAssignee', previous) FROM upd
     )
     INSERT INTO audit_log (at, actor, org_id, action, target, detail)
     SELECT $1, '${ENGINE_ACTOR}', org_id, 'alert.escalate', id::text, jsonb_build_object('to', owner) FROM upd
     RETURNING id`,
    options.patientIds ? [options.now, [...options.patientIds]] : [options.now],
  );
  return rows.length;
}
