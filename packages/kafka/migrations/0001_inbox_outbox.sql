-- Up Migration
-- The inbox: ids of events this service has applied. Recorded in the same
-- transaction as the effect, so a redelivered event changes nothing.
CREATE TABLE inbox (
  event_id    uuid PRIMARY KEY,
  topic       text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- The outbox: what this service will publish, written in the same transaction
-- as the change that caused it. Only the relay reads it and publishes, in seq
-- order, so one lead's events keep their order. Rows are kept for a while
-- after publishing so a repeated write of the same event id is still a no-op.
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  id           uuid NOT NULL UNIQUE,
  topic        text NOT NULL,
  key          bytea,
  value        bytea,
  headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Down Migration
DROP TABLE outbox;
DROP TABLE inbox;
