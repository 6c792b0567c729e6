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
  const { definition } = ruleSet;
  const now = input.now.getTime();
  const hits: ScoreHit[] = [];
  const baseFacts: Facts = { lead: input.lead, ...(input.account ? { account: input.account } : {}) };

  for (const rule of definition.fit.rules) {
    if (evaluate(rule.when, baseFacts)) {
      hits.push({ ruleId: rule.id, kind: 'fit', points: rule.points, decayedPoints: rule.points });
    }
  }

  const countFrom = input.countFrom?.getTime() ?? -Infinity;
  const activities = input.activities
    .map((a) => ({ ...a, at: Date.parse(a.occurredAt) }))
    .filter((a) => a.at >= countFrom && a.at <= now + CLOCK_SKEW_MS)
    .map((a) => ({ ...a, at: Math.min(a.at, now) }))
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  const states = new Map<string, RuleState>();
  let handRaise: (typeof activities)[number] | undefined;
  const handRaiseFrom = now - definition.handRaiseDays * DAY_MS;
  for (const activity of activities) {
    if (definition.handRaises.includes(activity.type) && activity.at >= handRaiseFrom) handRaise ??= activity;
    const facts: Facts = {
      ...baseFacts,
      activity: { type: activity.type, occurredAt: activity.occurredAt, properties: activity.properties ?? {} },
    };
    for (const rule of definition.engagement.rules) {
      if (!rule.activityTypes.includes(activity.type)) continue;
      if (rule.when && !evaluate(rule.when, facts)) continue;
      const state = states.get(rule.id) ?? { countedAt: [], countedPoints: [] };
      states.set(rule.id, state);
      const { points, capped } = allowedPoints(rule, state, activity.at);
      if (points === 0) continue;
      state.countedAt.push(activity.at);
      state.countedPoints.push(points);
      hits.push({
        ruleId: rule.id,
        kind: 'engagement',
        points,
        decayedPoints: fromCents(toCents(decayed(points, now - activity.at, definition.engagement.halfLifeDays))),
        activityId: activity.id,
        activityType: activity.type,
        occurredAt: activity.occurredAt,
        ...(capped ? { capped } : {}),
      });
    }
  }

  const sum = (kind: ScoreHit['kind']) =>
    fromCents(hits.filter((h) => h.kind === kind).reduce((cents, h) => cents + toCents(h.decayedPoints), 0));
  const fit = sum('fit');
  const engagement = sum('engagement');
  const total = fromCents(toCents(fit) + toCents(engagement));
  const grade = gradeOf(fit, definition.fit.grades);
  const facts: Facts = {
    ...baseFacts,
    score: { fit, engagement, total, grade },
    handRaise: handRaise !== undefined,
    ...(handRaise ? { handRaiseType: handRaise.type } : {}),
  };
  // The tier first, so the MQL condition may use it.
  const tier = definition.tiers.find((t) => evaluate(t.when, facts))?.tier ?? 'C';
  (facts.score as Record<string, unknown>).tier = tier;
  const salesReady = evaluate(definition.mql, facts);
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
