-- Up Migration
-- Durable SLA timers. Postgres is the truth; Redis (BullMQ delayed jobs) only
-- wakes the monitor at the due time and is rebuilt from here on start.
CREATE TABLE sla_timers (
  id          uuid PRIMARY KEY,
  lead_id     uuid NOT NULL,
  kind        text NOT NULL,
  policy_id   text NOT NULL,
  sdr_id      text,
  started_at  timestamptz NOT NULL,
  due_at      timestamptz NOT NULL,
  state       text NOT NULL DEFAULT 'open',
  closed_at   timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sla_timers_state CHECK (state IN ('open', 'met', 'breached', 'cancelled'))
);
CREATE INDEX sla_timers_open_due ON sla_timers (due_at) WHERE state = 'open';
CREATE INDEX sla_timers_lead ON sla_timers (lead_id, kind);

-- Down Migration
DROP TABLE sla_timers;
