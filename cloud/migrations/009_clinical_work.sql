-- The month's clinical work (docs/clinical.md): time with timers, therapy changes, data reviews, and the
-- stored work queue.

-- Time entries: who (users.id), start and stop (a timer) or a manual entry with a reason, an activity
-- category. Device logistics is recorded but never counts toward 98979-98981.
ALTER TABLE management_time ADD COLUMN IF NOT EXISTS user_id uuid REFERENCES users(id);
ALTER TABLE management_time ADD COLUMN IF NOT EXISTS started_at timestamptz;
ALTER TABLE management_time ADD COLUMN IF NOT EXISTS ended_at timestamptz;
ALTER TABLE management_time ADD COLUMN IF NOT EXISTS entry_kind text NOT NULL DEFAULT 'manual' CHECK (entry_kind IN ('timer', 'manual'));
ALTER TABLE management_time ADD COLUMN IF NOT EXISTS manual_reason text;
ALTER TABLE management_time ADD COLUMN IF NOT EXISTS category text NOT NULL DEFAULT 'treatment_management'
  CHECK (category IN ('data_review', 'treatment_management', 'patient_communication', 'care_coordination', 'documentation', 'device_logistics'));
ALTER TABLE management_time ADD COLUMN IF NOT EXISTS deleted_at timestamptz;
CREATE INDEX IF NOT EXISTS management_time_user ON management_time (user_id, started_at) WHERE user_id IS NOT NULL;

-- One running timer per user (PRIMARY KEY), surviving a page reload because it lives here.
CREATE TABLE running_timers (
  user_id     uuid PRIMARY KEY REFERENCES users(id),
  org_id      uuid NOT NULL REFERENCES organisations(id),
  patient_id  uuid NOT NULL REFERENCES patients(id),
  category    text NOT NULL,
  activity    text NOT NULL,
  started_at  timestamptz NOT NULL
);

ALTER TABLE interactive_communications ADD COLUMN IF NOT EXISTS user_id uuid REFERENCES users(id);
ALTER TABLE monthly_documentation ADD COLUMN IF NOT EXISTS updated_by_user uuid REFERENCES users(id);

-- Therapy changes: what changed, why, and the data that prompted it; they feed "what changed" in the month's
-- documentation.
CREATE TABLE therapy_changes (
  id          bigserial PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES organisations(id),
  patient_id  uuid NOT NULL REFERENCES patients(id),
  user_id     uuid NOT NULL REFERENCES users(id),
  changed_at  timestamptz NOT NULL,
  month       text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),  -- patient-local
  what        text NOT NULL CHECK (length(what) > 0),
  why         text NOT NULL CHECK (length(why) > 0),
  alert_id    bigint REFERENCES alerts(id),
  evidence    jsonb NOT NULL DEFAULT '{}'::jsonb,  -- event ids, dates the change rests on
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX therapy_changes_patient ON therapy_changes (patient_id, changed_at);

-- Data reviews: a clinician or coordinator reviewed the patient's data for the month.
CREATE TABLE data_reviews (
  id           bigserial PRIMARY KEY,
  org_id       uuid NOT NULL REFERENCES organisations(id),
  patient_id   uuid NOT NULL REFERENCES patients(id),
  user_id      uuid NOT NULL REFERENCES users(id),
  reviewed_at  timestamptz NOT NULL,
  month        text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),  -- patient-local
  note         text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_reviews_patient_month ON data_reviews (patient_id, month);

-- The work queue, stored per patient and patient-local month so /v1/worklist is one indexed read. Refreshed
-- for a patient whenever something it depends on changes (ingest, alerts, time, calls, documentation,
-- reviews, care plan) and by the scheduled sweep; items close themselves because the refresh recomputes them.
CREATE TABLE work_items (
  patient_id      uuid NOT NULL REFERENCES patients(id),
  month           text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  org_id          uuid NOT NULL REFERENCES organisations(id),
  coordinator_id  uuid REFERENCES users(id),
  clinical_owner_id uuid REFERENCES users(id),
  urgency         integer NOT NULL,                -- higher = sooner; the sort key
  open_items      integer NOT NULL,
  items           jsonb NOT NULL,                  -- [{ kind, severity, title, action, due, ... }]
  summary         jsonb NOT NULL,                  -- figures behind the items (minutes, days, alerts)
  computed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (patient_id, month)
);
CREATE INDEX work_items_org_month ON work_items (org_id, month, urgency DESC, patient_id);
CREATE INDEX work_items_org_month_coordinator ON work_items (org_id, month, coordinator_id, urgency DESC);
