-- Up Migration
-- Every activity id HTTP ingest has taken, with a SHA-256 digest of what the client sent (the caller, who is not
-- part of the activity, left out). Written in the same statement as the activity's outbox row: a resend of the
-- same content is a duplicate, and the same id with other content a conflict, both answered and neither sent on.
-- Kept for good: an id may come again at any time, and a row is about 100 bytes with its index.
CREATE TABLE activity_receipts (
  activity_id  uuid PRIMARY KEY,
  -- NULL for activities recorded before receipts were kept: their content is unknown, a resend is a duplicate.
  digest       bytea,
  received_at  timestamptz NOT NULL DEFAULT now()
);
-- The ids taken before: recorded ones, and ingested ones still in the outbox (they may not be recorded yet).
INSERT INTO activity_receipts (activity_id, digest, received_at)
SELECT id, NULL::bytea, recorded_at FROM activities
UNION ALL
SELECT id, NULL::bytea, created_at FROM outbox WHERE topic = 'lead.activity'
ON CONFLICT (activity_id) DO NOTHING;

-- Down Migration
DROP TABLE activity_receipts;
