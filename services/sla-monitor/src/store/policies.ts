import type { Queryable } from '@handoff/db';
import { SlaPolicy, SlaPolicyTerms } from '../domain/sla-policy.js';

/** Every SLA policy, parsed (defaults filled in), by id. */
export async function listPolicies(db: Queryable): Promise<SlaPolicy[]> {
  const { rows } = await db.query<{
    id: string;
    tier: string | null;
    team: string | null;
    source: string | null;
    definition: unknown;
  }>('SELECT id, tier, team, source, definition FROM sla_policies ORDER BY id');
  return rows.map((row) =>
    SlaPolicy.parse({
      ...SlaPolicyTerms.parse(row.definition),
      id: row.id,
      match: {
        ...(row.tier ? { tier: row.tier } : {}),
        ...(row.team ? { team: row.team } : {}),
        ...(row.source ? { source: row.source } : {}),
      },
    }),
  );
}

export async function savePolicy(db: Queryable, policy: SlaPolicy, updatedBy: string): Promise<void> {
  const { id, match, ...terms } = policy;
  await db.query(
    `INSERT INTO sla_policies (id, tier, team, source, definition, updated_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
     ON CONFLICT (id) DO UPDATE SET tier = EXCLUDED.tier, team = EXCLUDED.team, source = EXCLUDED.source,
       definition = EXCLUDED.definition, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [id, match.tier ?? null, match.team ?? null, match.source ?? null, JSON.stringify(terms), updatedBy],
  );
}
