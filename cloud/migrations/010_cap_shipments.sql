-- "Ship a cap" (docs/dashboard.md, Enrolment): a clinic that has no cap in stock for a new patient records a
-- shipment request instead of an assignment, with who asked, when, and a note on where it goes. The address
-- note is patient identity: it lives here, never in the audit log's detail.
CREATE TABLE cap_shipments (
  id            bigserial PRIMARY KEY,
  org_id        uuid NOT NULL REFERENCES organisations(id),
  patient_id    uuid NOT NULL REFERENCES patients(id),
  requested_by  uuid NOT NULL REFERENCES users(id),
  requested_at  timestamptz NOT NULL DEFAULT now(),
  address_note  text NOT NULL CHECK (length(address_note) BETWEEN 1 AND 500)
);
CREATE INDEX cap_shipments_patient ON cap_shipments (patient_id, requested_at);
