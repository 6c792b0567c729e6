-- Up Migration
-- What routing needs to know of an SDR: their share in a weighted rotation,
-- where and whom they sell to, when they work, and when they are away.
ALTER TABLE sdrs
  ADD COLUMN weight        numeric NOT NULL DEFAULT 1 CHECK (weight >= 0),
  ADD COLUMN territories   text[] NOT NULL DEFAULT '{}',
  ADD COLUMN segments      text[] NOT NULL DEFAULT '{}',
  -- {timezone, days: {mon: [{start, end}], …}}; null: always working.
  ADD COLUMN working_hours jsonb,
  -- [{from, to}], instants; the SDR is away in [from, to).
  ADD COLUMN out_of_office jsonb NOT NULL DEFAULT '[]'::jsonb;

-- The routing policy, every version kept (who changed routing, and when, is a question managers ask).
CREATE TABLE routing_policies (
  version     serial PRIMARY KEY,
  policy      jsonb NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- What each pool (a routing rule, an account, or the fallback) remembers: where
-- its rotation stands and how many leads it gave each SDR (for weights).
CREATE TABLE routing_pools (
  pool         text PRIMARY KEY,
  last_sdr_id  text,
  assigned     jsonb NOT NULL DEFAULT '{}'::jsonb
);
INSERT INTO routing_pools (pool, last_sdr_id) SELECT 'fallback', last_sdr_id FROM routing_cursors WHERE pool = 'default';
DROP TABLE routing_cursors;

-- The SDR who owns an account: the last one assigned a lead of it.
CREATE TABLE account_owners (
  account_id  uuid PRIMARY KEY,
  sdr_id      text NOT NULL REFERENCES sdrs (id),
  since       timestamptz NOT NULL
);
INSERT INTO account_owners (account_id, sdr_id, since)
SELECT DISTINCT ON (account_id) account_id, sdr_id, assigned_at FROM assignments
 WHERE account_id IS NOT NULL AND sdr_id IS NOT NULL ORDER BY account_id, assigned_at DESC;

-- A waiting lead says where it waits and why; a dormant account's lead goes first.
ALTER TABLE assignments
  ADD COLUMN waiting_pool    text,
  ADD COLUMN waiting_reason  text,
  ADD COLUMN dormant         boolean NOT NULL DEFAULT false,
  ADD COLUMN priority        boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE assignments DROP COLUMN priority, DROP COLUMN dormant, DROP COLUMN waiting_reason, DROP COLUMN waiting_pool;
DROP TABLE account_owners;
CREATE TABLE routing_cursors (pool text PRIMARY KEY, last_sdr_id text NOT NULL);
INSERT INTO routing_cursors (pool, last_sdr_id) SELECT 'default', last_sdr_id FROM routing_pools
 WHERE pool = 'fallback' AND last_sdr_id IS NOT NULL;
DROP TABLE routing_pools;
DROP TABLE routing_policies;
ALTER TABLE sdrs DROP COLUMN out_of_office, DROP COLUMN working_hours, DROP COLUMN segments,
  DROP COLUMN territories, DROP COLUMN weight;
