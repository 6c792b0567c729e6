import type { Queryable } from '@handoff/db';
import type { AccountFacts } from '../domain/rules/engine.js';

/** The account bought: it is a customer from now on (and can become dormant). */
export async function markCustomer(db: Queryable, accountId: string): Promise<void> {
  await db.query('UPDATE accounts SET customer = true WHERE id = $1', [accountId]);
}

/**
 * What rules may ask of an account at instant `at`:
 * - engagement: its leads' engagement decayed to `at` (one half-life for all hits, so a stored
 *   sum decays exactly as a whole);
 * - rolesEngaged: the buying roles of its leads with activity in the last `recentDays`;
 * - dormant: a customer whose last activity before `at` is older than `dormantAfterDays` (it is re-engaging now).
 */
export async function accountFacts(
  db: Queryable,
  accountId: string,
  options: { at: Date; recentDays: number; dormantAfterDays: number; halfLifeDays: number | null },
): Promise<AccountFacts> {
  const { rows } = await db.query<{
    customer: boolean | null;
    leadCount: number;
    engagement: number | null;
    rolesEngaged: string[] | null;
    lastBefore: Date | null;
  }>(
    `SELECT
       (SELECT customer FROM accounts WHERE id = $1) AS customer,
       (SELECT count(*)::int FROM leads WHERE account_id = $1) AS "leadCount",
       (SELECT sum(s.engagement::float8 *
                   CASE WHEN $4::float8 IS NULL THEN 1
                        ELSE power(0.5, GREATEST(0, extract(epoch FROM $2::timestamptz - s.scored_at)) / 86400 / $4::float8) END)
          FROM lead_scores s JOIN leads l ON l.id = s.lead_id WHERE l.account_id = $1) AS engagement,
       (SELECT array_agg(DISTINCT l.profile->>'buyingRole') FROM leads l
          WHERE l.account_id = $1 AND l.profile ? 'buyingRole'
            AND EXISTS (SELECT 1 FROM activities a WHERE a.lead_id = l.id
                         AND a.occurred_at > $2::timestamptz - make_interval(days => $3) AND a.occurred_at <= $2)) AS "rolesEngaged",
       (SELECT max(a.occurred_at) FROM activities a JOIN leads l ON l.id = a.lead_id
          WHERE l.account_id = $1 AND a.occurred_at < $2) AS "lastBefore"`,
    [accountId, options.at, options.recentDays, options.halfLifeDays],
  );
  const row = rows[0]!;
  const customer = row.customer ?? false;
  const dormantSince = options.at.getTime() - options.dormantAfterDays * 86_400_000;
  return {
    customer,
    leadCount: row.leadCount,
    engagement: Math.round((row.engagement ?? 0) * 100) / 100,
    rolesEngaged: (row.rolesEngaged ?? []).sort(),
    dormant: customer && (row.lastBefore === null || row.lastBefore.getTime() < dormantSince),
  };
}

/** An account with its leads, for the API. */
export async function accountWithLeads(db: Queryable, accountId: string) {
  const { rows: accounts } = await db.query<{ id: string; domain: string | null; customer: boolean }>(
    'SELECT id, domain, customer FROM accounts WHERE id = $1',
    [accountId],
  );
  if (!accounts[0]) return undefined;
  const { rows: leads } = await db.query(
    `SELECT l.id AS "leadId", l.email, l.profile->>'buyingRole' AS "buyingRole", l.profile->>'title' AS title, l.stage,
            s.engagement::float8 AS engagement, s.grade, s.tier
       FROM leads l LEFT JOIN lead_scores s ON s.lead_id = l.id
      WHERE l.account_id = $1 ORDER BY s.engagement DESC NULLS LAST, l.email`,
    [accountId],
  );
  return { ...accounts[0], leads };
}

/** Makes sure these accounts exist (one statement, in id order so concurrent batches take them alike). */
export async function ensureAccounts(db: Queryable, accounts: Array<{ id: string; domain?: string | undefined }>) {
  if (accounts.length === 0) return;
  const sorted = [...accounts].sort((a, b) => (a.id < b.id ? -1 : 1));
  await db.query(
    `INSERT INTO accounts (id, domain) SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT (id) DO NOTHING`,
    [sorted.map((a) => a.id), sorted.map((a) => a.domain ?? null)],
  );
}
