-- Billing at scale, part 2 (docs/billing.md, "Stored record and evidence").
--
-- billing_periods is the stored record of what a claim rests on: status, counts, codes, the qualifying dates and
-- the caps behind them, the export snapshot and the amendment. The full evidence (each date's qualifying event
-- ids and sources, device-active-only dates, reasons, guards, the documentation checklist) is derived: every
-- read (API, monthly report) builds it from monitored_days with the same engine, and an export freezes it in
-- billing_exports.snapshot. Storing it per period as well (about 4 kB of JSON, 150 MB for 10,000 patients over
-- 90 days) made every recompute pay to rewrite a copy nobody read.
ALTER TABLE billing_periods DROP COLUMN IF EXISTS evidence;
ALTER TABLE billing_periods ADD COLUMN IF NOT EXISTS qualifying_dates date[] NOT NULL DEFAULT '{}';
ALTER TABLE billing_periods ADD COLUMN IF NOT EXISTS serials text[] NOT NULL DEFAULT '{}';

-- A day's qualifying events (qualifying_event_ids) are its billing evidence; the list of every event that day
-- was written on each rebuild and never read (the events table answers that question by patient and time).
ALTER TABLE monitored_days DROP COLUMN IF EXISTS event_ids;
