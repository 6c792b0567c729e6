import type { LeadProfile } from '@handoff/contracts';
import type { Queryable } from '@handoff/db';
import type { ActivityFact, LeadScore } from '../domain/rules/engine.js';
import type { RuleSet } from '../domain/rules/rule-set.js';

export interface LeadRow {
  id: string;
  email: string | null;
  accountId: string | null;
  profile: LeadProfile;
  stage: string;
  engagementResetAt: string | null;
  returnedToNurtureAt: Date | null;
}

/** Creates the lead, or merges the new profile fields into it. Locks the row for the caller's transaction. */
export async function upsertLead(
  db: Queryable,
  lead: { id: string; email?: string | undefined; accountId?: string | undefined; profile: Partial<LeadProfile> },
): Promise<LeadRow> {
  const { rows } = await db.query(
    `INSERT INTO leads (id, email, account_id, profile)
     VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (id) DO UPDATE
       SET profile = leads.profile || EXCLUDED.profile,
           email = COALESCE(EXCLUDED.email, leads.email),
           account_id = COALESCE(EXCLUDED.account_id, leads.account_id),
           updated_at = now()
     RETURNING id, email, account_id AS "accountId", profile, stage,
               engagement_reset_at AS "engagementResetAt", returned_to_nurture_at AS "returnedToNurtureAt"`,
    [
      lead.id,
      lead.email ?? null,
      lead.accountId ?? null,
      JSON.stringify({ ...lead.profile, ...(lead.email ? { email: lead.email } : {}) }),
    ],
  );
  return rows[0] as LeadRow;
}

/** The lead, locked for update in the caller's transaction. */
export async function lockLead(db: Queryable, leadId: string): Promise<LeadRow | undefined> {
  const { rows } = await db.query(
    `SELECT id, email, account_id AS "accountId", profile, stage,
            engagement_reset_at AS "engagementResetAt", returned_to_nurture_at AS "returnedToNurtureAt"
       FROM leads WHERE id = $1 FOR UPDATE`,
    [leadId],
  );
  return rows[0] as LeadRow | undefined;
}

/** Records an activity once (by id); returns whether it was new. */
export async function insertActivity(
  db: Queryable,
  activity: {
    id: string;
    leadId: string;
    type: string;
    occurredAt: string;
    source?: string | undefined;
    campaign?: string | undefined;
    properties: Record<string, unknown>;
  },
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO activities (id, lead_id, type, occurred_at, source, campaign, properties)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
     ON CONFLICT (id) DO NOTHING`,
    [
      activity.id,
      activity.leadId,
      activity.type,
      activity.occurredAt,
      activity.source ?? null,
      activity.campaign ?? null,
      JSON.stringify(activity.properties),
    ],
  );
  return (result.rowCount ?? 0) > 0;
}

export async function activitiesOf(db: Queryable, leadId: string): Promise<ActivityFact[]> {
  const { rows } = await db.query(
    `SELECT id, type, properties, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt"
       FROM activities WHERE lead_id = $1 ORDER BY occurred_at, id`,
    [leadId],
  );
  return rows as ActivityFact[];
}

export interface StoredScore extends LeadScore {
  ruleSetId: string;
  ruleSetVersion: number;
  scoredAt: string;
}

export async function currentScore(db: Queryable, leadId: string): Promise<StoredScore | undefined> {
  const { rows } = await db.query(
    `SELECT total::float8 AS total, fit::float8 AS fit, engagement::float8 AS engagement, grade, tier,
            sales_ready AS "salesReady", rule_set_id AS "ruleSetId", rule_set_version AS "ruleSetVersion",
            hits, scored_at AS "scoredAt"
       FROM lead_scores WHERE lead_id = $1`,
    [leadId],
  );
  const row = rows[0] as (StoredScore & { scoredAt: Date }) | undefined;
  return row ? { ...row, scoredAt: row.scoredAt.toISOString() } : undefined;
}

/** Saves a lead's current score and appends it to the lead's score history. */
export async function saveScore(
  db: Queryable,
  leadId: string,
  ruleSet: RuleSet,
  score: LeadScore,
  scoredAt: string,
): Promise<void> {
  const values = [
    leadId,
    score.total,
    score.fit,
    score.engagement,
    score.grade,
    score.tier,
    score.salesReady,
    ruleSet.id,
    ruleSet.version,
    JSON.stringify(score.hits),
    scoredAt,
  ];
  await db.query(
    `INSERT INTO lead_scores (lead_id, total, fit, engagement, grade, tier, sales_ready,
                              rule_set_id, rule_set_version, hits, scored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
     ON CONFLICT (lead_id) DO UPDATE SET
       total = EXCLUDED.total, fit = EXCLUDED.fit, engagement = EXCLUDED.engagement,
       grade = EXCLUDED.grade, tier = EXCLUDED.tier, sales_ready = EXCLUDED.sales_ready,
       rule_set_id = EXCLUDED.rule_set_id, rule_set_version = EXCLUDED.rule_set_version,
       hits = EXCLUDED.hits, scored_at = EXCLUDED.scored_at`,
    values,
  );
  await db.query(
    `INSERT INTO score_history (lead_id, total, fit, engagement, grade, tier, sales_ready,
                                rule_set_id, rule_set_version, hits, scored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)`,
    values,
  );
}

/** The score a lead had at an instant: the last one computed at or before it. */
export async function scoreAt(db: Queryable, leadId: string, at: Date): Promise<StoredScore | undefined> {
  const { rows } = await db.query(
    `SELECT total::float8 AS total, fit::float8 AS fit, engagement::float8 AS engagement, grade, tier,
            sales_ready AS "salesReady", rule_set_id AS "ruleSetId", rule_set_version AS "ruleSetVersion",
            hits, scored_at AS "scoredAt"
       FROM score_history WHERE lead_id = $1 AND scored_at <= $2 ORDER BY scored_at DESC, id DESC LIMIT 1`,
    [leadId, at],
  );
  const row = rows[0] as (StoredScore & { scoredAt: Date }) | undefined;
  return row ? { ...row, scoredAt: row.scoredAt.toISOString() } : undefined;
}

export async function setStage(
  db: Queryable,
  leadId: string,
  stage: string,
  options: { resetEngagementAt?: string; returnedToNurtureAt?: string } = {},
): Promise<void> {
  await db.query(
    `UPDATE leads SET stage = $2, engagement_reset_at = COALESCE($3, engagement_reset_at),
                      returned_to_nurture_at = COALESCE($4, returned_to_nurture_at), updated_at = now()
      WHERE id = $1`,
    [leadId, stage, options.resetEngagementAt ?? null, options.returnedToNurtureAt ?? null],
  );
}

export async function findLead(db: Queryable, leadId: string): Promise<LeadRow | undefined> {
  const { rows } = await db.query(
    `SELECT id, email, account_id AS "accountId", profile, stage,
            engagement_reset_at AS "engagementResetAt", returned_to_nurture_at AS "returnedToNurtureAt" FROM leads WHERE id = $1`,
    [leadId],
  );
  return rows[0] as LeadRow | undefined;
}

/** The lead may become sales-ready again (after it was recycled or disqualified). */
export async function clearSalesReady(db: Queryable, leadId: string): Promise<void> {
  await db.query('UPDATE lead_scores SET sales_ready = false WHERE lead_id = $1', [leadId]);
}
