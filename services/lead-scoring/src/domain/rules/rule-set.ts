import { z } from 'zod';
import { PriorityTier } from '@handoff/contracts';
import { ConditionSchema, fieldsOf, type Condition } from './condition.js';
import { factsIn, unknownFacts, type FactScope } from './facts.js';

/** Points are whole hundredths, so an explanation's shown numbers add up to its totals exactly. */
const Points = z
  .number()
  .min(-1000)
  .max(1000)
  .refine(
    (p) => Math.abs(Math.round(p * 100) - p * 100) < 1e-6,
    'points are counted in hundredths (at most 2 decimals)',
  );

const RuleId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash or underscore');

/** Points for who the lead is: a condition over `lead.*` and `account.*`. */
export const FitRule = z
  .object({
    id: RuleId,
    description: z.string().max(500).optional(),
    when: ConditionSchema,
    points: Points,
  })
  .strict();

/** How often one rule may score for one lead. */
export const RepeatPolicy = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('every') }).strict(),
  z.object({ kind: z.literal('once') }).strict(),
  z.object({ kind: z.literal('per_days'), days: z.number().int().min(1).max(365) }).strict(),
]);
export type RepeatPolicy = z.infer<typeof RepeatPolicy>;

/** Points for what the lead does: activity types, optionally a condition over `activity.*` and `lead.*`. */
export const EngagementRule = z
  .object({
    id: RuleId,
    description: z.string().max(500).optional(),
    activityTypes: z.array(z.string().min(1).max(100)).min(1).max(50),
    when: ConditionSchema.optional(),
    points: Points.refine((p) => p !== 0, 'points must not be 0'),
    repeat: RepeatPolicy.default({ kind: 'every' }),
    /** At most this many points (in absolute value) from this rule, over a rolling window of `perDays` or ever. */
    cap: z
      .object({
        points: z.number().int().positive().max(100000),
        perDays: z.number().int().min(1).max(3650).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type EngagementRule = z.infer<typeof EngagementRule>;

/** Everything a rule-set version decides. Published versions never change. */
export const RuleSetDefinition = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    fit: z
      .object({
        rules: z.array(FitRule).max(200),
        /** Fit points needed for grades A, B and C; below C is D. */
        grades: z.object({ A: z.number(), B: z.number(), C: z.number() }).strict(),
      })
      .strict(),
    engagement: z
      .object({
        /** Engagement points halve every this many days; null: no decay. */
        halfLifeDays: z.number().positive().max(3650).nullable(),
        rules: z.array(EngagementRule).max(500),
      })
      .strict(),
    /** Activity types that show a buyer raised a hand (e.g. a demo request). */
    handRaises: z.array(z.string().min(1).max(100)).max(50).default([]),
    /** How long a hand raise counts for `handRaise` in conditions. */
    handRaiseDays: z.number().int().min(1).max(3650).default(90),
    /** When a lead is sales-ready: a condition over `score.*` (fit, engagement, total, grade, tier), `lead.*`, `account.*` and `handRaise`. */
    mql: ConditionSchema,
    /** First matching tier wins; none matching is tier C. */
    tiers: z
      .array(z.object({ tier: PriorityTier, when: ConditionSchema }).strict())
      .max(20)
      .default([]),
    /** What happens to engagement when a lead is recycled or disqualified. */
    onReturnToNurture: z.enum(['reset', 'keep']).default('reset'),
    account: z
      .object({
        /** Buying roles count as engaged if a lead in that role had activity within this many days. */
        recentDays: z.number().int().min(1).max(365).default(30),
        /** A customer account with no activity for this many days is dormant. */
        dormantAfterDays: z.number().int().min(1).max(3650).default(180),
      })
      .strict()
      .default({ recentDays: 30, dormantAfterDays: 180 }),
  })
  .strict()
  .superRefine((rules, ctx) => {
    const { A, B, C } = rules.fit.grades;
    if (!(A >= B && B >= C)) {
      ctx.addIssue({ code: 'custom', path: ['fit', 'grades'], message: 'grade cut-offs must satisfy A ≥ B ≥ C' });
    }
    const seen = new Map<string, string>();
    const check = (id: string, path: Array<string | number>) => {
      const first = seen.get(id);
      if (first) ctx.addIssue({ code: 'custom', path, message: `rule id ${id} is already used at ${first}` });
      else seen.set(id, path.join('.'));
    };
    rules.fit.rules.forEach((r, i) => check(r.id, ['fit', 'rules', i, 'id']));
    rules.engagement.rules.forEach((r, i) => check(r.id, ['engagement', 'rules', i, 'id']));
  });
export type RuleSetDefinition = z.output<typeof RuleSetDefinition>;

/**
 * A definition as an author sends it: also every fact a condition names must be one scoring knows there
 * (stored versions are read with RuleSetDefinition, so a version saved before this check still loads).
 */
export const RuleSetInput = RuleSetDefinition.superRefine((rules, ctx) => {
  const check = (condition: Condition, scope: FactScope, rule: string, path: Array<string | number>) => {
    for (const unknown of unknownFacts(condition, scope, path)) {
      ctx.addIssue({
        code: 'custom',
        path: unknown.path,
        message: `${rule} reads ${unknown.field}, which is no fact: it can read ${factsIn(scope)}`,
      });
    }
  };
  rules.fit.rules.forEach((r, i) => check(r.when, 'fit', `rule ${r.id}`, ['fit', 'rules', i, 'when']));
  rules.engagement.rules.forEach((r, i) => {
    if (r.when) check(r.when, 'engagement', `rule ${r.id}`, ['engagement', 'rules', i, 'when']);
  });
  check(rules.mql, 'mql', 'the MQL condition', ['mql']);
  rules.tiers.forEach((t, i) => check(t.when, 'mql', `tier ${t.tier}`, ['tiers', i, 'when']));
});

/** Whether any rule of the definition reads account signals (they cost a query per scoring). */
export function readsAccount(definition: RuleSetDefinition): boolean {
  const conditions = [
    ...definition.fit.rules.map((r) => r.when),
    ...definition.engagement.rules.flatMap((r) => (r.when ? [r.when] : [])),
    definition.mql,
    ...definition.tiers.map((t) => t.when),
  ];
  return conditions.some((c) => fieldsOf(c).some((f) => f === 'account' || f.startsWith('account.')));
}

/** A rule-set version: its definition plus identity. */
export interface RuleSet {
  id: string;
  version: number;
  definition: RuleSetDefinition;
}
