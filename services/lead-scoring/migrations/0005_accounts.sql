-- Up Migration
-- Accounts: leads are matched by company domain (free-mail excluded) or a
-- given account id. `customer` means it bought before (a won deal).
CREATE TABLE accounts (
  id          uuid PRIMARY KEY,
  domain      text,
  customer    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO accounts (id) SELECT DISTINCT account_id FROM leads WHERE account_id IS NOT NULL;
CREATE INDEX activities_time ON activities (occurred_at);

-- Down Migration
DROP INDEX activities_time;
DROP TABLE accounts;
