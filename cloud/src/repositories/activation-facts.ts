/**
 * What a patient's activation rests on (enrolment/activation-status.ts derives the status): the care plan and
 * its consent, the cap held now, the latest "ship a cap" request, and the first data from the patient's caps
 * (an event attributed to the patient, or a heartbeat from a cap while the patient held it).
 */
import type { Queryable } from '../db/database.ts';

export interface ActivationFacts {
  patientId: string;
  reference: string;
  name: string;
  timeZone: string;
  enrolledAt: Date;
  hasCarePlan: boolean;
  consent: { at: Date; by: string; method: string | null } | null;
  cap: { serial: string; assignedAt: Date } | null;
  latestShipment: { id: number; requestedAt: Date; requestedBy: string } | null;
  /** earliest event (its resolved time, else when it arrived) or heartbeat of the patient */
  firstDataAt: Date | null;
}

interface FactsRow {
  id: string;
  reference: string;
  name: string;
  time_zone: string;
  created_at: Date;
  has_plan: boolean;
  consent_at: Date | null;
  consent_by: string | null;
  consent_method: string | null;
  serial: string | null;
  assigned_at: Date | null;
  shipment_id: string | number | null;
  shipment_at: Date | null;
  shipment_by: string | null;
  first_event_at: Date | null;
  first_heartbeat_at: Date | null;
}

// Each LATERAL is one LIMIT 1 index read (events_patient_time, heartbeats_device_time, cap_shipments_patient).
const FACTS = `
  SELECT p.id, p.reference, p.name, p.time_zone, p.created_at,
         c.patient_id IS NOT NULL AS has_plan, c.consent_at, c.consent_by, c.consent_method,
         cur.serial, cur.assigned_at,
         ship.id AS shipment_id, ship.requested_at AS shipment_at, ship.requested_by_name AS shipment_by,
         fe.first_at AS first_event_at, fh.first_at AS first_heartbeat_at
    FROM patients p
    LEFT JOIN care_plans c ON c.patient_id = p.id
    LEFT JOIN LATERAL (
      SELECT d.serial, a.assigned_at FROM device_assignments a JOIN devices d ON d.id = a.device_id
       WHERE a.patient_id = p.id AND a.unassigned_at IS NULL ORDER BY a.assigned_at DESC LIMIT 1) cur ON true
    LEFT JOIN LATERAL (
      SELECT s.id, s.requested_at, u.name AS requested_by_name FROM cap_shipments s JOIN users u ON u.id = s.requested_by
       WHERE s.patient_id = p.id ORDER BY s.requested_at DESC, s.id DESC LIMIT 1) ship ON true
    LEFT JOIN LATERAL (
      SELECT COALESCE(e.occurred_at, e.received_at) AS first_at FROM events e
       WHERE e.patient_id = p.id ORDER BY e.occurred_at ASC NULLS LAST LIMIT 1) fe ON true
    LEFT JOIN LATERAL (
      SELECT COALESCE(h.sampled_at, h.received_at) AS first_at FROM device_assignments a
        JOIN heartbeats h ON h.device_id = a.device_id AND h.received_at >= a.assigned_at AND (a.unassigned_at IS NULL OR h.received_at < a.unassigned_at)
       WHERE a.patient_id = p.id ORDER BY h.received_at LIMIT 1) fh ON true`;

const earliest = (a: Date | null, b: Date | null): Date | null => (a && b ? (a < b ? a : b) : (a ?? b));

const toFacts = (r: FactsRow): ActivationFacts => ({
  patientId: r.id,
  reference: r.reference,
  name: r.name,
  timeZone: r.time_zone,
  enrolledAt: r.created_at,
  hasCarePlan: r.has_plan,
  consent: r.consent_at ? { at: r.consent_at, by: r.consent_by ?? '', method: r.consent_method } : null,
  cap: r.serial && r.assigned_at ? { serial: r.serial, assignedAt: r.assigned_at } : null,
  latestShipment: r.shipment_id !== null && r.shipment_at ? { id: Number(r.shipment_id), requestedAt: r.shipment_at, requestedBy: r.shipment_by ?? '' } : null,
  firstDataAt: earliest(r.first_event_at, r.first_heartbeat_at),
});

export async function activationFactsFor(q: Queryable, orgId: string, patientId: string): Promise<ActivationFacts | undefined> {
  const { rows } = await q.query<FactsRow>(`${FACTS} WHERE p.org_id = $1 AND p.id = $2`, [orgId, patientId]);
  return rows[0] && toFacts(rows[0]);
}

/**
 * The organisation's patients not yet active (no care plan, no consent, or no data yet), most recently
 * enrolled first.
 */
export async function listNotYetActive(q: Queryable, orgId: string, limit: number): Promise<ActivationFacts[]> {
  const { rows } = await q.query<FactsRow>(
    `SELECT * FROM (${FACTS} WHERE p.org_id = $1) f
      WHERE NOT f.has_plan OR f.consent_at IS NULL OR (f.first_event_at IS NULL AND f.first_heartbeat_at IS NULL)
      ORDER BY f.created_at DESC, f.reference LIMIT $2`,
    [orgId, limit],
  );
  return rows.map(toFacts);
}
