-- Up Migration
-- When the lead last went back to nurture: it may cross into MQL again only on activity after it.
ALTER TABLE leads ADD COLUMN returned_to_nurture_at timestamptz;

-- Down Migration
ALTER TABLE leads DROP COLUMN returned_to_nurture_at;
