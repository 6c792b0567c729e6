import { LeadScorer, type ActivityFact } from './rules/engine.js';
import type { RuleSet } from './rules/rule-set.js';

/** One lead's history as a backtest replays it. */
export interface LeadHistory {
  id: string;
  email: string | null;
  profile: Record<string, unknown>;
  /** Its activities, with their time in epoch milliseconds where the loader had it. */
  activities: Array<ActivityFact & { at?: number }>;
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
  const activities = lead.activities
    .map((activity) => ({ activity, at: activity.at ?? Date.parse(activity.occurredAt) }))
    .sort((a, b) => a.at - b.at || (a.activity.id < b.activity.id ? -1 : 1));
  const crossings: number[] = [];
  let salesReady = false;
  let readyAtFrom: boolean | undefined;
  let returnIndex = 0;
  // One scorer per nurture period when engagement resets there, fed each activity once: linear in the history.
  let scorer = new LeadScorer(ruleSet, lead.profile);
  const returnsUpTo = (at: number) => {
    while (returnIndex < returns.length && returns[returnIndex]! <= at) {
      salesReady = false;
      if (reset) scorer = new LeadScorer(ruleSet, lead.profile);
      returnIndex += 1;
    }
  };
  for (const { activity, at } of activities) {
    if (at >= to) break;
    if (at >= from && readyAtFrom === undefined) {
      returnsUpTo(from);
      readyAtFrom = salesReady;
    }
    returnsUpTo(at);
    scorer.add(activity, at);
    if (salesReady) continue;
    if (scorer.salesReadyAt(at)) {
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

/** What one side (a rule-set version) has counted so far. */
interface SideTally {
  ruleSet: RuleSet;
  mqls: number;
  mqlLeads: number;
  becameSql: number;
  won: number;
  qualified: number;
  missed: number;
  /** MQLs per week, by the week's start (epoch ms). */
  perWeek: Map<number, number>;
}

function tally(ruleSet: RuleSet): SideTally {
  return { ruleSet, mqls: 0, mqlLeads: 0, becameSql: 0, won: 0, qualified: 0, missed: 0, perWeek: new Map() };
}

type ChangedLead = BacktestReport['changed'][number];

/**
 * Replays history under a candidate version and a baseline (usually the
 * active one) over [from, to): how many MQLs each would have made, how many
 * of those became SQL or won, how many qualified leads each would have
 * missed, the weekly load, and which leads change. Leads are fed one at a
 * time and only counts are kept, so a history of any size replays in
 * bounded memory.
 */
export class Backtest {
  private readonly from: number;
  private readonly to: number;
  private readonly sides: [SideTally, SideTally];
  private leads = 0;
  private changedCount = 0;
  /** The sample of changed leads: those that qualified or won first, then the rest, each in the order fed. */
  private readonly changedWithOutcome: ChangedLead[] = [];
  private readonly changedOthers: ChangedLead[] = [];
  private readonly sampleSize: number;

  constructor(
    private readonly input: {
      candidate: RuleSet;
      baseline: RuleSet;
      from: Date;
      to: Date;
      sdrs?: number | undefined;
      sampleSize?: number;
    },
  ) {
    this.from = input.from.getTime();
    this.to = input.to.getTime();
    this.sides = [tally(input.baseline), tally(input.candidate)];
    this.sampleSize = input.sampleSize ?? 50;
  }

  /** Replays one lead under both versions. */
  add(lead: LeadHistory): void {
    const { from, to } = this;
    this.leads += 1;
    const qualifications = lead.qualifiedAt.map((t) => Date.parse(t));
    const wins = lead.wonAt.map((t) => Date.parse(t));
    const qualifiedInWindow = qualifications.find((t) => t >= from && t < to);
    const firsts = this.sides.map((side) => {
      const { crossings, readyAtFrom } = mqlCrossings(side.ruleSet, lead, from, to);
      const mqlAt = crossings[0];
      side.mqls += crossings.length;
      for (const at of crossings) side.perWeek.set(weekStart(at), (side.perWeek.get(weekStart(at)) ?? 0) + 1);
      if (mqlAt !== undefined) {
        side.mqlLeads += 1;
        if (qualifications.some((t) => t >= mqlAt)) side.becameSql += 1;
        if (wins.some((t) => t >= mqlAt)) side.won += 1;
      }
      if (qualifiedInWindow !== undefined) {
        side.qualified += 1;
        // Caught if the version had it sales-ready when the window opened, or made it MQL by then.
        const caught = readyAtFrom || (mqlAt !== undefined && mqlAt <= qualifiedInWindow);
        if (!caught) side.missed += 1;
      }
      return mqlAt;
    });
    const [baselineMqlAt, candidateMqlAt] = firsts;
    if ((baselineMqlAt === undefined) === (candidateMqlAt === undefined)) return;
    this.changedCount += 1;
    const outcome = lead.wonAt.length > 0 ? 'won' : lead.qualifiedAt.length > 0 ? 'sql' : 'none';
    const sample = outcome === 'none' ? this.changedOthers : this.changedWithOutcome;
    if (sample.length >= this.sampleSize) return;
    const at = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    sample.push({
      leadId: lead.id,
      email: lead.email,
      baselineMqlAt: at(baselineMqlAt),
      candidateMqlAt: at(candidateMqlAt),
      outcome,
    });
  }

  report(): BacktestReport {
    const { from, to, input } = this;
    const [baseline, candidate] = this.sides;
    const weeks: BacktestReport['weeks'] = [];
    for (let week = weekStart(from); week < to; week += WEEK_MS) {
      const b = baseline.perWeek.get(week) ?? 0;
      const c = candidate.perWeek.get(week) ?? 0;
      weeks.push({
        weekStart: new Date(week).toISOString().slice(0, 10),
        baseline: b,
        candidate: c,
        ...(input.sdrs ? { baselinePerSdr: ratio(b, input.sdrs)!, candidatePerSdr: ratio(c, input.sdrs)! } : {}),
      });
    }
    const side = (t: SideTally): BacktestSide => ({
      ruleSetId: t.ruleSet.id,
      version: t.ruleSet.version,
      mqls: t.mqls,
      becameSql: t.becameSql,
      won: t.won,
      precisionSql: ratio(t.becameSql, t.mqlLeads),
      precisionWon: ratio(t.won, t.mqlLeads),
      qualified: t.qualified,
      missed: t.missed,
      recall: ratio(t.qualified - t.missed, t.qualified),
    });
    return {
      from: input.from.toISOString(),
      to: input.to.toISOString(),
      leads: this.leads,
      baseline: side(baseline),
      candidate: side(candidate),
      weeks,
      changed: [...this.changedWithOutcome, ...this.changedOthers].slice(0, this.sampleSize),
      changedCount: this.changedCount,
    };
  }
}

/** A backtest over histories already in memory (see Backtest). */
export function backtest(input: ConstructorParameters<typeof Backtest>[0] & { leads: LeadHistory[] }): BacktestReport {
  const run = new Backtest(input);
  for (const lead of input.leads) run.add(lead);
  return run.report();
}
