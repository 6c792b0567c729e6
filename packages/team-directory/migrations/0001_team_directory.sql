-- Up Migration
-- The SDR teams as sdr-queue announces them (team.changed): the newest snapshot of each, by revision.
CREATE TABLE team_directory (
  team_id     text PRIMARY KEY,
  name        text NOT NULL,
  manager_id  text,
  sdr_ids     text[] NOT NULL,
  revision    bigint NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX team_directory_manager ON team_directory (manager_id);

-- Down Migration
DROP TABLE team_directory;
