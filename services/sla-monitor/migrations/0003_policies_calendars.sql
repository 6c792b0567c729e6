-- Up Migration
-- SLA policies, chosen per tier and optionally team or source (the most
-- specific match wins). Allowances are business time on the SDR's calendar.
CREATE TABLE sla_policies (
  id          text PRIMARY KEY,
  tier        text,
  team        text,
  source      text,
  definition  jsonb NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sla_policies (id, tier, definition, updated_by) VALUES
  ('tier-a', 'A', '{"firstTouchMinutes": 15}', 'migration'),
  ('tier-b', 'B', '{"firstTouchMinutes": 60}', 'migration'),
  ('tier-c', 'C', '{"firstTouchMinutes": 240}', 'migration');

-- Business calendars: the default, or one for a team or an SDR (the SDR's
-- wins over the team's, the team's over the default).
CREATE TABLE calendars (
  id          text PRIMARY KEY,
  team        text UNIQUE,
  sdr_id      text UNIQUE,
  is_default  boolean NOT NULL DEFAULT false,
  definition  jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT calendars_one_scope CHECK (num_nonnulls(team, sdr_id) + is_default::int <= 1)
);
CREATE UNIQUE INDEX calendars_one_default ON calendars (is_default) WHERE is_default;
INSERT INTO calendars (id, is_default, definition) VALUES ('default', true,
  '{"id": "default", "name": "Weekdays 9–5 UTC", "timezone": "UTC",
    "hours": {"mon": [{"start": "09:00", "end": "17:00"}], "tue": [{"start": "09:00", "end": "17:00"}],
              "wed": [{"start": "09:00", "end": "17:00"}], "thu": [{"start": "09:00", "end": "17:00"}],
              "fri": [{"start": "09:00", "end": "17:00"}]},
    "holidays": []}');

-- What the monitor knows of a lead beyond its timers: its source (for
-- policies by source, from lead.sales-ready) and who holds it.
CREATE TABLE leads (
  lead_id     uuid PRIMARY KEY,
  source      text,
  tier        text,
  sdr_id      text,
  team        text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Timers on business time: the calendar they run on, the allowance, when to
-- warn, and (follow-up persistence) the attempts asked for and made.
ALTER TABLE sla_timers
  ADD COLUMN team                text,
  ADD COLUMN calendar_id         text,
  ADD COLUMN allowance_minutes   numeric,
  ADD COLUMN warn_at             timestamptz,
  ADD COLUMN warned_at           timestamptz,
  ADD COLUMN required_attempts   integer,
  ADD COLUMN attempts            integer NOT NULL DEFAULT 0,
  ADD COLUMN business_minutes_used numeric;
CREATE INDEX sla_timers_open_warn ON sla_timers (warn_at) WHERE state = 'open' AND warned_at IS NULL;
CREATE INDEX sla_timers_open_sdr ON sla_timers (sdr_id, due_at) WHERE state = 'open';
CREATE INDEX sla_timers_open_team ON sla_timers (team, due_at) WHERE state = 'open';

-- Down Migration
DROP INDEX sla_timers_open_team;
DROP INDEX sla_timers_open_sdr;
DROP INDEX sla_timers_open_warn;
ALTER TABLE sla_timers DROP COLUMN business_minutes_used, DROP COLUMN attempts, DROP COLUMN required_attempts,
  DROP COLUMN warned_at, DROP COLUMN warn_at, DROP COLUMN allowance_minutes, DROP COLUMN calendar_id, DROP COLUMN team;
DROP TABLE leads;
DROP TABLE calendars;
DROP TABLE sla_policies;
