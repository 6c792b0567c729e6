-- Up Migration
-- Touches as the monitor has seen them. Topics are ordered only within
-- themselves: a touch can arrive before the assignment that started its
-- timer, so a new timer looks here for a touch that already settles it.
CREATE TABLE lead_touches (
  touch_id     uuid PRIMARY KEY,
  lead_id      uuid NOT NULL,
  occurred_at  timestamptz NOT NULL
);
CREATE INDEX lead_touches_lead_time ON lead_touches (lead_id, occurred_at);

-- Down Migration
DROP TABLE lead_touches;
