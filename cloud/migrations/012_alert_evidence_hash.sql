-- The rule engine compares an episode's evidence with what it finds now on every evaluation. Reading every live
-- alert's evidence back for that (about 10 MB of JSON in a 10,000-patient sweep, built by PostgreSQL and parsed
-- again by Node) cost more than the rules; a digest of the canonical JSON, written with the evidence, is
-- compared instead. NULL (alerts from before this column) reads as "changed" once, and the sweep fills it in.
ALTER TABLE alerts ADD COLUMN evidence_hash text;
