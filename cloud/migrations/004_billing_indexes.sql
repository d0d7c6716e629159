-- Billing recompute at scale (docs/billing.md, "Performance").
--
-- Heartbeats are attributed to a patient by the cap's assignment at sampled_at, and the incremental day
-- refresh reads them by cap and sampled_at range: index that range (heartbeats_device_time is on received_at).
CREATE INDEX IF NOT EXISTS heartbeats_device_sampled ON heartbeats (device_id, sampled_at) WHERE sampled_at IS NOT NULL;

-- monitored_days rows are compared column by column on upsert (both the set-based rebuild and the ingestor's
-- incremental path skip unchanged rows that way), so the per-row digest is no longer written or read.
ALTER TABLE monitored_days DROP COLUMN IF EXISTS content_hash;

-- Period evidence (about 4 kB of JSON per period) is TOASTed: lz4 compresses it several times faster than the
-- default pglz. Servers built without lz4 (and PGlite) keep pglz.
DO $$
BEGIN
  ALTER TABLE billing_periods ALTER COLUMN evidence SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  NULL;
END
$$;
