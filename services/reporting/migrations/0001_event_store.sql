-- Up Migration
-- The append-only event store: every event of every topic, once (by id).
-- Reports are projections of it and can be rebuilt from it.
CREATE TABLE events (
  seq             bigserial UNIQUE,
  id              uuid PRIMARY KEY,
  type            text NOT NULL,
  version         integer NOT NULL,
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  producer        text NOT NULL,
  lead_id         uuid,
  account_id      uuid,
  correlation_id  text NOT NULL,
  causation_id    text,
  data            jsonb NOT NULL
);
CREATE INDEX events_lead_time ON events (lead_id, occurred_at, seq);
CREATE INDEX events_type_time ON events (type, occurred_at);

-- Down Migration
DROP TABLE events;
