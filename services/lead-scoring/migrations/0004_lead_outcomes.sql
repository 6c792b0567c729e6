-- Up Migration
-- What became of leads (from lead.qualified, lead.recycled, lead.disqualified
-- and deal.updated): the ground truth a backtest measures rule sets against.
CREATE TABLE lead_outcomes (
  event_id     uuid PRIMARY KEY,
  lead_id      uuid NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('sql', 'opportunity', 'won', 'lost', 'recycled', 'disqualified')),
  occurred_at  timestamptz NOT NULL,
  amount       numeric,
  reason       text
);
CREATE INDEX lead_outcomes_lead ON lead_outcomes (lead_id, occurred_at);

-- Down Migration
DROP TABLE lead_outcomes;
