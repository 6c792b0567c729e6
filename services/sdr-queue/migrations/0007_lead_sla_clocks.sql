-- Up Migration
-- The monitor's events about one timer travel on different topics (sla.started, sla.met), which Kafka does not
-- order with each other; and it restarts the stalled clock at each touch without an event for the old one. So a
-- timer is kept with when it started and, once met, when: a met read before its start is not started again, and
-- of each kind only the latest timer counts (domain/lead-sla.ts).
ALTER TABLE lead_slas
  ADD COLUMN started_at timestamptz,
  ADD COLUMN met_at timestamptz;

-- Down Migration
DELETE FROM lead_slas WHERE met_at IS NOT NULL;
ALTER TABLE lead_slas DROP COLUMN met_at, DROP COLUMN started_at;
