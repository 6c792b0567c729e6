-- Up Migration
-- Sales' answers (accepted, rejected) as the monitor has seen them. Like touches, an answer can arrive before
-- the qualification that started its acceptance clock (another topic, no order between them), so a new clock
-- looks here for an answer that already settles it.
CREATE TABLE lead_answers (
  event_id     uuid PRIMARY KEY,
  lead_id      uuid NOT NULL,
  answered_at  timestamptz NOT NULL
);
CREATE INDEX lead_answers_lead_time ON lead_answers (lead_id, answered_at);

-- Down Migration
DROP TABLE lead_answers;
