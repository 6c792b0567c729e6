import { scoreLead, type ActivityFact } from './rules/engine.js';
import type { RuleSet } from './rules/rule-set.js';

/** One lead's history as a backtest replays it. */
export interface LeadHistory {
  id: string;
  email: string | null;
  profile: Record<string, unknown>;
  activities: ActivityFact[];
  /** When the lead went back to nurture (recycled or disqualified): engagement may restart there. */
  returnedToNurtureAt: string[];
  /** Every time it became an SQL, and every win. */
  qualifiedAt: string[];
  wonAt: string[];
}

export interface BacktestSide {
  ruleSetId: string;
  version: number;
  mqls: number;
  /** Of the leads it made MQL, how many later became SQL / were won. */
  becameSql: number;
  won: number;
  precisionSql: number | null;
  precisionWon: number | null;
  /** Leads that qualified in the period, and how many of them this version never made MQL before they did. */
  qualified: number;
  missed: number;
  recall: number | null;
}

export interface BacktestReport {
  from: string;
  to: string;
  leads: number;
  baseline: BacktestSide;
  candidate: BacktestSide;
  /** MQLs per week (Monday, UTC) under each version: the SDR team's load. */
  weeks: Array<{
    weekStart: string;
    baseline: number;
    candidate: number;
    baselinePerSdr?: number;
    candidatePerSdr?: number;
  }>;
  /** Leads whose MQL outcome differs between the versions (a sample). */
  changed: Array<{
    leadId: string;
    email: string | null;
    baselineMqlAt: string | null;
    candidateMqlAt: string | null;
    outcome: string;
  }>;
  changedCount: number;
}

const WEEK_MS = 7 * 86_400_000;

function weekStart(at: number): number {
  const day = new Date(at);
  const monday =
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) - ((day.getUTCDay() + 6) % 7) * 86_400_000;
  return monday;
}

/**
 * When a version would have made the lead an MQL within [from, to): the
 * instants it crossed its MQL condition. Engagement only decays between
 * activities, so a crossing can only happen at an activity; a lead stays
 * sales-ready until it goes back to nurture, so each nurture period crosses once.
 */
export function mqlCrossings(
  ruleSet: RuleSet,
  lead: LeadHistory,
  from: number,
  to: number,
): { crossings: number[]; readyAtFrom: boolean } {
  const reset = ruleSet.definition.onReturnToNurture === 'reset';
  const returns = lead.returnedToNurtureAt.map((t) => Date.parse(t)).sort((a, b) => a - b);
  const activities = [...lead.activities].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  const crossings: number[] = [];
  let salesReady = false;
  let readyAtFrom: boolean | undefined;
  let returnIndex = 0;
  let countFrom: number | undefined;
  const returnsUpTo = (at: number) => {
    while (returnIndex < returns.length && returns[returnIndex]! <= at) {
      salesReady = false;
      if (reset) countFrom = returns[returnIndex];
      returnIndex += 1;
    }
  };
  for (let i = 0; i < activities.length; i++) {
    const at = Date.parse(activities[i]!.occurredAt);
    if (at >= to) break;
    if (at >= from && readyAtFrom === undefined) {
      returnsUpTo(from);
      readyAtFrom = salesReady;
    }
    returnsUpTo(at);
    if (salesReady) continue;
    const score = scoreLead(ruleSet, {
      lead: lead.profile,
      activities: activities.slice(0, i + 1),
      now: new Date(at),
      countFrom: countFrom === undefined ? undefined : new Date(countFrom),
    });
    if (score.salesReady) {
      salesReady = true;
      if (at >= from) crossings.push(at);
    }
  }
  if (readyAtFrom === undefined) {
    returnsUpTo(from);
    readyAtFrom = salesReady;
  }
  return { crossings, readyAtFrom };
}

const ratio = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 1000);

function side(
  ruleSet: RuleSet,
  leads: LeadHistory[],
  firstMql: Map<string, number>,
  readyAtFrom: Set<string>,
  crossings: number,
  from: number,
  to: number,
): BacktestSide {
  let becameSql = 0;
  let won = 0;
  let qualified = 0;
  let missed = 0;
  for (const lead of leads) {
    const mqlAt = firstMql.get(lead.id);
    const qualifications = lead.qualifiedAt.map((t) => Date.parse(t));
    if (mqlAt !== undefined) {
      if (qualifications.some((t) => t >= mqlAt)) becameSql += 1;
      if (lead.wonAt.some((t) => Date.parse(t) >= mqlAt)) won += 1;
    }
    const qualifiedInWindow = qualifications.find((t) => t >= from && t < to);
    if (qualifiedInWindow !== undefined) {
      qualified += 1;
      // Caught if the version had it sales-ready when the window opened, or made it MQL by then.
      const caught = readyAtFrom.has(lead.id) || (mqlAt !== undefined && mqlAt <= qualifiedInWindow);
      if (!caught) missed += 1;
    }
  }
  const mqlLeads = firstMql.size;
  return {
    ruleSetId: ruleSet.id,
    version: ruleSet.version,
    mqls: crossings,
    becameSql,
    won,
    precisionSql: ratio(becameSql, mqlLeads),
    precisionWon: ratio(won, mqlLeads),
    qualified,
    missed,
    recall: ratio(qualified - missed, qualified),
  };
}

/**
 * Replays history under a candidate version and a baseline (usually the
 * active one) over [from, to): how many MQLs each would have made, how many
 * of those became SQL or won, how many qualified leads each would have
 * missed, the weekly load, and which leads change.
 */
export function backtest(input: {
  candidate: RuleSet;
  baseline: RuleSet;
  leads: LeadHistory[];
  from: Date;
  to: Date;
  sdrs?: number | undefined;
  sampleSize?: number;
}): BacktestReport {
  const from = input.from.getTime();
  const to = input.to.getTime();
  const runs = (['baseline', 'candidate'] as const).map((which) => {
    const ruleSet = input[which];
    const first = new Map<string, number>();
    const ready = new Set<string>();
    const all: number[] = [];
    for (const lead of input.leads) {
      const { crossings, readyAtFrom } = mqlCrossings(ruleSet, lead, from, to);
      if (crossings.length > 0) first.set(lead.id, crossings[0]!);
      if (readyAtFrom) ready.add(lead.id);
      all.push(...crossings);
    }
    return { ruleSet, first, ready, all };
  });
  const [baseline, candidate] = runs as [(typeof runs)[number], (typeof runs)[number]];

  const weeks: BacktestReport['weeks'] = [];
  for (let week = weekStart(from); week < to; week += WEEK_MS) {
    const count = (all: number[]) => all.filter((t) => t >= week && t < week + WEEK_MS).length;
    const b = count(baseline.all);
    const c = count(candidate.all);
    weeks.push({
      weekStart: new Date(week).toISOString().slice(0, 10),
      baseline: b,
      candidate: c,
      ...(input.sdrs ? { baselinePerSdr: ratio(b, input.sdrs)!, candidatePerSdr: ratio(c, input.sdrs)! } : {}),
    });
  }

  const changed = input.leads
    .filter((lead) => baseline.first.has(lead.id) !== candidate.first.has(lead.id))
    .map((lead) => {
      const at = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
      return {
        leadId: lead.id,
        email: lead.email,
        baselineMqlAt: at(baseline.first.get(lead.id)),
        candidateMqlAt: at(candidate.first.get(lead.id)),
        outcome: lead.wonAt.length > 0 ? 'won' : lead.qualifiedAt.length > 0 ? 'sql' : 'none',
      };
    })
    .sort((a, b) => (a.outcome === b.outcome ? 0 : a.outcome === 'none' ? 1 : -1));

  return {
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    leads: input.leads.length,
    baseline: side(baseline.ruleSet, input.leads, baseline.first, baseline.ready, baseline.all.length, from, to),
    candidate: side(candidate.ruleSet, input.leads, candidate.first, candidate.ready, candidate.all.length, from, to),
    weeks,
    changed: changed.slice(0, input.sampleSize ?? 50),
    changedCount: changed.length,
  };
}
