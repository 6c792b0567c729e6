import type { Queryable } from '@handoff/db';
import { RoutingPolicy, type PoolState } from '../domain/routing/types.js';

/** The routing policy in force (every SDR in one round robin until a manager sets one) and its version. */
export async function currentPolicy(
  db: Queryable,
): Promise<{ policy: RoutingPolicy; version: number; updatedBy: string | null; updatedAt: string | null }> {
  const { rows } = await db.query<{ policy: unknown; version: number; updatedBy: string; updatedAt: Date }>(
    `SELECT policy, version, updated_by AS "updatedBy", updated_at AS "updatedAt"
       FROM routing_policies ORDER BY version DESC LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return { policy: RoutingPolicy.parse({}), version: 0, updatedBy: null, updatedAt: null };
  return {
    policy: RoutingPolicy.parse(row.policy),
    version: row.version,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function savePolicy(db: Queryable, policy: RoutingPolicy, updatedBy: string): Promise<number> {
  const { rows } = await db.query<{ version: number }>(
    'INSERT INTO routing_policies (policy, updated_by) VALUES ($1::jsonb, $2) RETURNING version',
    [JSON.stringify(policy), updatedBy],
  );
  return rows[0]!.version;
}

export async function loadPools(db: Queryable): Promise<Map<string, PoolState>> {
  const { rows } = await db.query<{ pool: string; lastSdrId: string | null; assigned: Record<string, number> }>(
    'SELECT pool, last_sdr_id AS "lastSdrId", assigned FROM routing_pools',
  );
  return new Map(rows.map((r) => [r.pool, { lastSdrId: r.lastSdrId ?? undefined, assigned: r.assigned }]));
}

export async function savePools(db: Queryable, pools: Map<string, PoolState>): Promise<void> {
  if (pools.size === 0) return;
  const entries = [...pools];
  await db.query(
    `INSERT INTO routing_pools (pool, last_sdr_id, assigned)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
     ON CONFLICT (pool) DO UPDATE SET last_sdr_id = EXCLUDED.last_sdr_id, assigned = EXCLUDED.assigned`,
    [
      entries.map(([pool]) => pool),
      entries.map(([, state]) => state.lastSdrId ?? null),
      entries.map(([, state]) => JSON.stringify(state.assigned)),
    ],
  );
}

/** Owners of these accounts (the SDR last assigned a lead of each). */
export async function accountOwners(db: Queryable, accountIds: string[]): Promise<Map<string, string>> {
  if (accountIds.length === 0) return new Map();
  const { rows } = await db.query<{ accountId: string; sdrId: string }>(
    'SELECT account_id AS "accountId", sdr_id AS "sdrId" FROM account_owners WHERE account_id = ANY($1::uuid[])',
    [accountIds],
  );
  return new Map(rows.map((r) => [r.accountId, r.sdrId]));
}

export async function setAccountOwner(db: Queryable, accountId: string, sdrId: string, since: string): Promise<void> {
  await setAccountOwners(db, [{ accountId, sdrId, since }]);
}

/** Accounts' new owners in one statement; the same account twice: the last one counts. */
export async function setAccountOwners(
  db: Queryable,
  owners: Array<{ accountId: string; sdrId: string; since: string }>,
): Promise<void> {
  const unique = [...new Map(owners.map((o) => [o.accountId, o])).values()];
  if (unique.length === 0) return;
  await db.query(
    `INSERT INTO account_owners (account_id, sdr_id, since)
     SELECT "accountId", "sdrId", since FROM jsonb_to_recordset($1::jsonb) AS o("accountId" uuid, "sdrId" text, since timestamptz)
     ON CONFLICT (account_id) DO UPDATE SET sdr_id = EXCLUDED.sdr_id, since = EXCLUDED.since`,
    [JSON.stringify(unique)],
  );
}
