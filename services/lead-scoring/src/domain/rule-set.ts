import type { FitGrade, LeadProfile, PriorityTier } from '@handoff/contracts';

/** A fit rule: points when a profile attribute matches. */
export interface FitRule {
  id: string;
  field: 'title' | 'seniority' | 'companySize' | 'industry' | 'country' | 'buyingRole' | 'source';
  /** Case-insensitive pattern for text fields; for companySize, the minimum size. */
  matches: string | number;
  points: number;
}

/** Scoring rules of one version. The full rules language (conditions, repeat policies, decay) comes with rule-set authoring. */
export interface RuleSet {
  id: string;
  version: number;
  fitRules: FitRule[];
  /** Points per activity type; negative types lower engagement. */
  engagementPoints: Record<string, number>;
  /** Fit points needed for grades A, B and C; below C is D. */
  gradeCutoffs: { A: number; B: number; C: number };
  /** Engagement at or above which a lead is sales-ready (MQL). */
  mqlEngagement: number;
  /** Activity types that make a lead sales-ready at once: the buyer raised a hand. */
  handRaises: string[];
}

/** The built-in rule set a fresh install scores with. */
export const DEFAULT_RULE_SET: RuleSet = {
  id: 'default',
  version: 1,
  fitRules: [
    {
      id: 'fit.exec-title',
      field: 'title',
      matches: '\\b(chief|ceo|cto|cfo|coo|cmo|vp|vice president|head)\\b',
      points: 25,
    },
    { id: 'fit.manager-title', field: 'title', matches: '\\b(director|manager|lead)\\b', points: 15 },
    { id: 'fit.decision-maker', field: 'buyingRole', matches: '^decision_maker$', points: 15 },
    { id: 'fit.mid-market', field: 'companySize', matches: 200, points: 10 },
    { id: 'fit.enterprise', field: 'companySize', matches: 1000, points: 10 },
  ],
  engagementPoints: {
    page_view: 2,
    pricing_page_view: 10,
    content_download: 8,
    webinar_attended: 10,
    email_open: 1,
    email_click: 3,
    email_reply: 15,
    form_submit: 5,
    demo_request: 30,
    contact_sales: 30,
    unsubscribe: -20,
    email_bounced: -15,
    careers_page_view: -5,
  },
  gradeCutoffs: { A: 40, B: 25, C: 10 },
  mqlEngagement: 60,
  handRaises: ['demo_request', 'contact_sales'],
};

/** One rule's contribution to a score, traced to its cause. */
export interface ScoreHit {
  ruleId: string;
  kind: 'fit' | 'engagement';
  points: number;
  activityId?: string;
  activityType?: string;
  occurredAt?: string;
}

/** An activity as scoring needs it. */
export interface ScoredActivity {
  id: string;
  type: string;
  occurredAt: string;
}

export interface LeadScore {
  fit: number;
  engagement: number;
  total: number;
  grade: FitGrade;
  tier: PriorityTier;
  salesReady: boolean;
  /** Why it is sales-ready, when it is. */
  reason?: { kind: 'threshold' | 'hand_raise'; detail: string };
  hits: ScoreHit[];
}

function fitMatches(rule: FitRule, profile: LeadProfile): boolean {
  const value = profile[rule.field];
  if (value === undefined || value === null) return false;
  if (rule.field === 'companySize') return typeof value === 'number' && value >= Number(rule.matches);
  return new RegExp(String(rule.matches), 'i').test(String(value));
}

function gradeOf(fit: number, cutoffs: RuleSet['gradeCutoffs']): FitGrade {
  if (fit >= cutoffs.A) return 'A';
  if (fit >= cutoffs.B) return 'B';
  if (fit >= cutoffs.C) return 'C';
  return 'D';
}

/**
 * Scores a lead: fit from its profile, engagement from its activities since
 * `countFrom`; every point is a hit traced to its rule and activity.
 */
export function scoreLead(
  ruleSet: RuleSet,
  profile: LeadProfile,
  activities: ScoredActivity[],
  options: { countFrom?: string | undefined } = {},
): LeadScore {
  const hits: ScoreHit[] = [];
  for (const rule of ruleSet.fitRules) {
    if (fitMatches(rule, profile)) hits.push({ ruleId: rule.id, kind: 'fit', points: rule.points });
  }
  const countFrom = options.countFrom ? Date.parse(options.countFrom) : -Infinity;
  let handRaise: ScoredActivity | undefined;
  for (const activity of activities) {
    if (Date.parse(activity.occurredAt) < countFrom) continue;
    const points = ruleSet.engagementPoints[activity.type];
    if (points !== undefined && points !== 0) {
      hits.push({
        ruleId: `engagement.${activity.type}`,
        kind: 'engagement',
        points,
        activityId: activity.id,
        activityType: activity.type,
        occurredAt: activity.occurredAt,
      });
    }
    if (!handRaise && ruleSet.handRaises.includes(activity.type)) handRaise = activity;
  }
  const fit = hits.filter((h) => h.kind === 'fit').reduce((sum, h) => sum + h.points, 0);
  const engagement = Math.max(
    0,
    hits.filter((h) => h.kind === 'engagement').reduce((sum, h) => sum + h.points, 0),
  );
  const grade = gradeOf(fit, ruleSet.gradeCutoffs);
  const reason = handRaise
    ? { kind: 'hand_raise' as const, detail: `${handRaise.type} at ${handRaise.occurredAt}` }
    : engagement >= ruleSet.mqlEngagement
      ? { kind: 'threshold' as const, detail: `engagement ${engagement} ≥ ${ruleSet.mqlEngagement}` }
      : undefined;
  const tier: PriorityTier = handRaise ? 'A' : reason && (grade === 'A' || grade === 'B') ? 'B' : 'C';
  return {
    fit,
    engagement,
    total: fit + engagement,
    grade,
    tier,
    salesReady: reason !== undefined,
    ...(reason ? { reason } : {}),
    hits,
  };
}
