-- Care plans and alerts (docs/clinical.md).

-- One care plan per patient: what is monitored, the regimen, who owns the patient clinically, consent and
-- the monitoring goal in the patient's words. patients.regimen stays the cap's source for reminders and is
-- written together with the plan's regimen (one transaction), so the device config never disagrees.
CREATE TABLE care_plans (
  patient_id          uuid PRIMARY KEY REFERENCES patients(id),
  org_id              uuid NOT NULL REFERENCES organisations(id),
  monitors            text NOT NULL DEFAULT 'both' CHECK (monitors IN ('adherence', 'symptoms', 'both')),
  doses_per_day       integer NOT NULL DEFAULT 1 CHECK (doses_per_day BETWEEN 0 AND 8),
  dose_minutes        integer[] NOT NULL DEFAULT '{480}',      -- patient-local minutes after midnight, one per dose
  tolerance_min       integer NOT NULL DEFAULT 60 CHECK (tolerance_min BETWEEN 5 AND 720),  -- on time = within this of a dose time
  category            text NOT NULL CHECK (category IN ('respiratory', 'musculoskeletal', 'cbt')),  -- RTM category
  clinical_owner_id   uuid REFERENCES users(id),               -- a clinician of the organisation
  coordinator_id      uuid REFERENCES users(id),               -- a coordinator (or clinician) of the organisation
  consent_at          timestamptz,                             -- consent recorded before monitoring starts
  consent_by          text,                                    -- who gave consent (the patient or their representative)
  consent_method      text CHECK (consent_method IS NULL OR consent_method IN ('verbal', 'written', 'electronic')),
  consent_recorded_by uuid REFERENCES users(id),
  goal                text,                                    -- "why monitored", in the patient's words
  rules               jsonb NOT NULL DEFAULT '{}'::jsonb,      -- per-plan overrides of the organisation's alert rules
  updated_by          uuid REFERENCES users(id),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((consent_at IS NULL) = (consent_by IS NULL))
);
CREATE INDEX care_plans_org_coordinator ON care_plans (org_id, coordinator_id);
CREATE INDEX care_plans_org_owner ON care_plans (org_id, clinical_owner_id);

-- Alerts: one row per episode of a condition. At most one live (open or acknowledged) alert per patient, rule
-- and episode key; the rule engine finds the live one and updates its evidence instead of raising again.
CREATE TABLE alerts (
  id               bigserial PRIMARY KEY,
  org_id           uuid NOT NULL REFERENCES organisations(id),
  patient_id       uuid NOT NULL REFERENCES patients(id),
  rule             text NOT NULL,                  -- needs_help, missed_doses, adherence_drop, symptom_trend, no_openings, cap_silent, battery_low, period_at_risk
  episode_key      text NOT NULL DEFAULT '',       -- distinguishes concurrent episodes of one rule (e.g. a period index)
  severity         text NOT NULL CHECK (severity IN ('urgent', 'high', 'normal')),
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved', 'dismissed')),
  title            text NOT NULL,
  detail           text NOT NULL DEFAULT '',
  evidence         jsonb NOT NULL DEFAULT '{}'::jsonb,   -- event ids, dates, figures behind the condition
  condition_since  timestamptz NOT NULL,           -- when the condition began (first evidence)
  raised_at        timestamptz NOT NULL,
  last_seen_at     timestamptz NOT NULL,           -- last evaluation that still found the condition
  assignee_id      uuid REFERENCES users(id),
  acknowledged_by  uuid REFERENCES users(id),
  acknowledged_at  timestamptz,
  closed_by        uuid REFERENCES users(id),      -- NULL when the engine closed it (condition gone)
  closed_at        timestamptz,
  outcome          text,                           -- resolved: what was done (contacted, therapy_changed, ...)
  note             text,                           -- resolved: staff note, or the engine's note when automatic
  dismiss_reason   text,
  escalated_at     timestamptz,
  escalated_to     uuid REFERENCES users(id),
  CHECK ((status IN ('resolved', 'dismissed')) = (closed_at IS NOT NULL))
);
CREATE UNIQUE INDEX alerts_live ON alerts (patient_id, rule, episode_key) WHERE status IN ('open', 'acknowledged');
CREATE INDEX alerts_org_status ON alerts (org_id, status, severity, raised_at);
CREATE INDEX alerts_patient ON alerts (patient_id, raised_at);

-- Every change to an alert: raised, evidence updated, acknowledged, assigned, escalated, resolved, dismissed.
CREATE TABLE alert_history (
  id          bigserial PRIMARY KEY,
  alert_id    bigint NOT NULL REFERENCES alerts(id),
  at          timestamptz NOT NULL,
  action      text NOT NULL,
  user_id     uuid REFERENCES users(id),          -- NULL = the rule engine
  note        text,
  detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX alert_history_alert ON alert_history (alert_id, at);

-- Patients whose alerts must be evaluated again soon (written by the ingestor inside its transaction, read and
-- cleared by the evaluator), so an ingest never waits for rule evaluation and nothing is forgotten on a crash.
CREATE TABLE alert_evaluation_queue (
  patient_id  uuid PRIMARY KEY REFERENCES patients(id),
  queued_at   timestamptz NOT NULL DEFAULT now()
);
