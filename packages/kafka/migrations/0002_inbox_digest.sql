-- Up Migration
-- What each applied event looked like (SHA-256 of the message value): an event id that comes again with another
-- body is a producer's bug, dead-lettered as changed_duplicate rather than skipped unseen. Rows from before this
-- migration have none and are skipped as before.
ALTER TABLE inbox ADD COLUMN digest bytea;

-- Down Migration
ALTER TABLE inbox DROP COLUMN digest;
