-- Device configs: every Config the cloud has wanted a cap to run, one row per version (what the cap was told,
-- and when, stays auditable). devices.config_version points at the latest; it rides in every Ack (key 5).

CREATE TABLE device_configs (
  device_id     uuid NOT NULL REFERENCES devices(id),
  version       integer NOT NULL CHECK (version > 0),
  config        jsonb NOT NULL,                               -- protocol DeviceConfig, configVersion = version
  patient_id    uuid REFERENCES patients(id) ON DELETE SET NULL, -- whose regimen it carries; NULL = cap in stock
  reason        text NOT NULL,                                -- e.g. 'hello', 'dst', 'first', 'assign'
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, version)
);
