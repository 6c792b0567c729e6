-- Up Migration
CREATE TABLE sdrs (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  team        text,
  active      boolean NOT NULL DEFAULT true,
  -- Most open leads this SDR may hold at once.
  capacity    integer NOT NULL DEFAULT 50,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per lead in the SDR process. sdr_id is null while the lead waits
-- in the unassigned queue for someone who can take it.
CREATE TABLE assignments (
  lead_id         uuid PRIMARY KEY,
  account_id      uuid,
  sdr_id          text REFERENCES sdrs (id),
  status          text NOT NULL,
  tier            text NOT NULL,
  score           numeric NOT NULL,
  profile         jsonb NOT NULL,
  rule            jsonb,
  sales_ready_at  timestamptz NOT NULL,
  assigned_at     timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assignments_sdr_queue ON assignments (sdr_id, status, tier, sales_ready_at);
CREATE INDEX assignments_unassigned ON assignments (sales_ready_at) WHERE sdr_id IS NULL;

CREATE TABLE touches (
  id           uuid PRIMARY KEY,
  lead_id      uuid NOT NULL REFERENCES assignments (lead_id),
  sdr_id       text NOT NULL,
  channel      text NOT NULL,
  outcome      text NOT NULL,
  notes        text,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX touches_lead ON touches (lead_id, occurred_at);

-- Where each round-robin pool left off.
CREATE TABLE routing_cursors (
  pool         text PRIMARY KEY,
  last_sdr_id  text NOT NULL
);

-- Down Migration
DROP TABLE routing_cursors;
DROP TABLE touches;
DROP TABLE assignments;
DROP TABLE sdrs;
