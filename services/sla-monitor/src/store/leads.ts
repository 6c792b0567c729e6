import type { Queryable } from '@handoff/db';

/** What the monitor knows of a lead: its source and tier (from lead.sales-ready), who holds it. */
export interface LeadFacts {
  leadId: string;
  source: string | null;
  tier: string | null;
  sdrId: string | null;
  team: string | null;
}

export async function rememberLead(
  db: Queryable,
  lead: { leadId: string } & Partial<Omit<LeadFacts, 'leadId'>>,
): Promise<void> {
  // Only what the event says changes; the rest stays as other events left it.
  await db.query(
    `INSERT INTO leads (lead_id, source, tier, sdr_id, team) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (lead_id) DO UPDATE SET
       source = CASE WHEN $6 THEN EXCLUDED.source ELSE leads.source END,
       tier = coalesce(EXCLUDED.tier, leads.tier),
       sdr_id = CASE WHEN $7 THEN EXCLUDED.sdr_id ELSE leads.sdr_id END,
       team = CASE WHEN $7 THEN EXCLUDED.team ELSE leads.team END,
       updated_at = now()`,
    [
      lead.leadId,
      lead.source ?? null,
      lead.tier ?? null,
      lead.sdrId ?? null,
      lead.team ?? null,
      'source' in lead,
      'sdrId' in lead,
    ],
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
