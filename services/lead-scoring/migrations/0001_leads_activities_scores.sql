-- Up Migration
CREATE TABLE leads (
  id                   uuid PRIMARY KEY,
  -- Unknown until the lead's profile arrives when an activity named only its id came first.
  email                text,
  account_id           uuid,
  profile              jsonb NOT NULL DEFAULT '{}'::jsonb,
  stage                text NOT NULL DEFAULT 'captured',
  -- Engagement before this instant no longer counts (set when a lead is recycled or disqualified).
  engagement_reset_at  timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_account ON leads (account_id);

CREATE TABLE activities (
  id           uuid PRIMARY KEY,
  lead_id      uuid NOT NULL REFERENCES leads (id),
  type         text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  source       text,
  campaign     text,
  properties   jsonb NOT NULL DEFAULT '{}'::jsonb,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activities_lead_time ON activities (lead_id, occurred_at);

-- The current score of each lead; history is the lead.scored stream.
CREATE TABLE lead_scores (
  lead_id           uuid PRIMARY KEY REFERENCES leads (id),
  total             numeric NOT NULL,
  fit               numeric NOT NULL,
  engagement        numeric NOT NULL,
  grade             text NOT NULL,
  tier              text NOT NULL,
  sales_ready       boolean NOT NULL,
  rule_set_id       text NOT NULL,
  rule_set_version  integer NOT NULL,
  hits              jsonb NOT NULL,
  scored_at         timestamptz NOT NULL
);

-- Down Migration
DROP TABLE lead_scores;
DROP TABLE activities;
DROP TABLE leads;
