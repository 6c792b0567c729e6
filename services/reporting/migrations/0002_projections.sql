-- Up Migration
-- Projections of the event store (domain/lead-history.ts): what the reports read.
-- All of them can be dropped and rebuilt from `events` (POST /v1/reports/rebuild).

-- The event store's appends are serialized (a transaction lock), so `seq` order is commit order
-- and the projector, reading `seq > position`, never skips an event that commits late.
CREATE TABLE projection_position (
  id        boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq       bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projection_position DEFAULT VALUES;

CREATE TABLE lead_facts (
  lead_id          uuid PRIMARY KEY,
  account_id       uuid,
  email            text,
  source           text,
  campaign         text,
  source_at        timestamptz,
  last_source      text,
  last_campaign    text,
  last_source_at   timestamptz,
  team             text,
  sdr_id           text,
  assigned_at      timestamptz,
  tier             text,
  rule_set_id      text,
  rule_set_version integer,
  score_at_mql     double precision,
  captured_at      timestamptz,
  mql_at           timestamptz,
  first_touch_at   timestamptz,
  sql_at           timestamptz,
  accepted_at      timestamptz,
  opportunity_at   timestamptz,
  won_at           timestamptz,
  lost_at          timestamptz,
  deal_id          text,
  amount           double precision,
  touches          integer NOT NULL DEFAULT 0,
  stage            text,
  stage_reason     text
);

-- What each lead's facts and moves are recomputed from (domain/lead-history.ts: HistoryEntry[]);
-- a table of its own, so the facts that reports join stay narrow.
CREATE TABLE lead_histories (
  lead_id  uuid PRIMARY KEY,
  history  jsonb NOT NULL
);
CREATE INDEX lead_facts_mql ON lead_facts (mql_at) WHERE mql_at IS NOT NULL;
CREATE INDEX lead_facts_account ON lead_facts (account_id, sql_at) WHERE account_id IS NOT NULL;
CREATE INDEX lead_facts_email ON lead_facts (email) WHERE email IS NOT NULL;

CREATE TABLE stage_moves (
  event_id    uuid PRIMARY KEY,
  lead_id     uuid NOT NULL,
  stage       text NOT NULL,
  kind        text NOT NULL,
  label       text,
  at          timestamptz NOT NULL,
  ord         integer NOT NULL,
  reason      text,
  sdr_id      text,
  from_stage  text,
  left_at     timestamptz
);
CREATE INDEX stage_moves_at ON stage_moves (at);
CREATE INDEX stage_moves_lead ON stage_moves (lead_id);

CREATE TABLE touches (
  touch_id  uuid PRIMARY KEY,
  lead_id   uuid NOT NULL,
  sdr_id    text NOT NULL,
  outcome   text NOT NULL,
  channel   text NOT NULL,
  at        timestamptz NOT NULL
);
CREATE INDEX touches_at ON touches (at);

CREATE TABLE sla_outcomes (
  timer_id     uuid PRIMARY KEY,
  lead_id      uuid NOT NULL,
  policy_id    text NOT NULL,
  kind         text NOT NULL,
  sdr_id       text,
  started_at   timestamptz NOT NULL,
  due_at       timestamptz NOT NULL,
  state        text NOT NULL,
  closed_at    timestamptz,
  business_minutes_used double precision,
  warned       boolean NOT NULL DEFAULT false
);
CREATE INDEX sla_outcomes_due ON sla_outcomes (due_at);

CREATE TABLE deals (
  deal_id        text PRIMARY KEY,
  lead_id        uuid NOT NULL,
  stage          text NOT NULL,
  amount         double precision,
  currency       text,
  close_date     date,
  updated_at     timestamptz NOT NULL,
  opportunity_at timestamptz,
  won_at         timestamptz,
  lost_at        timestamptz
);
CREATE INDEX deals_opportunity ON deals (opportunity_at);
CREATE INDEX deals_won ON deals (won_at) WHERE won_at IS NOT NULL;

-- Which lead each CRM deal belongs to, decided once (POST /v1/deals): the deal's later changes need
-- not name the lead again. Not a projection: a rebuild keeps it.
CREATE TABLE deal_matches (
  deal_id    text PRIMARY KEY,
  lead_id    uuid NOT NULL,
  matched_by text NOT NULL,
  matched_at timestamptz NOT NULL DEFAULT now()
);

-- Revenue targets (PUT /v1/targets/:period): the input; the plan is computed when read.
CREATE TABLE targets (
  period     text PRIMARY KEY,
  input      jsonb NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE targets;
DROP TABLE deal_matches;
DROP TABLE deals;
DROP TABLE sla_outcomes;
DROP TABLE touches;
DROP TABLE stage_moves;
DROP TABLE lead_histories;
DROP TABLE lead_facts;
DROP TABLE projection_position;
