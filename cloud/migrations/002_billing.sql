-- Billing and adherence: monitored days, 30-day supply periods, management time, interactive communications,
-- monthly documentation and exports. Rules and sources: docs/billing.md. Organisation billing policy lives in
-- organisations.settings -> 'billing' (see cloud/src/billing/billing-policy.ts); NULL/missing = product default.

-- One row per patient-local calendar date with any data. Rebuilt from events and heartbeats (idempotent), so
-- late, duplicate and out-of-order uploads converge on the same row.
CREATE TABLE monitored_days (
  patient_id            uuid NOT NULL REFERENCES patients(id),
  local_date            date NOT NULL,                        -- calendar date in patients.time_zone
  device_active         boolean NOT NULL,                     -- any event or heartbeat that day
  qualifying            boolean NOT NULL,                     -- a monitored day under the org's policy
  event_ids             bigint[] NOT NULL DEFAULT '{}',       -- every event that day
  qualifying_event_ids  bigint[] NOT NULL DEFAULT '{}',       -- the events that made it qualify
  qualifying_sources    text[] NOT NULL DEFAULT '{}',         -- source of each qualifying event (parallel array)
  sources               text[] NOT NULL DEFAULT '{}',         -- distinct sources behind the qualifying events
  serials               text[] NOT NULL DEFAULT '{}',         -- caps that reported that day
  event_count           integer NOT NULL DEFAULT 0,
  heartbeat_count       integer NOT NULL DEFAULT 0,
  kind_counts           jsonb NOT NULL DEFAULT '{}'::jsonb,   -- EventKind => count
  content_hash          text NOT NULL DEFAULT '',             -- digest of the row's content: a rebuild skips unchanged rows
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (patient_id, local_date)
);

-- Every export, immutable: what was sent, by whom, under which policy (incl. the 98975 threshold).
CREATE TABLE billing_exports (
  id                    bigserial PRIMARY KEY,
  org_id                uuid NOT NULL REFERENCES organisations(id),
  month                 text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  format                text NOT NULL DEFAULT 'json+csv' CHECK (format IN ('json', 'csv', 'json+csv')),
  created_by            text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  policy                jsonb NOT NULL,                       -- per-patient policies in force, keyed by org
  setup_threshold_days  integer NOT NULL CHECK (setup_threshold_days IN (2, 16)),
  snapshot              jsonb NOT NULL,                       -- the report rows exactly as exported
  csv                   text NOT NULL
);
CREATE INDEX billing_exports_org_month ON billing_exports (org_id, month, created_at);

-- Consecutive 30-day supply periods from patients.period_anchor, per episode.
CREATE TABLE billing_periods (
  patient_id            uuid NOT NULL REFERENCES patients(id),
  episode               integer NOT NULL,
  period_index          integer NOT NULL CHECK (period_index >= 0),
  start_date            date NOT NULL,
  end_date              date NOT NULL,
  status                text NOT NULL CHECK (status IN ('open', 'closed', 'exported', 'amended')),
  monitored_days        integer NOT NULL CHECK (monitored_days BETWEEN 0 AND 30),
  device_active_days    integer NOT NULL CHECK (device_active_days BETWEEN 0 AND 30),
  supply_code           text CHECK (supply_code IN ('98976', '98977', '98978', '98984', '98985', '98986')),
  setup_code            text CHECK (setup_code = '98975'),
  evidence              jsonb NOT NULL,                       -- current evidence (dates, event ids, serials, checklist)
  export_id             bigint REFERENCES billing_exports(id),
  export_snapshot       jsonb,                                -- what was exported; never changed by recompute
  exported_at           timestamptz,
  amended_diff          jsonb,                                -- difference between export_snapshot and now
  amended_at            timestamptz,
  content_hash          text NOT NULL DEFAULT '',             -- digest of the computed content: recomputes skip unchanged rows
  computed_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (patient_id, episode, period_index),
  CHECK (end_date = start_date + 29),
  CHECK ((status IN ('exported', 'amended')) = (export_snapshot IS NOT NULL))
);
CREATE INDEX billing_periods_end ON billing_periods (end_date);
CREATE INDEX billing_periods_amended ON billing_periods (status) WHERE status = 'amended';

-- Staff time for treatment management (98979/98980/98981), summed per patient-local calendar month.
CREATE TABLE management_time (
  id                    bigserial PRIMARY KEY,
  patient_id            uuid NOT NULL REFERENCES patients(id),
  org_id                uuid NOT NULL REFERENCES organisations(id),
  staff                 text NOT NULL CHECK (length(staff) > 0),
  minutes               integer NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
  activity              text NOT NULL CHECK (length(activity) > 0),
  performed_at          timestamptz NOT NULL,
  month                 text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),  -- patient-local
  created_by            text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX management_time_patient_month ON management_time (patient_id, month);

-- Real-time interactive communications (synchronous phone or video; async messaging does not count).
CREATE TABLE interactive_communications (
  id                    bigserial PRIMARY KEY,
  patient_id            uuid NOT NULL REFERENCES patients(id),
  org_id                uuid NOT NULL REFERENCES organisations(id),
  at                    timestamptz NOT NULL,
  minutes               integer NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
  modality              text NOT NULL CHECK (modality IN ('phone', 'video')),
  staff                 text NOT NULL CHECK (length(staff) > 0),
  note                  text,
  month                 text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),  -- patient-local
  created_by            text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interactive_communications_patient_month ON interactive_communications (patient_id, month);

-- The clinic's answers to the documentation checklist, per patient and calendar month.
CREATE TABLE monthly_documentation (
  patient_id            uuid NOT NULL REFERENCES patients(id),
  month                 text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  why_monitored         text,
  what_collected        text,
  what_reviewed         text,
  communication         text,
  what_changed          text,
  updated_by            text NOT NULL,
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (patient_id, month)
);
