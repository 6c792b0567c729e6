-- Up Migration
-- A lead's latest activity, kept on the lead (its row is locked while it is
-- scored anyway): account signals (roles engaged recently, dormancy) read the
-- account's leads only, never their activities.
ALTER TABLE leads ADD COLUMN last_activity_at timestamptz;
UPDATE leads l SET last_activity_at = a.at
  FROM (SELECT lead_id, max(occurred_at) AS at FROM activities GROUP BY lead_id) a
 WHERE a.lead_id = l.id;

-- The hits are kept once, in the score history; the current score stays a small row.
ALTER TABLE lead_scores DROP COLUMN hits;

-- Down Migration
ALTER TABLE lead_scores ADD COLUMN hits jsonb NOT NULL DEFAULT '[]'::jsonb;
UPDATE lead_scores s SET hits = h.hits
  FROM (SELECT DISTINCT ON (lead_id) lead_id, hits FROM score_history ORDER BY lead_id, scored_at DESC, id DESC) h
 WHERE h.lead_id = s.lead_id;
ALTER TABLE leads DROP COLUMN last_activity_at;
