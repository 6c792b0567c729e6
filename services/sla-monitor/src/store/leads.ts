import type { Queryable } from '@handoff/db';

/** What the monitor knows of a lead: its source and tier (from lead.sales-ready), who holds it. */
export interface LeadFacts {
  leadId: string;
  source: string | null;
  tier: string | null;
  sdrId: string | null;
  team: string | null;
}

/** A sales-ready lead's source and tier (who holds it comes with its assignments). */
export async function rememberSource(
  db: Queryable,
  lead: { leadId: string; source: string | null; tier: string },
): Promise<void> {
  await db.query(
    `INSERT INTO leads (lead_id, source, tier) VALUES ($1, $2, $3)
     ON CONFLICT (lead_id) DO UPDATE SET source = EXCLUDED.source, tier = EXCLUDED.tier, updated_at = now()`,
    [lead.leadId, lead.source, lead.tier],
  );
}

export async function leadFacts(db: Queryable, leadId: string): Promise<LeadFacts | undefined> {
  const { rows } = await db.query(
    'SELECT lead_id AS "leadId", source, tier, sdr_id AS "sdrId", team FROM leads WHERE lead_id = $1',
    [leadId],
  );
  return rows[0] as LeadFacts | undefined;
}

/** Who holds each lead now, with its tier and team (one statement for a batch of assignments). */
export async function rememberAssignments(
  db: Queryable,
  assignments: Array<{ leadId: string; tier: string; sdrId: string; team: string | null }>,
): Promise<void> {
  const unique = [...new Map(assignments.map((a) => [a.leadId, a])).values()];
  if (unique.length === 0) return;
  await db.query(
    `INSERT INTO leads (lead_id, tier, sdr_id, team)
     SELECT "leadId", tier, "sdrId", team FROM jsonb_to_recordset($1::jsonb)
       AS a("leadId" uuid, tier text, "sdrId" text, team text)
     ON CONFLICT (lead_id) DO UPDATE SET tier = EXCLUDED.tier, sdr_id = EXCLUDED.sdr_id, team = EXCLUDED.team,
       updated_at = now()`,
    [JSON.stringify(unique)],
  );
}

/** What the monitor knows of some leads. */
export async function leadFactsOf(db: Queryable, leadIds: string[]): Promise<Map<string, LeadFacts>> {
  const { rows } = await db.query<LeadFacts>(
    'SELECT lead_id AS "leadId", source, tier, sdr_id AS "sdrId", team FROM leads WHERE lead_id = ANY($1::uuid[])',
    [leadIds],
  );
  return new Map(rows.map((r) => [r.leadId, r]));
}
