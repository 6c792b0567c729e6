-- Up Migration
-- Each change of a team (its name, its manager, who is in it) counts a revision; a team.changed snapshot is
-- written to the outbox for every revision not yet announced, so the other services know whose leads a
-- manager may see. Teams that exist now are announced once at the next start.
ALTER TABLE teams
  ADD COLUMN revision bigint NOT NULL DEFAULT 1,
  ADD COLUMN announced_revision bigint NOT NULL DEFAULT 0;
CREATE INDEX teams_unannounced ON teams (id) WHERE revision > announced_revision;

-- Down Migration
DROP INDEX teams_unannounced;
ALTER TABLE teams DROP COLUMN announced_revision, DROP COLUMN revision;
