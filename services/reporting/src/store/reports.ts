import type { Queryable } from '@handoff/db';
import type { CohortCount, MoveCount } from '../domain/funnel.js';

/** What a report may be grouped by. */
export const GROUP_BY = ['source', 'campaign', 'team', 'sdr', 'tier', 'ruleSetVersion'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/**
 * The SQL of a grouping over `lead_facts f` (a closed list: never user text).
 * `sdr` is the SDR of the row itself where it has one (who touched, who owned
 * the lead when it moved), else the lead's current SDR.
 */
function dimension(groupBy: GroupBy | undefined, sdrColumn?: string): string {
  const none = (sql: string) => `coalesce(${sql}, '(none)')`;
  switch (groupBy) {
    case undefined:
      return `'all'`;
    case 'source':
      return none('f.source');
    case 'campaign':
      return none('f.campaign');
    case 'team':
      return none('f.team');
    case 'sdr':
      return none(sdrColumn ? `coalesce(${sdrColumn}, f.sdr_id)` : 'f.sdr_id');
    case 'tier':
      return none('f.tier');
    case 'ruleSetVersion':
      return none(`f.rule_set_id || ' v' || f.rule_set_version`);
  }
}

/** The join to the leads' facts, needed only to group (an ungrouped report reads one table). */
const facts = (w: Window, join = 'JOIN') => (w.groupBy ? `${join} lead_facts f USING (lead_id)` : '');

export interface Window {
  from: Date;
  to: Date;
  groupBy?: GroupBy | undefined;
}

/** Stage moves in the window by group, stage and kind: distinct leads and moves. */
export async function funnelCounts(db: Queryable, w: Window): Promise<MoveCount[]> {
  const { rows } = await db.query<MoveCount>(
    `SELECT ${dimension(w.groupBy, 'm.sdr_id')} AS "group", m.stage, m.kind, m.label,
            count(DISTINCT m.lead_id)::int AS leads, count(*)::int AS moves
       FROM stage_moves m ${facts(w)}
      WHERE m.at >= $1 AND m.at < $2
      GROUP BY 1, 2, 3, 4 ORDER BY 1`,
    [w.from, w.to],
  );
  return rows;
}

/** Time in each stage (entered forward in the window and left since): median and p90, in hours. */
export async function timeInStage(db: Queryable, w: Window) {
  const { rows } = await db.query<{
    group: string;
    stage: string;
    moves: number;
    medianHours: number;
    p90Hours: number;
  }>(
    `SELECT ${dimension(w.groupBy, 'm.sdr_id')} AS "group", m.stage, count(*)::int AS moves,
            round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM m.left_at - m.at)) / 3600)::numeric, 2)::float8 AS "medianHours",
            round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM m.left_at - m.at)) / 3600)::numeric, 2)::float8 AS "p90Hours"
       FROM stage_moves m ${facts(w)}
      WHERE m.at >= $1 AND m.at < $2 AND m.kind = 'forward' AND m.left_at IS NOT NULL
      GROUP BY 1, 2 ORDER BY 1`,
    [w.from, w.to],
  );
  return rows;
}

/** Speed to lead: MQLs of the window, how many were touched, and the time from MQL to first touch. */
export async function speedToLead(db: Queryable, w: Window) {
  const { rows } = await db.query<{
    group: string;
    mqls: number;
    touched: number;
    medianMinutes: number | null;
    p90Minutes: number | null;
  }>(
    `SELECT ${dimension(w.groupBy)} AS "group", count(*)::int AS mqls, count(f.first_touch_at)::int AS touched,
            round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.first_touch_at - f.mql_at)) / 60)::numeric, 1)::float8 AS "medianMinutes",
            round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM f.first_touch_at - f.mql_at)) / 60)::numeric, 1)::float8 AS "p90Minutes"
       FROM lead_facts f WHERE f.mql_at >= $1 AND f.mql_at < $2
      GROUP BY 1 ORDER BY 1`,
    [w.from, w.to],
  );
  return rows;
}

/** SLA verdicts of timers due in the window, by group, policy and kind. */
export async function slaCompliance(db: Queryable, w: Window) {
  const { rows } = await db.query<{
    group: string;
    policyId: string;
    kind: string;
    met: number;
    breached: number;
    open: number;
  }>(
    `SELECT ${dimension(w.groupBy, 's.sdr_id')} AS "group", s.policy_id AS "policyId", s.kind,
            count(*) FILTER (WHERE s.state = 'met')::int AS met,
            count(*) FILTER (WHERE s.state = 'breached')::int AS breached,
            count(*) FILTER (WHERE s.state = 'open')::int AS open
       FROM sla_outcomes s LEFT JOIN lead_facts f USING (lead_id)
      WHERE s.due_at >= $1 AND s.due_at < $2
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [w.from, w.to],
  );
  return rows;
}

/** SLA verdicts per ISO week of the due time (weeks start on Monday, UTC). */
export async function slaWeekly(db: Queryable, w: Window) {
  const { rows } = await db.query<{ group: string; week: string; met: number; breached: number }>(
    `SELECT ${dimension(w.groupBy, 's.sdr_id')} AS "group", to_char(date_trunc('week', s.due_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week,
            count(*) FILTER (WHERE s.state = 'met')::int AS met,
            count(*) FILTER (WHERE s.state = 'breached')::int AS breached
       FROM sla_outcomes s LEFT JOIN lead_facts f USING (lead_id)
      WHERE s.due_at >= $1 AND s.due_at < $2
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [w.from, w.to],
  );
  return rows;
}

/** The latest breaches of the window. */
export async function slaBreaches(db: Queryable, w: Window, limit = 50) {
  const { rows } = await db.query(
    `SELECT s.timer_id AS "timerId", s.lead_id AS "leadId", s.policy_id AS "policyId", s.kind,
            s.sdr_id AS "sdrId", f.team, s.due_at AS "dueAt", s.business_minutes_used AS "businessMinutesUsed"
       FROM sla_outcomes s LEFT JOIN lead_facts f USING (lead_id)
      WHERE s.state = 'breached' AND s.due_at >= $1 AND s.due_at < $2
      ORDER BY s.due_at DESC LIMIT $3`,
    [w.from, w.to, limit],
  );
  return rows;
}

/** The score band of a lead's score at MQL: tens of points, as text ("40–49"), or "unscored". */
const SCORE_BAND = `CASE WHEN f.score_at_mql IS NULL THEN 'unscored'
  ELSE (floor(f.score_at_mql / 10) * 10)::int || '–' || ((floor(f.score_at_mql / 10) * 10)::int + 9) END`;
/** Where the lead ended up (so far). */
const FINAL_OUTCOME = `CASE WHEN f.stage IN ('won', 'lost', 'disqualified', 'recycled') THEN f.stage
  WHEN f.stage IN ('sql', 'opportunity') THEN 'in_pipeline' ELSE 'open' END`;

/** Touches made in the window and their leads, by some of: group, outcome, score band, where the lead ended up. */
export async function effort(
  db: Queryable,
  w: Window,
  by: Array<'group' | 'outcome' | 'band' | 'finalOutcome'>,
  onlyFinal?: string,
) {
  const columns = {
    group: dimension(w.groupBy, 't.sdr_id'),
    outcome: 't.outcome',
    band: SCORE_BAND,
    finalOutcome: FINAL_OUTCOME,
  };
  // Touches by outcome alone need no facts: one table read.
  const needsFacts = onlyFinal !== undefined || by.some((c) => c !== 'outcome');
  const { rows } = await db.query<{
    group: string;
    outcome: string;
    band: string;
    finalOutcome: string;
    touches: number;
    leads: number;
  }>(
    `SELECT ${by.map((c) => `${columns[c]} AS "${c}"`).join(', ')},
            count(*)::int AS touches, count(DISTINCT t.lead_id)::int AS leads
       FROM touches t ${needsFacts ? 'LEFT JOIN lead_facts f USING (lead_id)' : ''}
      WHERE t.at >= $1 AND t.at < $2 ${onlyFinal ? `AND ${FINAL_OUTCOME} = $3` : ''}
      GROUP BY ${by.map((_, i) => i + 1).join(', ')}
      ORDER BY touches DESC, 1`,
    onlyFinal ? [w.from, w.to, onlyFinal] : [w.from, w.to],
  );
  return rows;
}

/**
 * MQLs of the window by rule-set version and score decile (within the version):
 * SQLs and wins. Equal scores at a decile's edge are split by lead id, so the
 * answer is the same on every read.
 */
export async function calibration(db: Queryable, w: Window) {
  const { rows } = await db.query<{
    version: string;
    decile: number;
    minScore: number;
    maxScore: number;
    leads: number;
    sqls: number;
    won: number;
  }>(
    `SELECT version, decile, min(score)::float8 AS "minScore", max(score)::float8 AS "maxScore",
            count(*)::int AS leads, count(sql_at)::int AS sqls, count(won_at)::int AS won
       FROM (SELECT coalesce(f.rule_set_id || ' v' || f.rule_set_version, '(none)') AS version, f.score_at_mql AS score,
                    f.sql_at, f.won_at,
                    ntile(10) OVER (PARTITION BY f.rule_set_id, f.rule_set_version ORDER BY f.score_at_mql, f.lead_id) AS decile
               FROM lead_facts f
              WHERE f.mql_at >= $1 AND f.mql_at < $2 AND f.score_at_mql IS NOT NULL) d
      GROUP BY version, decile ORDER BY version, decile`,
    [w.from, w.to],
  );
  return rows;
}

/** Recycles and disqualifications of the window by group, week, kind and reason. */
export async function dispositionReasons(db: Queryable, w: Window) {
  const { rows } = await db.query<{ group: string; week: string; label: string; reason: string; count: number }>(
    `SELECT ${dimension(w.groupBy, 'm.sdr_id')} AS "group", to_char(date_trunc('week', m.at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week,
            m.label, coalesce(m.reason, 'other') AS reason, count(*)::int AS count
       FROM stage_moves m ${facts(w)}
      WHERE m.at >= $1 AND m.at < $2 AND m.label IN ('recycled', 'disqualified')
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2`,
    [w.from, w.to],
  );
  return rows;
}

/** The rank of each funnel stage in `FUNNEL_STAGES` order (1 = captured … 6 = won), as SQL. */
const STAGE_RANK = `CASE m.stage WHEN 'captured' THEN 1 WHEN 'mql' THEN 2 WHEN 'working' THEN 3 WHEN 'sql' THEN 4
  WHEN 'opportunity' THEN 5 WHEN 'won' THEN 6 END`;

/**
 * The window's cohort: leads whose first forward move (into any funnel stage) is in the window, followed to
 * now, by group and the furthest funnel stage each has reached to date (its rank in `FUNNEL_STAGES`, 1-based).
 * A grouping by SDR reads the lead's current SDR: a lead is in one group.
 */
export async function funnelCohort(db: Queryable, w: Window): Promise<CohortCount[]> {
  const { rows } = await db.query<CohortCount>(
    `WITH reach AS (
       SELECT m.lead_id, min(m.at) AS entered, max(${STAGE_RANK}) AS furthest
         FROM stage_moves m
        WHERE m.kind = 'forward'
          AND m.lead_id IN (SELECT lead_id FROM stage_moves WHERE kind = 'forward' AND at >= $1 AND at < $2)
        GROUP BY m.lead_id)
     SELECT ${dimension(w.groupBy)} AS "group", r.furthest::int AS furthest, count(*)::int AS leads
       FROM reach r ${w.groupBy ? 'LEFT JOIN lead_facts f USING (lead_id)' : ''}
      WHERE r.entered >= $1 AND r.entered < $2
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [w.from, w.to],
  );
  return rows;
}

/**
 * A deal's currency as reports count it: its own, else the organisation's default (a deal the CRM sent
 * without one). Amounts are summed per currency, never across.
 */
const CURRENCY = `coalesce(d.currency, $3)`;

/**
 * Pipeline (opportunities opened in the window) and revenue (won in the window) by first- and last-touch
 * source and campaign, and currency: one row per model, source, campaign and currency.
 */
export async function attribution(db: Queryable, w: Window, defaultCurrency: string) {
  const { rows } = await db.query<{
    model: 'first_touch' | 'last_touch';
    source: string;
    campaign: string;
    currency: string;
    opportunities: number;
    pipeline: number;
    won: number;
    revenue: number;
  }>(
    `WITH d AS (
       SELECT d.opportunity_at >= $1 AND d.opportunity_at < $2 AS opened,
              d.won_at >= $1 AND d.won_at < $2 AND d.stage = 'won' AS won, coalesce(d.amount, 0) AS amount,
              ${CURRENCY} AS currency, f.source, f.campaign, f.last_source, f.last_campaign
         FROM deals d LEFT JOIN lead_facts f USING (lead_id)
        WHERE (d.opportunity_at >= $1 AND d.opportunity_at < $2) OR (d.won_at >= $1 AND d.won_at < $2))
     SELECT model, coalesce(source, '(none)') AS source, coalesce(campaign, '(none)') AS campaign, currency,
            count(*) FILTER (WHERE opened)::int AS opportunities, coalesce(sum(amount) FILTER (WHERE opened), 0)::float8 AS pipeline,
            count(*) FILTER (WHERE won)::int AS won, coalesce(sum(amount) FILTER (WHERE won), 0)::float8 AS revenue
       FROM (SELECT 'first_touch' AS model, source, campaign, currency, opened, won, amount FROM d
             UNION ALL SELECT 'last_touch', last_source, last_campaign, currency, opened, won, amount FROM d) a
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    [w.from, w.to, defaultCurrency],
  );
  return rows;
}

/** Won revenue per currency, for targets. */
export interface CurrencyTotal {
  currency: string;
  amount: number;
  /** Won deals in this currency. */
  deals: number;
}

/**
 * What happened between two instants, for plan vs actual: leads that became MQLs and SQLs, opportunities
 * opened, deals won, and won revenue per currency (deals without one in `defaultCurrency`).
 */
export async function funnelTotals(db: Queryable, from: Date, to: Date, defaultCurrency: string) {
  const [counts, revenue] = await Promise.all([
    db.query<{ mqls: number; sqls: number; opportunities: number; won: number }>(
      `SELECT (SELECT count(*) FROM lead_facts WHERE mql_at >= $1 AND mql_at < $2)::int AS mqls,
              (SELECT count(*) FROM lead_facts WHERE sql_at >= $1 AND sql_at < $2)::int AS sqls,
              (SELECT count(*) FROM deals WHERE opportunity_at >= $1 AND opportunity_at < $2)::int AS opportunities,
              (SELECT count(*) FROM deals WHERE stage = 'won' AND won_at >= $1 AND won_at < $2)::int AS won`,
      [from, to],
    ),
    db.query<CurrencyTotal>(
      `SELECT ${CURRENCY} AS currency, coalesce(sum(d.amount), 0)::float8 AS amount, count(*)::int AS deals
         FROM deals d WHERE d.stage = 'won' AND d.won_at >= $1 AND d.won_at < $2
        GROUP BY 1 ORDER BY 1`,
      [from, to, defaultCurrency],
    ),
  ]);
  return { ...counts.rows[0]!, wonRevenue: revenue.rows };
}

/**
 * The cohort of leads that became MQLs between two instants, followed to now, for the rates a target is
 * planned with: how many reached SQL, an opportunity and a win (a later stage counts for the earlier ones),
 * and their won deals' revenue per currency.
 */
export async function mqlCohort(db: Queryable, from: Date, to: Date, defaultCurrency: string) {
  const [counts, revenue] = await Promise.all([
    db.query<{ mqls: number; sqls: number; opportunities: number; won: number }>(
      `SELECT count(*)::int AS mqls,
              count(*) FILTER (WHERE f.sql_at IS NOT NULL OR f.opportunity_at IS NOT NULL OR f.won_at IS NOT NULL)::int AS sqls,
              count(*) FILTER (WHERE f.opportunity_at IS NOT NULL OR f.won_at IS NOT NULL)::int AS opportunities,
              count(*) FILTER (WHERE f.won_at IS NOT NULL)::int AS won
         FROM lead_facts f WHERE f.mql_at >= $1 AND f.mql_at < $2`,
      [from, to],
    ),
    db.query<CurrencyTotal>(
      `SELECT ${CURRENCY} AS currency, coalesce(sum(d.amount), 0)::float8 AS amount, count(*)::int AS deals
         FROM deals d JOIN lead_facts f USING (lead_id)
        WHERE d.stage = 'won' AND f.mql_at >= $1 AND f.mql_at < $2
        GROUP BY 1 ORDER BY 1`,
      [from, to, defaultCurrency],
    ),
  ]);
  return { ...counts.rows[0]!, wonRevenue: revenue.rows };
}

/** The SDRs of each team, as assignments since an instant show them. */
export async function sdrsByTeam(db: Queryable, since: Date): Promise<Record<string, string[]>> {
  const { rows } = await db.query<{ team: string; sdrs: string[] }>(
    `SELECT coalesce(team, '(none)') AS team, array_agg(DISTINCT sdr_id ORDER BY sdr_id) AS sdrs
       FROM lead_facts WHERE sdr_id IS NOT NULL AND assigned_at >= $1 GROUP BY 1`,
    [since],
  );
  return Object.fromEntries(rows.map((r) => [r.team, r.sdrs]));
}
