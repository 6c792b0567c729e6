-- Up Migration
-- Every score a lead had, with its hits: "what was her score on a given day, and why".
CREATE TABLE score_history (
  id                bigserial PRIMARY KEY,
  lead_id           uuid NOT NULL REFERENCES leads (id),
  scored_at         timestamptz NOT NULL,
  rule_set_id       text NOT NULL,
  rule_set_version  integer NOT NULL,
  total             numeric NOT NULL,
  fit               numeric NOT NULL,
  engagement        numeric NOT NULL,
  grade             text NOT NULL,
  tier              text NOT NULL,
  sales_ready       boolean NOT NULL,
  hits              jsonb NOT NULL
);
CREATE INDEX score_history_lead_time ON score_history (lead_id, scored_at DESC, id DESC);

-- Down Migration
DROP TABLE score_history;
