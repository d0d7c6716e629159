/**
 * Every SQL statement the billing engine runs. All batched by patient set (`= ANY($1::uuid[])`, or a jsonb
 * list of windows) so a recompute of thousands of patients costs a handful of round trips, and all
 * parameterised. Loaders return engine inputs; savers take engine outputs.
 */
import { createHash } from 'node:crypto';
import { arrayLiteral } from '../db/array-literal.ts';
import type { Queryable } from '../db/database.ts';
import type { PeriodSnapshot } from './amendment.ts';
import { policyFromSettings, type BillingPolicy } from './billing-policy.ts';
import type { InteractiveCommunication, MonthlyDocumentation } from './documentation-checklist.ts';
import { toLocalDate, type LocalDate } from './local-date.ts';
import type { MonitoredDay } from './monitored-days.ts';
import type { Assignment, DayFacts, ExportedPeriod, ManagementTimeEntry, PatientEpisode, PeriodRecord, PeriodResult } from './patient-billing.ts';
import type { BodySystem } from './supply-code.ts';

export interface PatientContext {
  patient: PatientEpisode;
  orgId: string;
  reference: string;
  name: string;
  policy: BillingPolicy;
  settings: unknown;
}

const nums = (a: unknown): number[] => (Array.isArray(a) ? a.map((x) => Number(x)) : []);
const strs = (a: unknown): string[] => (Array.isArray(a) ? a.map((x) => String(x)) : []);

export async function loadPatientContexts(q: Queryable, patientIds: readonly string[]): Promise<Map<string, PatientContext>> {
  const { rows } = await q.query<{
    id: string;
    org_id: string;
    reference: string;
    name: string;
    time_zone: string;
    body_system: BodySystem;
    monitoring_start: string | Date;
    period_anchor: string | Date;
    episode: number;
    billing_practitioner: string;
    rpm_active: boolean;
    diagnosis: string | null;
    settings: unknown;
  }>(
    `SELECT p.id, p.org_id, p.reference, p.name, p.time_zone, p.body_system, p.monitoring_start, p.period_anchor, p.episode,
            p.billing_practitioner, p.rpm_active, p.diagnosis, o.settings
       FROM patients p JOIN organisations o ON o.id = p.org_id
      WHERE p.id = ANY($1::uuid[])`,
    [patientIds],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        orgId: r.org_id,
        reference: r.reference,
        name: r.name,
        settings: r.settings,
        policy: policyFromSettings(r.settings),
        patient: {
          id: r.id,
          timeZone: r.time_zone,
          bodySystem: r.body_system,
          monitoringStart: toLocalDate(r.monitoring_start),
          periodAnchor: toLocalDate(r.period_anchor),
          episode: r.episode,
          billingPractitioner: r.billing_practitioner,
          rpmActive: r.rpm_active,
          diagnosis: r.diagnosis,
        },
      },
    ]),
  );
}

export async function listOrganisationPatientIds(q: Queryable, orgId: string): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM patients WHERE org_id = $1 ORDER BY reference', [orgId]);
  return rows.map((r) => r.id);
}

/** A UTC window per patient; null bounds = unbounded (full recompute). */
export interface PatientWindow {
  patientId: string;
  start: Date | null;
  end: Date | null;
}

export interface EventRow {
  patientId: string;
  eventId: number;
  occurredAt: Date;
  kind: number;
  source: string;
  timeQuality: string;
  serial: string;
}

const windowsJson = (windows: readonly PatientWindow[]): string =>
  JSON.stringify(windows.map((w) => ({ patient_id: w.patientId, s: w.start?.toISOString() ?? null, e: w.end?.toISOString() ?? null })));

async function serialsOf(q: Queryable, deviceIds: ReadonlySet<string>): Promise<Map<string, string>> {
  if (deviceIds.size === 0) return new Map();
  const { rows } = await q.query<{ id: string; serial: string }>('SELECT id, serial FROM devices WHERE id = ANY($1::uuid[])', [[...deviceIds]]);
  return new Map(rows.map((r) => [r.id, r.serial]));
}

/**
 * Events with a resolved time attributed to the patients, inside each patient's window. Shipped as one JSON
 * document per patient (epoch milliseconds), which is several times cheaper than a row per event.
 */
export async function loadEventsInWindows(q: Queryable, windows: readonly PatientWindow[]): Promise<EventRow[]> {
  if (windows.length === 0) return [];
  const { rows } = await q.query<{ patient_id: string; events: string }>(
    `SELECT e.patient_id,
            json_agg(json_build_array(e.id, (extract(epoch FROM e.occurred_at) * 1000)::bigint, e.kind, e.source, e.time_quality, e.device_id))::text AS events
       FROM jsonb_to_recordset($1::jsonb) AS w(patient_id uuid, s timestamptz, e timestamptz)
       JOIN events e ON e.patient_id = w.patient_id
                    AND e.occurred_at IS NOT NULL
                    AND (w.s IS NULL OR e.occurred_at >= w.s)
                    AND (w.e IS NULL OR e.occurred_at < w.e)
      GROUP BY e.patient_id`,
    [windowsJson(windows)],
  );
  const parsed = rows.map((r) => ({ patientId: r.patient_id, events: JSON.parse(r.events) as [number, number, number, string, string, string][] }));
  const devices = new Set<string>();
  for (const p of parsed) for (const e of p.events) devices.add(e[5]);
  const serials = await serialsOf(q, devices);
  const out: EventRow[] = [];
  for (const p of parsed) {
    for (const e of p.events) {
      out.push({ patientId: p.patientId, eventId: e[0], occurredAt: new Date(e[1]), kind: e[2], source: e[3], timeQuality: e[4], serial: serials.get(e[5]) ?? '' });
    }
  }
  return out;
}

/** Heartbeats from caps while assigned to the patient, inside each patient's window. */
export async function loadHeartbeatsInWindows(q: Queryable, windows: readonly PatientWindow[]): Promise<{ patientId: string; sampledAt: Date; serial: string }[]> {
  if (windows.length === 0) return [];
  const { rows } = await q.query<{ patient_id: string; heartbeats: string }>(
    `SELECT x.patient_id, json_agg(json_build_array(x.ms, x.device_id))::text AS heartbeats
       FROM (SELECT DISTINCT ON (h.id) w.patient_id, (extract(epoch FROM h.sampled_at) * 1000)::bigint AS ms, h.device_id
               FROM jsonb_to_recordset($1::jsonb) AS w(patient_id uuid, s timestamptz, e timestamptz)
               JOIN device_assignments a ON a.patient_id = w.patient_id
               JOIN heartbeats h ON h.device_id = a.device_id
                                AND h.sampled_at IS NOT NULL
                                AND h.sampled_at >= a.assigned_at
                                AND (a.unassigned_at IS NULL OR h.sampled_at < a.unassigned_at)
                                AND (w.s IS NULL OR h.sampled_at >= w.s)
                                AND (w.e IS NULL OR h.sampled_at < w.e)
              ORDER BY h.id) x
      GROUP BY x.patient_id`,
    [windowsJson(windows)],
  );
  const parsed = rows.map((r) => ({ patientId: r.patient_id, hbs: JSON.parse(r.heartbeats) as [number, string][] }));
  const devices = new Set<string>();
  for (const p of parsed) for (const h of p.hbs) devices.add(h[1]);
  const serials = await serialsOf(q, devices);
  const out: { patientId: string; sampledAt: Date; serial: string }[] = [];
  for (const p of parsed) for (const h of p.hbs) out.push({ patientId: p.patientId, sampledAt: new Date(h[0]), serial: serials.get(h[1]) ?? '' });
  return out;
}

/**
 * Writes day rows (insert or replace) built by the TypeScript day engine (the ingestor's incremental path).
 * A row whose content is unchanged is not rewritten: the same column comparison as the set-based rebuild.
 */
export async function upsertDaysMany(
  q: Queryable,
  groups: readonly { patientId: string; days: readonly MonitoredDay[] }[],
): Promise<{ written: number }> {
  const rows = groups.flatMap((g) => g.days.map((d) => ({ patientId: g.patientId, d })));
  // Parallel arrays + unnest: one statement per chunk; ragged arrays travel as array literals.
  for (let i = 0; i < rows.length; i += 20_000) {
    const chunk = rows.slice(i, i + 20_000);
    await q.query(
      `INSERT INTO monitored_days (patient_id, local_date, device_active, qualifying, qualifying_event_ids,
                                   qualifying_sources, sources, serials, event_count, heartbeat_count, kind_counts, updated_at)
       SELECT r.patient_id, r.local_date, r.device_active, r.qualifying, r.qualifying_event_ids::bigint[],
              r.qualifying_sources::text[], r.sources::text[], r.serials::text[], r.event_count, r.heartbeat_count, r.kind_counts::jsonb, now()
         FROM unnest($1::uuid[], $2::date[], $3::boolean[], $4::boolean[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::integer[], $10::integer[], $11::text[])
           AS r(patient_id, local_date, device_active, qualifying, qualifying_event_ids, qualifying_sources, sources, serials,
                event_count, heartbeat_count, kind_counts)
       ON CONFLICT (patient_id, local_date) DO UPDATE SET
         device_active = EXCLUDED.device_active, qualifying = EXCLUDED.qualifying,
         qualifying_event_ids = EXCLUDED.qualifying_event_ids, qualifying_sources = EXCLUDED.qualifying_sources,
         sources = EXCLUDED.sources, serials = EXCLUDED.serials, event_count = EXCLUDED.event_count,
         heartbeat_count = EXCLUDED.heartbeat_count, kind_counts = EXCLUDED.kind_counts, updated_at = now()
       -- an unchanged day is not rewritten
       WHERE (monitored_days.device_active, monitored_days.qualifying, monitored_days.qualifying_event_ids,
              monitored_days.qualifying_sources, monitored_days.sources, monitored_days.serials, monitored_days.event_count,
              monitored_days.heartbeat_count, monitored_days.kind_counts)
             IS DISTINCT FROM
             (EXCLUDED.device_active, EXCLUDED.qualifying, EXCLUDED.qualifying_event_ids, EXCLUDED.qualifying_sources,
              EXCLUDED.sources, EXCLUDED.serials, EXCLUDED.event_count, EXCLUDED.heartbeat_count, EXCLUDED.kind_counts)`,
      [
        chunk.map((r) => r.patientId),
        chunk.map((r) => r.d.localDate),
        chunk.map((r) => r.d.deviceActive),
        chunk.map((r) => r.d.qualifying),
        chunk.map((r) => arrayLiteral(r.d.qualifyingEventIds)),
        chunk.map((r) => arrayLiteral(r.d.qualifyingEventSources)),
        chunk.map((r) => arrayLiteral(r.d.sources)),
        chunk.map((r) => arrayLiteral(r.d.serials)),
        chunk.map((r) => r.d.eventCount),
        chunk.map((r) => r.d.heartbeatCount),
        chunk.map((r) => JSON.stringify(r.d.kindCounts)),
      ],
    );
  }
  return { written: rows.length };
}

/** Removes day rows that no longer hold any data (e.g. an event re-attributed to another patient). */
export async function deleteDays(q: Queryable, patientDates: readonly { patientId: string; localDate: LocalDate }[]): Promise<void> {
  if (patientDates.length === 0) return;
  await q.query(
    `DELETE FROM monitored_days m USING jsonb_to_recordset($1::jsonb) AS r(patient_id uuid, local_date date)
      WHERE m.patient_id = r.patient_id AND m.local_date = r.local_date`,
    [JSON.stringify(patientDates.map((p) => ({ patient_id: p.patientId, local_date: p.localDate })))],
  );
}

/**
 * Day facts per patient. `withEvents: false` leaves out each qualifying event's id and source: the stored
 * period record (savePeriods) needs only dates, sources and serials, and the event arrays are most of the bytes.
 *
 * Shipped as one line of text per patient, days separated by `;`, fields by a space:
 * `<date> <flags> <sources> <serials>[ <qualifying event ids> <their sources>]`, lists joined by `,`, an empty
 * list as `-`; flags: `q` or `-` (qualifying), then `a` or `-` (device-active). No field can hold a separator: dates
 * and ids are digits, sources and serials are CHECKed (`^[A-Z0-9-]{4,32}$`, EVENT_SOURCES). On a 10,000-patient
 * recompute this is about twice as fast as a JSON document per patient, on the server and in Node.
 */
export async function loadDays(q: Queryable, patientIds: readonly string[], options: { withEvents?: boolean } = {}): Promise<Map<string, DayFacts[]>> {
  const out = new Map<string, DayFacts[]>(patientIds.map((id) => [id, []]));
  if (patientIds.length === 0) return out;
  const withEvents = options.withEvents ?? true;
  const joined = (column: string) => `COALESCE(NULLIF(array_to_string(${column}, ','), ''), '-')`;
  const { rows } = await q.query<{ patient_id: string; days: string }>(
    `SELECT m.patient_id,
            string_agg(m.local_date::text || ' ' || CASE WHEN m.qualifying THEN 'q' ELSE '-' END || CASE WHEN m.device_active THEN 'a' ELSE '-' END
                       || ' ' || ${joined('m.sources')} || ' ' || ${joined('m.serials')}
                       ${withEvents ? `|| ' ' || ${joined('m.qualifying_event_ids')} || ' ' || ${joined('m.qualifying_sources')}` : ''}, ';') AS days
       FROM (SELECT * FROM monitored_days WHERE patient_id = ANY($1::uuid[]) ORDER BY patient_id, local_date) m
      GROUP BY m.patient_id`,
    [patientIds],
  );
  // Most days repeat the same few source and serial lists: one frozen array per distinct list, shared by the
  // days (a recompute of 10,000 patients reads 0.9 M days; the engine only reads these lists).
  const lists = new Map<string, string[]>();
  const list = (field: string): string[] => {
    let l = lists.get(field);
    if (!l) lists.set(field, (l = Object.freeze(field === '-' ? [] : field.split(',')) as string[]));
    return l;
  };
  const none = Object.freeze([]) as never[];
  for (const r of rows) {
    const days = out.get(r.patient_id);
    if (!days) continue;
    for (const day of r.days.split(';')) {
      const f = day.split(' ');
      days.push({
        localDate: f[0]!,
        qualifying: f[1]![0] === 'q',
        deviceActive: f[1]![1] === 'a',
        sources: list(f[2]!),
        serials: list(f[3]!),
        qualifyingEventIds: f.length > 4 && f[4] !== '-' ? f[4]!.split(',').map(Number) : none,
        qualifyingEventSources: f.length > 4 ? list(f[5]!) : none,
      });
    }
  }
  return out;
}

function groupBy<T>(patientIds: readonly string[], rows: readonly { pid: string; item: T }[]): Map<string, T[]> {
  const out = new Map<string, T[]>(patientIds.map((id) => [id, []]));
  for (const r of rows) out.get(r.pid)?.push(r.item);
  return out;
}

export async function loadAssignments(q: Queryable, patientIds: readonly string[]): Promise<Map<string, Assignment[]>> {
  const { rows } = await q.query<{ patient_id: string; serial: string; assigned_at: Date; unassigned_at: Date | null }>(
    `SELECT a.patient_id, d.serial, a.assigned_at, a.unassigned_at
       FROM device_assignments a JOIN devices d ON d.id = a.device_id
      WHERE a.patient_id = ANY($1::uuid[]) ORDER BY a.assigned_at`,
    [patientIds],
  );
  return groupBy(
    patientIds,
    rows.map((r) => ({ pid: r.patient_id, item: { serial: r.serial, assignedAt: r.assigned_at, unassignedAt: r.unassigned_at } })),
  );
}

export async function loadTimeEntries(q: Queryable, patientIds: readonly string[]): Promise<Map<string, ManagementTimeEntry[]>> {
  // soft-deleted entries (deleted_at) stay for the audit trail and never count
  const { rows } = await q.query<{ id: number; patient_id: string; minutes: number; performed_at: Date; staff: string; activity: string; category: string }>(
    `SELECT id, patient_id, minutes, performed_at, staff, activity, category FROM management_time
      WHERE patient_id = ANY($1::uuid[]) AND deleted_at IS NULL ORDER BY performed_at, id`,
    [patientIds],
  );
  return groupBy(
    patientIds,
    rows.map((r) => ({ pid: r.patient_id, item: { id: Number(r.id), minutes: r.minutes, performedAt: r.performed_at, staff: r.staff, activity: r.activity, category: r.category } })),
  );
}

export async function loadCommunications(q: Queryable, patientIds: readonly string[]): Promise<Map<string, InteractiveCommunication[]>> {
  const { rows } = await q.query<{ id: number; patient_id: string; at: Date; minutes: number; modality: 'phone' | 'video'; staff: string; note: string | null }>(
    `SELECT id, patient_id, at, minutes, modality, staff, note FROM interactive_communications
      WHERE patient_id = ANY($1::uuid[]) ORDER BY at, id`,
    [patientIds],
  );
  return groupBy(
    patientIds,
    rows.map((r) => ({ pid: r.patient_id, item: { id: Number(r.id), at: r.at, minutes: r.minutes, modality: r.modality, staff: r.staff, note: r.note } })),
  );
}

export async function loadDocumentation(q: Queryable, patientIds: readonly string[]): Promise<Map<string, MonthlyDocumentation[]>> {
  const { rows } = await q.query<{
    patient_id: string;
    month: string;
    why_monitored: string | null;
    what_collected: string | null;
    what_reviewed: string | null;
    communication: string | null;
    what_changed: string | null;
  }>(
    `SELECT patient_id, month, why_monitored, what_collected, what_reviewed, communication, what_changed
       FROM monthly_documentation WHERE patient_id = ANY($1::uuid[]) ORDER BY month`,
    [patientIds],
  );
  return groupBy(
    patientIds,
    rows.map((r) => ({
      pid: r.patient_id,
      item: { month: r.month, whyMonitored: r.why_monitored, whatCollected: r.what_collected, whatReviewed: r.what_reviewed, communication: r.communication, whatChanged: r.what_changed },
    })),
  );
}

/** Exported snapshots of the patients' current episodes. */
export async function loadExportedPeriods(q: Queryable, contexts: ReadonlyMap<string, PatientContext>): Promise<Map<string, ExportedPeriod[]>> {
  const ids = [...contexts.keys()];
  const { rows } = await q.query<{ patient_id: string; episode: number; period_index: number; export_id: number | null; export_snapshot: PeriodSnapshot }>(
    `SELECT patient_id, episode, period_index, export_id, export_snapshot FROM billing_periods
      WHERE patient_id = ANY($1::uuid[]) AND export_snapshot IS NOT NULL`,
    [ids],
  );
  return groupBy(
    ids,
    rows
      .filter((r) => contexts.get(r.patient_id)?.patient.episode === r.episode)
      .map((r) => ({ pid: r.patient_id, item: { index: r.period_index, exportId: r.export_id === null ? null : Number(r.export_id), snapshot: r.export_snapshot } })),
  );
}

/**
 * Stores the engine's periods: the record a claim rests on (status, counts, codes, qualifying dates, serials,
 * amendment). The full evidence is derived on read from monitored_days (migration 006); export snapshots are
 * never touched here. Rows whose content is unchanged (same digest) are not sent.
 */
export async function savePeriods(q: Queryable, groups: readonly { patientId: string; periods: readonly PeriodRecord[] }[]): Promise<{ written: number }> {
  let rows = groups.flatMap((g) =>
    g.periods.map((p) => {
      const amendment = p.amendment ? JSON.stringify(p.amendment) : 'null';
      const content = JSON.stringify([
        p.episode, p.index, p.startDate, p.endDate, p.status, p.monitoredDays, p.deviceActiveDays, p.supplyCode, p.setupCode,
        p.snapshot.qualifyingDates, p.snapshot.serials,
      ]);
      const hash = createHash('sha1').update(content).update(amendment).digest('base64');
      return { patientId: g.patientId, p, amendment, hash };
    }),
  );
  if (rows.length === 0) return { written: 0 };
  const { rows: stored } = await q.query<{ patient_id: string; episode: number; period_index: number; content_hash: string }>(
    'SELECT patient_id, episode, period_index, content_hash FROM billing_periods WHERE patient_id = ANY($1::uuid[])',
    [groups.map((g) => g.patientId)],
  );
  const known = new Set(stored.map((r) => `${r.patient_id}|${r.episode}|${r.period_index}|${r.content_hash}`));
  rows = rows.filter((r) => !known.has(`${r.patientId}|${r.p.episode}|${r.p.index}|${r.hash}`));
  for (let i = 0; i < rows.length; i += 5_000) {
    const chunk = rows.slice(i, i + 5_000);
    const doc = `[${chunk
      .map(
        (r) =>
          `{"patient_id":${JSON.stringify(r.patientId)},"episode":${r.p.episode},"period_index":${r.p.index},"start_date":${JSON.stringify(r.p.startDate)},` +
          `"end_date":${JSON.stringify(r.p.endDate)},"status":${JSON.stringify(r.p.status)},"monitored_days":${r.p.monitoredDays},` +
          `"device_active_days":${r.p.deviceActiveDays},"supply_code":${JSON.stringify(r.p.supplyCode)},"setup_code":${JSON.stringify(r.p.setupCode)},` +
          `"qualifying_dates":${JSON.stringify(r.p.snapshot.qualifyingDates)},"serials":${JSON.stringify(r.p.snapshot.serials)},` +
          `"amended_diff":${r.amendment},"content_hash":${JSON.stringify(r.hash)}}`,
      )
      .join(',')}]`;
    await q.query(
      `INSERT INTO billing_periods (patient_id, episode, period_index, start_date, end_date, status, monitored_days,
                                    device_active_days, supply_code, setup_code, qualifying_dates, serials, amended_diff, amended_at,
                                    content_hash, computed_at)
       SELECT r.patient_id, r.episode, r.period_index, r.start_date, r.end_date,
              -- CHECK constraints apply to the proposed row before ON CONFLICT: only a row holding a snapshot
              -- may be exported/amended, and that is decided in the UPDATE branch
              CASE WHEN r.status IN ('exported', 'amended') THEN 'closed' ELSE r.status END, r.monitored_days, r.device_active_days,
              r.supply_code, r.setup_code, r.qualifying_dates, r.serials, NULLIF(r.amended_diff, 'null'::jsonb),
              CASE WHEN NULLIF(r.amended_diff, 'null'::jsonb) IS NULL THEN NULL ELSE now() END, r.content_hash, now()
         FROM jsonb_to_recordset($1::jsonb)
           AS r(patient_id uuid, episode integer, period_index integer, start_date date, end_date date, status text, monitored_days integer,
                device_active_days integer, supply_code text, setup_code text, qualifying_dates date[], serials text[], amended_diff jsonb,
                content_hash text)
       ON CONFLICT (patient_id, episode, period_index) DO UPDATE SET
         start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date, monitored_days = EXCLUDED.monitored_days,
         device_active_days = EXCLUDED.device_active_days, supply_code = EXCLUDED.supply_code, setup_code = EXCLUDED.setup_code,
         qualifying_dates = EXCLUDED.qualifying_dates, serials = EXCLUDED.serials, content_hash = EXCLUDED.content_hash, computed_at = now(),
         status = CASE WHEN billing_periods.export_snapshot IS NULL THEN EXCLUDED.status
                       WHEN EXCLUDED.amended_diff IS NULL THEN 'exported' ELSE 'amended' END,
         amended_diff = CASE WHEN billing_periods.export_snapshot IS NULL THEN NULL ELSE EXCLUDED.amended_diff END,
         amended_at = CASE WHEN billing_periods.export_snapshot IS NULL OR EXCLUDED.amended_diff IS NULL THEN NULL
                           WHEN billing_periods.amended_diff IS DISTINCT FROM EXCLUDED.amended_diff THEN now()
                           ELSE billing_periods.amended_at END`,
      [doc],
    );
  }
  return { written: rows.length };
}

/** Records that these periods were exported with these snapshots (status exported, diff cleared). */
export async function markPeriodsExported(
  q: Queryable,
  exportId: number,
  periods: readonly { patientId: string; period: PeriodResult }[],
): Promise<void> {
  if (periods.length === 0) return;
  await savePeriods(
    q,
    // saved as closed first: the row only becomes 'exported' together with its snapshot (table CHECK)
    periods.map((p) => ({ patientId: p.patientId, periods: [{ ...p.period, status: 'closed' as const, amendment: null }] })),
  );
  await q.query(
    `UPDATE billing_periods b SET export_id = $1, export_snapshot = r.snapshot, exported_at = now(), status = 'exported',
            amended_diff = NULL, amended_at = NULL
       FROM jsonb_to_recordset($2::jsonb) AS r(patient_id uuid, episode integer, period_index integer, snapshot jsonb)
      WHERE b.patient_id = r.patient_id AND b.episode = r.episode AND b.period_index = r.period_index`,
    [exportId, JSON.stringify(periods.map((p) => ({ patient_id: p.patientId, episode: p.period.episode, period_index: p.period.index, snapshot: p.period.snapshot })))],
  );
}

export interface ExportRecord {
  id: number;
  orgId: string;
  month: string;
  createdBy: string;
  createdAt: Date;
  setupThresholdDays: number;
  policy: unknown;
  snapshot: unknown;
  csv: string;
}

export async function insertExport(
  q: Queryable,
  e: { orgId: string; month: string; createdBy: string; policy: unknown; setupThresholdDays: number; snapshot: unknown; csv: string },
): Promise<ExportRecord> {
  const { rows } = await q.query<{ id: number; created_at: Date }>(
    `INSERT INTO billing_exports (org_id, month, format, created_by, policy, setup_threshold_days, snapshot, csv)
     VALUES ($1, $2, 'json+csv', $3, $4::jsonb, $5, $6::jsonb, $7) RETURNING id, created_at`,
    [e.orgId, e.month, e.createdBy, JSON.stringify(e.policy), e.setupThresholdDays, JSON.stringify(e.snapshot), e.csv],
  );
  return { id: Number(rows[0]!.id), createdAt: rows[0]!.created_at, orgId: e.orgId, month: e.month, createdBy: e.createdBy, setupThresholdDays: e.setupThresholdDays, policy: e.policy, snapshot: e.snapshot, csv: e.csv };
}

export async function latestExport(q: Queryable, orgId: string, month: string): Promise<ExportRecord | undefined> {
  const { rows } = await q.query<{ id: number; org_id: string; month: string; created_by: string; created_at: Date; setup_threshold_days: number; policy: unknown; snapshot: unknown; csv: string }>(
    `SELECT id, org_id, month, created_by, created_at, setup_threshold_days, policy, snapshot, csv FROM billing_exports
      WHERE org_id = $1 AND month = $2 ORDER BY id DESC LIMIT 1`,
    [orgId, month],
  );
  const r = rows[0];
  return r && { id: Number(r.id), orgId: r.org_id, month: r.month, createdBy: r.created_by, createdAt: r.created_at, setupThresholdDays: r.setup_threshold_days, policy: r.policy, snapshot: r.snapshot, csv: r.csv };
}

export async function listExports(q: Queryable, orgId: string): Promise<Omit<ExportRecord, 'snapshot' | 'csv' | 'policy'>[]> {
  const { rows } = await q.query<{ id: number; org_id: string; month: string; created_by: string; created_at: Date; setup_threshold_days: number }>(
    'SELECT id, org_id, month, created_by, created_at, setup_threshold_days FROM billing_exports WHERE org_id = $1 ORDER BY id DESC',
    [orgId],
  );
  return rows.map((r) => ({ id: Number(r.id), orgId: r.org_id, month: r.month, createdBy: r.created_by, createdAt: r.created_at, setupThresholdDays: r.setup_threshold_days }));
}

/** Patients among `patientIds` that have an exported period overlapping [from, to]. */
export async function patientsWithExportsOverlapping(q: Queryable, ranges: readonly { patientId: string; from: LocalDate; to: LocalDate }[]): Promise<string[]> {
  if (ranges.length === 0) return [];
  const { rows } = await q.query<{ patient_id: string }>(
    `SELECT DISTINCT b.patient_id FROM billing_periods b
       JOIN jsonb_to_recordset($1::jsonb) AS r(patient_id uuid, f date, t date)
         ON b.patient_id = r.patient_id AND b.start_date <= r.t AND b.end_date >= r.f
      WHERE b.export_snapshot IS NOT NULL`,
    [JSON.stringify(ranges.map((r) => ({ patient_id: r.patientId, f: r.from, t: r.to })))],
  );
  return rows.map((r) => r.patient_id);
}

export async function loadOrganisationPolicy(q: Queryable, orgId: string): Promise<{ policy: BillingPolicy; settings: unknown } | undefined> {
  const { rows } = await q.query<{ settings: unknown }>('SELECT settings FROM organisations WHERE id = $1', [orgId]);
  return rows[0] && { policy: policyFromSettings(rows[0].settings), settings: rows[0].settings };
}

export async function patientsWithExports(q: Queryable, patientIds: readonly string[]): Promise<string[]> {
  if (patientIds.length === 0) return [];
  const { rows } = await q.query<{ patient_id: string }>(
    'SELECT DISTINCT patient_id FROM billing_periods WHERE patient_id = ANY($1::uuid[]) AND export_snapshot IS NOT NULL',
    [patientIds],
  );
  return rows.map((r) => r.patient_id);
}
