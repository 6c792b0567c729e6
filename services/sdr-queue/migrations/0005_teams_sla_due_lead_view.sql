-- Up Migration
-- Teams as records: a name and the manager who runs it. A manager acts on the
-- teams they manage (and a team named in their token); an admin on all.
CREATE TABLE teams (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  manager_id  text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teams_manager ON teams (manager_id);
-- Teams SDRs already name become records (without a manager until an admin names one).
INSERT INTO teams (id, name) SELECT DISTINCT team, team FROM sdrs WHERE team IS NOT NULL;

-- The SLAs running on the SDR's work (sla.started, until sla.met or the
-- assignment ends); a breached one stays, overdue. The assignment keeps the
-- earliest due time: a queue is ordered by tier, then that due time, then score.
CREATE TABLE lead_slas (
  timer_id  uuid PRIMARY KEY,
  lead_id   uuid NOT NULL REFERENCES assignments (lead_id),
  kind      text NOT NULL,
  due_at    timestamptz NOT NULL
);
CREATE INDEX lead_slas_lead ON lead_slas (lead_id);
ALTER TABLE assignments
  ADD COLUMN sla_kind      text,
  ADD COLUMN sla_due_at    timestamptz,
  -- What scoring said when the lead became sales-ready: the score, why, and the account's buying committee.
  ADD COLUMN score_snapshot  jsonb,
  ADD COLUMN sales_ready_reason jsonb,
  ADD COLUMN account        jsonb;

-- Each SDR's open leads are counted on every routing pass.
CREATE INDEX assignments_open ON assignments (sdr_id) WHERE status = 'assigned';

-- Working order: first the leads that must come first (dormant accounts, rejected SQLs), then tier, due time, score.
DROP INDEX assignments_unclaimed;
CREATE INDEX assignments_unclaimed
  ON assignments (sdr_id, priority DESC, tier, sla_due_at, score DESC, assigned_at, lead_id)
  WHERE status = 'assigned' AND claimed_at IS NULL;

-- Down Migration
DROP INDEX assignments_open;
DROP INDEX assignments_unclaimed;
CREATE INDEX assignments_unclaimed ON assignments (sdr_id, priority DESC, tier, assigned_at)
  WHERE status = 'assigned' AND claimed_at IS NULL;
ALTER TABLE assignments DROP COLUMN account, DROP COLUMN sales_ready_reason, DROP COLUMN score_snapshot,
  DROP COLUMN sla_due_at, DROP COLUMN sla_kind;
DROP TABLE lead_slas;
DROP TABLE teams;
