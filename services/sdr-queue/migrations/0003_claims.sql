-- Up Migration
-- When the SDR took the lead up to work it (POST /v1/queue/next).
ALTER TABLE assignments ADD COLUMN claimed_at timestamptz;
CREATE INDEX assignments_unclaimed ON assignments (sdr_id, priority DESC, tier, assigned_at)
  WHERE status = 'assigned' AND claimed_at IS NULL;

-- Down Migration
DROP INDEX assignments_unclaimed;
ALTER TABLE assignments DROP COLUMN claimed_at;
