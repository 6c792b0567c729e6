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

/** A lead as scoring locks it: with its latest activity (used for the account's signals). */
export interface LockedLead extends LeadRow {
  lastActivityAt: Date | null;
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

export interface StoredScore extends LeadScore {
  ruleSetId: string;
  ruleSetVersion: number;
  scoredAt: string;
}

// lead_scores and score_history share these columns (the hits live in the history only).
const SCORE_COLUMNS = `total::float8 AS total, fit::float8 AS fit, engagement::float8 AS engagement, grade, tier,
  sales_ready AS "salesReady", rule_set_id AS "ruleSetId", rule_set_version AS "ruleSetVersion",
  scored_at AS "scoredAt"`;

function storedScore(row: (StoredScore & { scoredAt: Date }) | undefined): StoredScore | undefined {
  return row ? { ...row, scoredAt: row.scoredAt.toISOString() } : undefined;
}

/** A lead's current score, with the hits of its latest history entry. */
export async function currentScore(db: Queryable, leadId: string): Promise<StoredScore | undefined> {
  const { rows } = await db.query(
    `SELECT ${SCORE_COLUMNS}, hits FROM (
       SELECT s.*, h.hits FROM lead_scores s
        CROSS JOIN LATERAL (SELECT hits FROM score_history
                             WHERE lead_id = s.lead_id ORDER BY scored_at DESC, id DESC LIMIT 1) h
        WHERE s.lead_id = $1) current`,
    [leadId],
  );
  return storedScore(rows[0]);
}

/** The score a lead had at an instant: the last one computed at or before it. */
export async function scoreAt(db: Queryable, leadId: string, at: Date): Promise<StoredScore | undefined> {
  const { rows } = await db.query(
    `SELECT ${SCORE_COLUMNS}, hits FROM score_history
      WHERE lead_id = $1 AND scored_at <= $2 ORDER BY scored_at DESC, id DESC LIMIT 1`,
    [leadId, at],
  );
  return storedScore(rows[0]);
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

const LEAD_COLUMNS = `l.id, l.email, l.account_id AS "accountId", l.profile, l.stage,
  l.engagement_reset_at AS "engagementResetAt", l.returned_to_nurture_at AS "returnedToNurtureAt"`;

export interface NewLead {
  id: string;
  email?: string | undefined;
  accountId?: string | undefined;
  profile: Partial<LeadProfile>;
}

export interface NewActivity {
  id: string;
  leadId: string;
  type: string;
  occurredAt: string;
  source?: string | undefined;
  campaign?: string | undefined;
  properties: Record<string, unknown>;
}

/**
 * Stores a batch of activities in one statement: the accounts and leads they
 * name that do not exist yet (existing ones are left as they are), then each
 * activity once. Returns the ids of the activities that were new.
 */
export async function insertActivities(
  db: Queryable,
  batch: { accounts: Array<{ id: string; domain?: string | undefined }>; leads: NewLead[]; activities: NewActivity[] },
): Promise<Set<string>> {
  if (batch.activities.length === 0) return new Set();
  // Accounts in id order, so concurrent batches creating the same ones take them alike.
  const accounts = [...batch.accounts].sort((a, b) => (a.id < b.id ? -1 : 1));
  const { leads, activities } = batch;
  const { rows } = await db.query<{ id: string }>(
    `WITH new_accounts AS (
       INSERT INTO accounts (id, domain) SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT (id) DO NOTHING
     ), new_leads AS (
       INSERT INTO leads (id, email, account_id, profile)
       SELECT * FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::jsonb[]) ON CONFLICT (id) DO NOTHING
     )
     INSERT INTO activities (id, lead_id, type, occurred_at, source, campaign, properties)
     SELECT * FROM unnest($7::uuid[], $8::uuid[], $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::jsonb[])
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      accounts.map((a) => a.id),
      accounts.map((a) => a.domain ?? null),
      leads.map((l) => l.id),
      leads.map((l) => l.email ?? null),
      leads.map((l) => l.accountId ?? null),
      leads.map((l) => JSON.stringify({ ...l.profile, ...(l.email ? { email: l.email } : {}) })),
      activities.map((a) => a.id),
      activities.map((a) => a.leadId),
      activities.map((a) => a.type),
      activities.map((a) => a.occurredAt),
      activities.map((a) => a.source ?? null),
      activities.map((a) => a.campaign ?? null),
      activities.map((a) => JSON.stringify(a.properties)),
    ],
  );
  return new Set(rows.map((r) => r.id));
}

/** Leads with their current scores, locked in id order (one query). */
export async function lockLeadsWithScores(
  db: Queryable,
  leadIds: string[],
): Promise<Map<string, { lead: LockedLead; score: StoredScore | undefined }>> {
  const { rows } = await db.query(
    `SELECT ${LEAD_COLUMNS}, l.last_activity_at AS "lastActivityAt",
            s.total::float8 AS "sTotal", s.fit::float8 AS "sFit", s.engagement::float8 AS "sEngagement",
            s.grade AS "sGrade", s.tier AS "sTier", s.sales_ready AS "sSalesReady", s.rule_set_id AS "sRuleSetId",
            s.rule_set_version AS "sRuleSetVersion", s.scored_at AS "sScoredAt"
       FROM leads l LEFT JOIN lead_scores s ON s.lead_id = l.id
      WHERE l.id = ANY($1::uuid[]) ORDER BY l.id FOR UPDATE OF l`,
    [leadIds],
  );
  const result = new Map<string, { lead: LockedLead; score: StoredScore | undefined }>();
  for (const r of rows as Array<Record<string, unknown>>) {
    const lead = {
      id: r.id,
      email: r.email,
      accountId: r.accountId,
      profile: r.profile,
      stage: r.stage,
      engagementResetAt: r.engagementResetAt,
      returnedToNurtureAt: r.returnedToNurtureAt,
      lastActivityAt: r.lastActivityAt,
    } as LockedLead;
    const score =
      r.sScoredAt === null
        ? undefined
        : ({
            total: r.sTotal,
            fit: r.sFit,
            engagement: r.sEngagement,
            grade: r.sGrade,
            tier: r.sTier,
            salesReady: r.sSalesReady,
            ruleSetId: r.sRuleSetId,
            ruleSetVersion: r.sRuleSetVersion,
            hits: [],
            scoredAt: (r.sScoredAt as Date).toISOString(),
          } as StoredScore);
    result.set(lead.id, { lead, score });
  }
  return result;
}

/** Every activity of these leads, oldest first, by lead (one query). */
export async function activitiesOfLeads(db: Queryable, leadIds: string[]): Promise<Map<string, ActivityFact[]>> {
  const { rows } = await db.query<ActivityFact & { leadId: string }>(
    `SELECT lead_id AS "leadId", id, type, properties,
            to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt"
       FROM activities WHERE lead_id = ANY($1::uuid[]) ORDER BY occurred_at, id`,
    [leadIds],
  );
  const result = new Map<string, ActivityFact[]>(leadIds.map((id) => [id, []]));
  for (const { leadId, ...activity } of rows) result.get(leadId)?.push(activity);
  return result;
}

/** What one rescore of many leads writes. */
export interface ScoringWrites {
  scores: Array<{ leadId: string; score: LeadScore; scoredAt: string }>;
  /** Leads that move to a new stage. */
  stages: Map<string, string>;
  /** When leads last did something (never moved back). */
  lastActivity: Map<string, Date>;
}

/**
 * Saves many leads' scores, appends them with their hits to their histories,
 * and moves the leads' stages and latest activity, in one statement. The
 * caller holds the leads' locks.
 */
export async function saveScoring(db: Queryable, ruleSet: RuleSet, writes: ScoringWrites): Promise<void> {
  const { scores, stages, lastActivity } = writes;
  if (scores.length === 0 && stages.size === 0 && lastActivity.size === 0) return;
  const leadIds = [...new Set([...stages.keys(), ...lastActivity.keys()])];
  await db.query(
    `WITH u AS (
       SELECT * FROM unnest($1::uuid[], $2::numeric[], $3::numeric[], $4::numeric[], $5::text[], $6::text[],
                            $7::boolean[], $8::jsonb[], $9::timestamptz[])
         AS u(lead_id, total, fit, engagement, grade, tier, sales_ready, hits, scored_at)
     ), saved AS (
       INSERT INTO lead_scores (lead_id, total, fit, engagement, grade, tier, sales_ready,
                                rule_set_id, rule_set_version, scored_at)
       SELECT lead_id, total, fit, engagement, grade, tier, sales_ready, $10, $11, scored_at FROM u
       ON CONFLICT (lead_id) DO UPDATE SET
         total = EXCLUDED.total, fit = EXCLUDED.fit, engagement = EXCLUDED.engagement,
         grade = EXCLUDED.grade, tier = EXCLUDED.tier, sales_ready = EXCLUDED.sales_ready,
         rule_set_id = EXCLUDED.rule_set_id, rule_set_version = EXCLUDED.rule_set_version,
         scored_at = EXCLUDED.scored_at
       RETURNING 1
     ), moved AS (
       UPDATE leads l SET stage = COALESCE(m.stage, l.stage),
                          last_activity_at = GREATEST(l.last_activity_at, m.at),
                          updated_at = CASE WHEN m.stage IS NULL THEN l.updated_at ELSE now() END
         FROM unnest($12::uuid[], $13::text[], $14::timestamptz[]) AS m(id, stage, at)
        WHERE l.id = m.id
       RETURNING 1
     )
     INSERT INTO score_history (lead_id, total, fit, engagement, grade, tier, sales_ready,
                                rule_set_id, rule_set_version, hits, scored_at)
     SELECT lead_id, total, fit, engagement, grade, tier, sales_ready, $10, $11, hits, scored_at FROM u`,
    [
      scores.map((s) => s.leadId),
      scores.map((s) => s.score.total),
      scores.map((s) => s.score.fit),
      scores.map((s) => s.score.engagement),
      scores.map((s) => s.score.grade),
      scores.map((s) => s.score.tier),
      scores.map((s) => s.score.salesReady),
      scores.map((s) => JSON.stringify(s.score.hits)),
      scores.map((s) => s.scoredAt),
      ruleSet.id,
      ruleSet.version,
      leadIds,
      leadIds.map((id) => stages.get(id) ?? null),
      leadIds.map((id) => lastActivity.get(id) ?? null),
    ],
  );
}
