-- Up Migration
-- Rule-set versions. A draft can change; a published version never does.
-- Exactly one published version is active: the one every score uses.
CREATE TABLE rule_sets (
  id            text PRIMARY KEY,
  version       integer NOT NULL UNIQUE,
  status        text NOT NULL CHECK (status IN ('draft', 'published')),
  active        boolean NOT NULL DEFAULT false,
  name          text NOT NULL,
  definition    jsonb NOT NULL,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  published_by  text,
  published_at  timestamptz,
  CHECK (NOT active OR status = 'published')
);
CREATE UNIQUE INDEX rule_sets_one_active ON rule_sets (active) WHERE active;
CREATE SEQUENCE rule_set_versions START 2;

-- Down Migration
DROP SEQUENCE rule_set_versions;
DROP TABLE rule_sets;
