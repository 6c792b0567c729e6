-- Up Migration
-- A first-touch SLA the SDR missed, when policy says to flag it for the manager (or nobody else could take it).
ALTER TABLE assignments ADD COLUMN escalation text, ADD COLUMN escalated_at timestamptz;

-- Down Migration
ALTER TABLE assignments DROP COLUMN escalated_at, DROP COLUMN escalation;
