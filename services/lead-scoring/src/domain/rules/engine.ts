import type { FitGrade, PriorityTier } from '@handoff/contracts';
import { evaluate, type Facts } from './condition.js';
import type { EngagementRule, RuleSet } from './rule-set.js';

const DAY_MS = 86_400_000;
/** An activity stamped this far ahead of `now` (a sender's clock running fast) still counts, as of now. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** What scoring knows of a lead's account. */
export interface AccountFacts {
  engagement: number;
  /** Buying roles of the account's leads with recent activity. */
  rolesEngaged: string[];
  /** A customer silent for long, re-engaging now. */
  dormant: boolean;
  customer: boolean;
  leadCount: number;
}

/** An activity as scoring reads it. */
export interface ActivityFact {
  id: string;
  type: string;
  occurredAt: string;
  properties?: Record<string, unknown>;
}

export interface ScoringInput {
  /** The lead's profile: title, companySize, buyingRole, source… */
  lead: Record<string, unknown>;
  account?: AccountFacts | undefined;
  activities: ActivityFact[];
  now: Date;
  /** Engagement before this instant does not count (the lead was returned to nurture). */
  countFrom?: Date | undefined;
}

/** One rule's contribution, traced to its cause. `decayedPoints` is what it is worth at `now`. */
export interface ScoreHit {
  ruleId: string;
  kind: 'fit' | 'engagement';
  points: number;
  decayedPoints: number;
  activityId?: string;
  activityType?: string;
  occurredAt?: string;
  /** Why fewer points than the rule gives: its cap was reached. */
  capped?: boolean;
}

export interface LeadScore {
  fit: number;
  engagement: number;
  total: number;
  grade: FitGrade;
  tier: PriorityTier;
  salesReady: boolean;
  reason?: { kind: 'threshold' | 'hand_raise'; detail: string };
  hits: ScoreHit[];
}

/** Hundredths, so totals are sums of exactly the numbers the explanation shows. */
const toCents = (x: number) => Math.round(x * 100);
const fromCents = (c: number) => c / 100;

/** A rule's worth after `ageMs` under the half-life (none: no decay). */
export function decayed(points: number, ageMs: number, halfLifeDays: number | null): number {
  if (halfLifeDays === null || ageMs <= 0) return points;
  return points * 0.5 ** (ageMs / DAY_MS / halfLifeDays);
}

function gradeOf(fit: number, grades: { A: number; B: number; C: number }): FitGrade {
  if (fit >= grades.A) return 'A';
  if (fit >= grades.B) return 'B';
  if (fit >= grades.C) return 'C';
  return 'D';
}

interface RuleState {
  countedAt: number[];
  countedPoints: number[];
}

/** How many of a rule's points an activity at `at` may still score, under its repeat policy and cap. */
function allowedPoints(rule: EngagementRule, state: RuleState, at: number): { points: number; capped: boolean } {
  const last = state.countedAt.at(-1);
  if (rule.repeat.kind === 'once' && last !== undefined) return { points: 0, capped: false };
  if (rule.repeat.kind === 'per_days' && last !== undefined && at - last < rule.repeat.days * DAY_MS) {
    return { points: 0, capped: false };
  }
  if (!rule.cap) return { points: rule.points, capped: false };
  const windowStart = rule.cap.perDays === undefined ? -Infinity : at - rule.cap.perDays * DAY_MS;
  let used = 0;
  state.countedAt.forEach((t, i) => {
    if (t > windowStart) used += Math.abs(state.countedPoints[i]!);
  });
  const room = rule.cap.points - used;
  if (room <= 0) return { points: 0, capped: true };
  const magnitude = Math.min(Math.abs(rule.points), room);
  return { points: Math.sign(rule.points) * magnitude, capped: magnitude < Math.abs(rule.points) };
}

/**
 * Scores a lead under a rule-set version: fit from who it is, engagement from
 * what it did (repeat policies, caps, decay to `now`), then grade, the MQL
 * condition and the tier. Every point is a hit; `fit`, `engagement` and
 * `total` are exactly the sums of the hits' decayed points as shown.
 */
export function scoreLead(ruleSet: RuleSet, input: ScoringInput): LeadScore {
  const now = input.now.getTime();
  const countFrom = input.countFrom?.getTime() ?? -Infinity;
  const scorer = new LeadScorer(ruleSet, input.lead, input.account);
  input.activities
    .map((a) => ({ activity: a, at: Date.parse(a.occurredAt) }))
    .filter(({ at }) => at >= countFrom && at <= now + CLOCK_SKEW_MS)
    .map(({ activity, at }) => ({ activity, at: Math.min(at, now) }))
    .sort((a, b) => a.at - b.at || (a.activity.id < b.activity.id ? -1 : 1))
    .forEach(({ activity, at }) => scorer.add(activity, at));
  return scorer.scoreAt(now);
}

/**
 * A lead's score built up one activity at a time, in time order: each
 * activity is matched against the rules once, so replaying a history (the
 * backtest asks for the score after every activity) is linear in its length.
 * `scoreLead` is this with all the activities, so live scores and backtests
 * agree exactly.
 */
export class LeadScorer {
  private readonly definition: RuleSet['definition'];
  private readonly baseFacts: Facts;
  /** Reused by every step of a replay (nothing keeps it). */
  private readonly stepFacts: Facts;
  private readonly fitHits: ScoreHit[] = [];
  private readonly fitCents: number;
  private readonly engagementHits: Array<{ hit: Omit<ScoreHit, 'decayedPoints'>; at: number }> = [];
  private readonly states = new Map<string, RuleState>();
  private readonly handRaises: Array<{ type: string; occurredAt: string; at: number }> = [];

  constructor(
    private readonly ruleSet: RuleSet,
    lead: Record<string, unknown>,
    account?: AccountFacts,
  ) {
    this.definition = ruleSet.definition;
    this.baseFacts = { lead, ...(account ? { account } : {}) };
    this.stepFacts = { ...this.baseFacts };
    for (const rule of this.definition.fit.rules) {
      if (evaluate(rule.when, this.baseFacts)) {
        this.fitHits.push({ ruleId: rule.id, kind: 'fit', points: rule.points, decayedPoints: rule.points });
      }
    }
    this.fitCents = this.fitHits.reduce((cents, h) => cents + toCents(h.decayedPoints), 0);
  }

  /** Takes in the next activity (`at`: its time, never before the last one added). */
  add(activity: ActivityFact, at: number): void {
    const { definition } = this;
    if (definition.handRaises.includes(activity.type)) {
      this.handRaises.push({ type: activity.type, occurredAt: activity.occurredAt, at });
    }
    let facts: Facts | undefined;
    for (const rule of definition.engagement.rules) {
      if (!rule.activityTypes.includes(activity.type)) continue;
      if (rule.when) {
        facts ??= {
          ...this.baseFacts,
          activity: { type: activity.type, occurredAt: activity.occurredAt, properties: activity.properties ?? {} },
        };
        if (!evaluate(rule.when, facts)) continue;
      }
      const state = this.states.get(rule.id) ?? { countedAt: [], countedPoints: [] };
      this.states.set(rule.id, state);
      const { points, capped } = allowedPoints(rule, state, at);
      if (points === 0) continue;
      state.countedAt.push(at);
      state.countedPoints.push(points);
      this.engagementHits.push({
        at,
        hit: {
          ruleId: rule.id,
          kind: 'engagement',
          points,
          activityId: activity.id,
          activityType: activity.type,
          occurredAt: activity.occurredAt,
          ...(capped ? { capped } : {}),
        },
      });
    }
  }

  /** The score at `now` (no earlier than the last activity added): decay, grade, tier and the MQL condition. */
  scoreAt(nowDate: Date | number): LeadScore {
    return this.evaluateAt(typeof nowDate === 'number' ? nowDate : nowDate.getTime(), true);
  }

  /** Whether the lead meets the MQL condition at `now`: the score without its hits and reason (for replays). */
  salesReadyAt(now: number): boolean {
    return this.evaluateAt(now, false).salesReady;
  }

  private evaluateAt(now: number, explain: boolean): LeadScore {
    const { definition, ruleSet } = this;
    const halfLife = definition.engagement.halfLifeDays;
    const hits: ScoreHit[] = explain ? [...this.fitHits] : [];
    let engagementCents = 0;
    for (const { hit, at } of this.engagementHits) {
      const cents = toCents(decayed(hit.points, now - at, halfLife));
      engagementCents += cents;
      if (explain) {
        const { ruleId, kind, points, ...cause } = hit;
        hits.push({ ruleId, kind, points, decayedPoints: fromCents(cents), ...cause });
      }
    }
    const fit = fromCents(this.fitCents);
    const engagement = fromCents(engagementCents);
    const total = fromCents(this.fitCents + engagementCents);
    const grade = gradeOf(fit, definition.fit.grades);
    const handRaiseFrom = now - definition.handRaiseDays * DAY_MS;
    let handRaise: (typeof this.handRaises)[number] | undefined;
    for (const h of this.handRaises) {
      if (h.at >= handRaiseFrom) {
        handRaise = h;
        break;
      }
    }
    const score: Record<string, unknown> = { fit, engagement, total, grade };
    const facts: Facts = explain ? { ...this.baseFacts } : this.stepFacts;
    facts.score = score;
    facts.handRaise = handRaise !== undefined;
    if (handRaise) facts.handRaiseType = handRaise.type;
    else delete facts.handRaiseType;
    // The tier first, so the MQL condition may use it.
    let tier: PriorityTier = 'C';
    for (const t of definition.tiers) {
      if (evaluate(t.when, facts)) {
        tier = t.tier;
        break;
      }
    }
    score.tier = tier;
    const salesReady = evaluate(definition.mql, facts);
    if (!explain) return { fit, engagement, total, grade, tier, salesReady, hits };
    // A hand raise is the reason only if, without it, the condition would not hold.
    const byHandRaise =
      salesReady && handRaise !== undefined && !evaluate(definition.mql, { ...facts, handRaise: false });
    const reason = !salesReady
      ? undefined
      : byHandRaise
        ? { kind: 'hand_raise' as const, detail: `${handRaise!.type} at ${handRaise!.occurredAt}` }
        : {
            kind: 'threshold' as const,
            detail: `MQL condition of ${ruleSet.id} v${ruleSet.version} met (engagement ${engagement}, grade ${grade})`,
          };
    return { fit, engagement, total, grade, tier, salesReady, ...(reason ? { reason } : {}), hits };
  }
}
