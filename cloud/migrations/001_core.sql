-- Core schema: tenancy, identity, devices, patients, assignments, raw uplinks, events, heartbeats, audit.
-- Billing tables are in 002. Timestamps are timestamptz (UTC); local dates are computed from patients.time_zone.

CREATE TABLE organisations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name          text NOT NULL,
  -- billing policy and thresholds (see docs/billing.md); NULL fields mean the product default
  settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id        uuid NOT NULL REFERENCES organisations(id),
  name          text NOT NULL,
  email         text,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Bearer tokens: only the SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id        uuid NOT NULL REFERENCES organisations(id),
  user_id       uuid REFERENCES users(id),
  role          text NOT NULL CHECK (role IN ('admin', 'clinic', 'support', 'manufacturing')),
  token_hash    bytea NOT NULL UNIQUE,
  label         text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  revoked_at    timestamptz
);

CREATE TABLE devices (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  serial          text NOT NULL UNIQUE CHECK (serial ~ '^[A-Z0-9-]{4,32}$'),
  org_id          uuid REFERENCES organisations(id),          -- clinic that holds the cap; NULL = in stock
  imei            text,
  iccid           text,
  app_firmware    text,
  modem_firmware  text,
  image_hash      text,                                        -- hex
  factory_passed  boolean NOT NULL DEFAULT false,
  factory_report  jsonb,
  registered_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz,
  ack_seq         bigint NOT NULL DEFAULT 0,                  -- highest seq acked to the device
  log_tail_seq    bigint NOT NULL DEFAULT 0,                  -- highest logTailSeq the device has declared
  dropped_total   bigint NOT NULL DEFAULT 0,                  -- device's cumulative dropped-events counter
  config_version  integer NOT NULL DEFAULT 0,                 -- config version the cloud wants
  device_config_version integer,                              -- config version the device reported (Hello)
  boot_count      integer,
  hw_revision     text,                                        -- from Hello
  last_reset_reason integer                                    -- from Hello / heartbeat (Memfault-style code)
);

CREATE TABLE patients (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                uuid NOT NULL REFERENCES organisations(id),
  reference             text NOT NULL,                        -- clinic's own patient reference (MRN)
  name                  text NOT NULL,
  time_zone             text NOT NULL,                        -- IANA zone, validated by the application
  body_system           text NOT NULL CHECK (body_system IN ('respiratory', 'musculoskeletal', 'cbt')),
  monitoring_start      date NOT NULL,                        -- first day of the episode
  period_anchor         date NOT NULL,                        -- start of the first 30-day supply period
  episode               integer NOT NULL DEFAULT 1,
  billing_practitioner  text NOT NULL,
  diagnosis             text,
  rpm_active            boolean NOT NULL DEFAULT false,       -- RPM billed elsewhere: no RTM concurrently
  regimen               jsonb NOT NULL DEFAULT '{"dosesPerDay": 1, "reminderMinutes": [480]}'::jsonb,
  created_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, reference)
);

-- A cap belongs to a patient over [assigned_at, unassigned_at). Events belong to the patient who had the
-- cap when the event happened.
CREATE TABLE device_assignments (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_id      uuid NOT NULL REFERENCES devices(id),
  patient_id     uuid NOT NULL REFERENCES patients(id),
  org_id         uuid NOT NULL REFERENCES organisations(id),
  assigned_at    timestamptz NOT NULL,
  unassigned_at  timestamptz,
  CHECK (unassigned_at IS NULL OR unassigned_at > assigned_at)
);
CREATE INDEX device_assignments_device ON device_assignments (device_id, assigned_at);
CREATE INDEX device_assignments_patient ON device_assignments (patient_id, assigned_at);

-- Every uplink, stored before anything else happens. Nothing a device sends is thrown away.
CREATE TABLE uplinks (
  id            bigserial PRIMARY KEY,
  received_at   timestamptz NOT NULL,
  topic         text NOT NULL,
  topic_serial  text,                                         -- serial parsed from the topic, if any
  payload       bytea NOT NULL,
  status        text NOT NULL DEFAULT 'received'
                CHECK (status IN ('received', 'processed', 'duplicate', 'quarantined')),
  error_code    text,                                         -- e.g. malformed_cbor, unknown_device
  error         text,                                         -- human-readable reason
  kind          smallint,                                     -- MessageKind when decoded
  device_id     uuid REFERENCES devices(id),
  processed_at  timestamptz
);
CREATE INDEX uplinks_device ON uplinks (device_id, received_at);
CREATE INDEX uplinks_status ON uplinks (status) WHERE status <> 'processed';

CREATE TABLE events (
  id            bigserial PRIMARY KEY,
  device_id     uuid NOT NULL REFERENCES devices(id),
  seq           bigint NOT NULL,
  boot          integer NOT NULL,
  uptime_s      bigint NOT NULL,
  kind          smallint NOT NULL,                            -- EventKind
  args          integer[] NOT NULL,
  source        text NOT NULL CHECK (source IN ('device', 'self_report', 'diagnostic')),
  occurred_at   timestamptz,                                  -- resolved wall time (UTC), NULL if unresolved
  time_quality  text NOT NULL CHECK (time_quality IN ('device_clock', 'receive_anchored', 'estimated', 'unresolved')),
  patient_id    uuid REFERENCES patients(id),                 -- from the assignment at occurred_at
  uplink_id     bigint NOT NULL REFERENCES uplinks(id),
  received_at   timestamptz NOT NULL,
  UNIQUE (device_id, seq)
);
CREATE INDEX events_patient_time ON events (patient_id, occurred_at);
CREATE INDEX events_device_boot ON events (device_id, boot, uptime_s);

-- Seq ranges a cap reported lost: missing between two consecutive events of one batch (the cap sends its log
-- in order, so they can never arrive; its log was full). Acks count them as accounted for (docs/protocol.md
-- 5.1) so the cap's log never stalls; support sees them as lost events, never silently.
CREATE TABLE lost_seq_ranges (
  device_id     uuid NOT NULL REFERENCES devices(id),
  from_seq      bigint NOT NULL,
  to_seq        bigint NOT NULL CHECK (to_seq >= from_seq),
  uplink_id     bigint NOT NULL REFERENCES uplinks(id),
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, from_seq)
);

-- What the cloud did to device time: corrections, rejections, estimates. Field support reads these.
CREATE TABLE time_corrections (
  id            bigserial PRIMARY KEY,
  device_id     uuid NOT NULL REFERENCES devices(id),
  uplink_id     bigint REFERENCES uplinks(id),
  boot          integer,
  action        text NOT NULL,                                -- e.g. rejected_future, rejected_before_floor, receive_anchored
  correction_s  bigint,                                       -- cloud time minus device time, when known
  detail        text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX time_corrections_device ON time_corrections (device_id, created_at);

CREATE TABLE heartbeats (
  id            bigserial PRIMARY KEY,
  device_id     uuid NOT NULL REFERENCES devices(id),
  boot          integer NOT NULL,
  uptime_s      bigint NOT NULL,
  sampled_at    timestamptz,
  received_at   timestamptz NOT NULL,
  metrics       jsonb NOT NULL,                               -- metric name => value (protocol HeartbeatKey names)
  uplink_id     bigint NOT NULL REFERENCES uplinks(id),
  UNIQUE (device_id, boot, uptime_s)
);
CREATE INDEX heartbeats_device_time ON heartbeats (device_id, received_at);

-- Commands sent to caps through the downlink, and their results.
CREATE TABLE device_commands (
  id            bigserial PRIMARY KEY,
  device_id     uuid NOT NULL REFERENCES devices(id),
  command_id    integer NOT NULL,
  code          smallint NOT NULL,
  status        text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'ok', 'failed', 'unsupported', 'rejected')),
  requested_by  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  result_at     timestamptz,
  detail        text,
  UNIQUE (device_id, command_id)
);

CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  actor         text NOT NULL,                                -- token id, CLI user or 'ingestor'
  org_id        uuid REFERENCES organisations(id),
  action        text NOT NULL,
  target        text,
  detail        jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_org_time ON audit_log (org_id, at);
