import type { Queryable } from '@handoff/db';
import type { AccountFacts } from '../domain/rules/engine.js';

/** The account bought: it is a customer from now on (and can become dormant). */
export async function markCustomer(db: Queryable, accountId: string): Promise<void> {
  await db.query('UPDATE accounts SET customer = true WHERE id = $1', [accountId]);
}

export interface AccountSignalOptions {
  recentDays: number;
  dormantAfterDays: number;
  halfLifeDays: number | null;
}

/**
 * What rules may ask of an account at instant `at`:
 * - engagement: its leads' engagement decayed to `at` (one half-life for all hits, so a stored
 *   sum decays exactly as a whole);
 * - rolesEngaged: the buying roles of its leads active in the last `recentDays`;
 * - dormant: a customer whose last activity before `at` is older than `dormantAfterDays` (it is re-engaging now).
 */
export async function accountFacts(
  db: Queryable,
  accountId: string,
  options: AccountSignalOptions & { at: Date },
): Promise<AccountFacts> {
  const [facts] = await accountFactsOf(db, [{ accountId, at: options.at }], options, new Map());
  return facts!;
}

/**
 * Account facts for many (account, instant) pairs in one query, in the order
 * asked. Each reads the account's leads only (their scores and latest
 * activity), never their activities. `justActive` is what leads did in the
 * batch being scored, not yet saved on them.
 */
export async function accountFactsOf(
  db: Queryable,
  asked: Array<{ accountId: string; at: Date }>,
  options: AccountSignalOptions,
  justActive: Map<string, Date>,
): Promise<AccountFacts[]> {
  if (asked.length === 0) return [];
  const { rows } = await db.query<{
    i: string;
    customer: boolean | null;
    leadCount: number;
    engagement: number | null;
    rolesEngaged: string[] | null;
    lastBefore: Date | null;
  }>(
    `SELECT q.i, a.customer, f."leadCount", f.engagement, f."rolesEngaged", f."lastBefore"
       FROM unnest($1::uuid[], $2::timestamptz[]) WITH ORDINALITY AS q(account_id, at, i)
       LEFT JOIN accounts a ON a.id = q.account_id
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS "leadCount",
               sum(s.engagement::float8 *
                   CASE WHEN $4::float8 IS NULL THEN 1
                        ELSE power(0.5, GREATEST(0, extract(epoch FROM q.at - s.scored_at)) / 86400 / $4::float8) END)
                 AS engagement,
               array_agg(DISTINCT l.profile->>'buyingRole')
                 FILTER (WHERE l.profile ? 'buyingRole' AND GREATEST(l.last_activity_at, b.at) > q.at - make_interval(days => $3))
                 AS "rolesEngaged",
               max(GREATEST(l.last_activity_at, b.at)) FILTER (WHERE GREATEST(l.last_activity_at, b.at) < q.at)
                 AS "lastBefore"
          FROM leads l LEFT JOIN lead_scores s ON s.lead_id = l.id
          LEFT JOIN unnest($5::uuid[], $6::timestamptz[]) AS b(lead_id, at) ON b.lead_id = l.id
         WHERE l.account_id = q.account_id) f
      ORDER BY q.i`,
    [
      asked.map((a) => a.accountId),
      asked.map((a) => a.at),
      options.recentDays,
      options.halfLifeDays,
      [...justActive.keys()],
      [...justActive.values()],
    ],
  );
  return rows.map((row, i) => {
    const customer = row.customer ?? false;
    const dormantSince = asked[i]!.at.getTime() - options.dormantAfterDays * 86_400_000;
    return {
      customer,
      leadCount: row.leadCount,
      engagement: Math.round((row.engagement ?? 0) * 100) / 100,
      rolesEngaged: (row.rolesEngaged ?? []).sort(),
      dormant: customer && (row.lastBefore === null || row.lastBefore.getTime() < dormantSince),
    };
  });
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
