/**
 * Cap shipment requests ("ship a cap to the patient"): the clinic had no cap in stock for a patient and asked
 * for one to be sent. Scoped by organisation in every query; the address note is patient identity and is
 * returned only to the patient's clinic.
 */
import type { Queryable } from '../db/database.ts';

export interface CapShipment {
  id: number;
  patientId: string;
  requestedBy: { id: string; name: string };
  requestedAt: Date;
  addressNote: string;
}

interface ShipmentRow {
  id: string | number;
  patient_id: string;
  requested_by: string;
  requested_by_name: string;
  requested_at: Date;
  address_note: string;
}

const toShipment = (r: ShipmentRow): CapShipment => ({
  id: Number(r.id),
  patientId: r.patient_id,
  requestedBy: { id: r.requested_by, name: r.requested_by_name },
  requestedAt: r.requested_at,
  addressNote: r.address_note,
});

const SELECT = `SELECT s.id, s.patient_id, s.requested_by, u.name AS requested_by_name, s.requested_at, s.address_note
   FROM cap_shipments s JOIN users u ON u.id = s.requested_by`;

export async function recordCapShipment(
  q: Queryable,
  input: { orgId: string; patientId: string; userId: string; addressNote: string; at?: Date },
): Promise<CapShipment> {
  const { rows } = await q.query<{ id: string | number }>(
    'INSERT INTO cap_shipments (org_id, patient_id, requested_by, requested_at, address_note) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [input.orgId, input.patientId, input.userId, input.at ?? new Date(), input.addressNote],
  );
  const created = await q.query<ShipmentRow>(`${SELECT} WHERE s.id = $1`, [rows[0]!.id]);
  return toShipment(created.rows[0]!);
}

/** The patient's shipment requests, newest first (none for another organisation's patient). */
export async function listCapShipments(q: Queryable, orgId: string, patientId: string): Promise<CapShipment[]> {
  const { rows } = await q.query<ShipmentRow>(`${SELECT} WHERE s.org_id = $1 AND s.patient_id = $2 ORDER BY s.requested_at DESC, s.id DESC`, [orgId, patientId]);
  return rows.map(toShipment);
}
