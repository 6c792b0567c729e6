import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET } from './default-rule-set.js';
import { decayed, LeadScorer, scoreLead, type ActivityFact } from './engine.js';
import { RuleSetDefinition, readsAccount, type RuleSet } from './rule-set.js';

const now = new Date('2026-06-30T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
let n = 0;
const act = (type: string, ago = 0, properties?: Record<string, unknown>): ActivityFact => ({
  id: `a${String(++n).padStart(4, '0')}`,
  type,
  occurredAt: daysAgo(ago),
  ...(properties ? { properties } : {}),
});

function ruleSet(overrides: Partial<RuleSetDefinition> & { rules?: unknown[]; halfLifeDays?: number | null }): RuleSet {
  const { rules, halfLifeDays, ...rest } = overrides;
  return {
    id: 'test',
    version: 3,
    definition: RuleSetDefinition.parse({
      name: 'test',
      fit: { rules: [], grades: { A: 40, B: 25, C: 10 } },
      engagement: { halfLifeDays: halfLifeDays === undefined ? null : halfLifeDays, rules: rules ?? [] },
      mql: { field: 'score.engagement', op: 'gte', value: 50 },
      ...rest,
    }),
  };
}

describe('decay', () => {
  it.each([
    [10, 0, 30, 10],
    [10, 30, 30, 5],
    [10, 60, 30, 2.5],
    [-20, 30, 30, -10],
    [10, 365, null, 10],
  ])('%d points after %d days with a half-life of %s is %d', (points, days, halfLife, expected) => {
    expect(decayed(points, days * 86_400_000, halfLife)).toBeCloseTo(expected, 10);
  });
});

describe('repeat policies and caps', () => {
  const views = (count: number, everyDays = 1) =>
    Array.from({ length: count }, (_, i) => act('page_view', i * everyDays));

  it.each([
    ['every', { kind: 'every' }, undefined, 5, 50],
    ['once', { kind: 'once' }, undefined, 5, 10],
    ['at most once per 2 days (daily visits)', { kind: 'per_days', days: 2 }, undefined, 5, 30],
    ['capped at 25 ever', { kind: 'every' }, { points: 25 }, 5, 25],
    ['capped at 20 per 2 days (daily visits)', { kind: 'every' }, { points: 20, perDays: 2 }, 5, 50],
    ['capped at 15 per 7 days', { kind: 'every' }, { points: 15, perDays: 7 }, 5, 15],
  ])('%s', (_name, repeat, cap, count, expected) => {
    const rs = ruleSet({
      rules: [{ id: 'views', activityTypes: ['page_view'], points: 10, repeat, ...(cap ? { cap } : {}) }],
    });
    expect(scoreLead(rs, { lead: {}, activities: views(count), now }).engagement).toBe(expected);
  });

  it('marks a hit the cap cut short', () => {
    const rs = ruleSet({ rules: [{ id: 'views', activityTypes: ['page_view'], points: 10, cap: { points: 25 } }] });
    const hits = scoreLead(rs, { lead: {}, activities: views(3), now }).hits;
    expect(hits.map((h) => [h.points, h.capped ?? false])).toEqual([
      [10, false],
      [10, false],
      [5, true],
    ]);
  });

  it('counts only activities that match the rule’s condition on their properties', () => {
    const rs = ruleSet({
      rules: [
        {
          id: 'pricing',
          activityTypes: ['page_view'],
          when: { field: 'activity.properties.url', op: 'matches', value: '^/pricing' },
          points: 15,
        },
      ],
    });
    const score = scoreLead(rs, {
      lead: {},
      activities: [act('page_view', 0, { url: '/pricing/enterprise' }), act('page_view', 0, { url: '/blog' })],
      now,
    });
    expect(score.hits).toHaveLength(1);
    expect(score.engagement).toBe(15);
  });
});

describe('scoreLead with the default rule set', () => {
  it.each([
    [{}, 'D', 0],
    [{ title: 'VP Marketing' }, 'B', 25],
    [{ title: 'VP Sales', companySize: 1500 }, 'A', 45],
    [{ title: 'Marketing Manager', companySize: 250 }, 'B', 25],
    [{ buyingRole: 'decision_maker', title: 'Owner' }, 'C', 15],
  ])('grades %o as %s (fit %d)', (lead, grade, fit) => {
    const score = scoreLead(DEFAULT_RULE_SET, { lead, activities: [], now });
    expect([score.grade, score.fit]).toEqual([grade, fit]);
  });

  it('a recent hand raise makes a lead sales-ready, tier A; an old one does not', () => {
    const fresh = scoreLead(DEFAULT_RULE_SET, { lead: {}, activities: [act('demo_request', 2)], now });
    expect(fresh).toMatchObject({ salesReady: true, tier: 'A', reason: { kind: 'hand_raise' } });
    const stale = scoreLead(DEFAULT_RULE_SET, { lead: {}, activities: [act('demo_request', 120)], now });
    expect(stale.salesReady).toBe(false);
  });

  it('reaches the threshold through engagement, and decay takes it back below', () => {
    const recent = Array.from({ length: 6 }, () => act('pricing_page_view', 0));
    expect(scoreLead(DEFAULT_RULE_SET, { lead: {}, activities: recent, now })).toMatchObject({
      engagement: 60,
      salesReady: true,
      reason: { kind: 'threshold' },
    });
    const monthOld = Array.from({ length: 6 }, () => act('pricing_page_view', 30));
    expect(scoreLead(DEFAULT_RULE_SET, { lead: {}, activities: monthOld, now })).toMatchObject({
      engagement: 30,
      salesReady: false,
    });
  });

  it('a good fit with enough engagement is tier B; otherwise C', () => {
    const activities = Array.from({ length: 6 }, () => act('pricing_page_view', 0));
    expect(scoreLead(DEFAULT_RULE_SET, { lead: { title: 'CTO' }, activities, now }).tier).toBe('B');
    expect(scoreLead(DEFAULT_RULE_SET, { lead: {}, activities, now }).tier).toBe('C');
  });

  it('ignores activity before the reset and after now', () => {
    const score = scoreLead(DEFAULT_RULE_SET, {
      lead: {},
      activities: [act('demo_request', 10), act('page_view', 1), act('page_view', -1)],
      now,
      countFrom: new Date(daysAgo(5)),
    });
    expect(score.hits.map((h) => h.activityType)).toEqual(['page_view']);
    expect(score.salesReady).toBe(false);
  });

  it('explains every point: totals are exactly the sums of the hits as shown', () => {
    const activities = [
      act('page_view', 3),
      act('pricing_page_view', 7.3),
      act('email_click', 11.1),
      act('unsubscribe', 1),
      act('unsubscribe', 0.5),
      act('webinar_attended', 44.4),
    ];
    const score = scoreLead(DEFAULT_RULE_SET, { lead: { title: 'Head of Data', companySize: 300 }, activities, now });
    const cents = (kind: string) =>
      score.hits.filter((h) => h.kind === kind).reduce((c, h) => c + Math.round(h.decayedPoints * 100), 0);
    expect(Math.round(score.fit * 100)).toBe(cents('fit'));
    expect(Math.round(score.engagement * 100)).toBe(cents('engagement'));
    expect(Math.round(score.total * 100)).toBe(cents('fit') + cents('engagement'));
    // unsubscribe counts once; every hit names its rule and, for engagement, its activity.
    expect(score.hits.filter((h) => h.ruleId === 'engagement.unsubscribe')).toHaveLength(1);
    for (const hit of score.hits.filter((h) => h.kind === 'engagement')) {
      expect(hit.activityId).toBeDefined();
      expect(Math.abs(hit.decayedPoints)).toBeLessThanOrEqual(Math.abs(hit.points));
    }
  });
});

describe('RuleSetDefinition', () => {
  it.each<[string, (d: Record<string, unknown>) => void, string]>([
    [
      'duplicate rule ids',
      (d) =>
        (d.engagement as { rules: unknown[] }).rules.push({ id: 'fit.enterprise', activityTypes: ['x'], points: 1 }),
      'already used',
    ],
    ['grades out of order', (d) => ((d.fit as { grades: unknown }).grades = { A: 10, B: 20, C: 5 }), 'A ≥ B ≥ C'],
    [
      'zero points',
      (d) => ((d.engagement as { rules: Array<{ points: number }> }).rules[0]!.points = 0),
      'must not be 0',
    ],
    ['a bad condition', (d) => (d.mql = { field: 'score.engagement', op: 'gte', value: 'lots' }), 'mql'],
  ])('names the problem: %s', (_name, spoil, expected) => {
    const definition = structuredClone(DEFAULT_RULE_SET.definition) as unknown as Record<string, unknown>;
    spoil(definition);
    const result = RuleSetDefinition.safeParse(definition);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error!.issues)).toContain(expected);
  });
});

describe('readsAccount', () => {
  it('is false for the default set and true once any condition reads account.*', () => {
    expect(readsAccount(DEFAULT_RULE_SET.definition)).toBe(false);
    const withCommittee = {
      ...DEFAULT_RULE_SET.definition,
      tiers: [{ tier: 'A' as const, when: { not: { field: 'account.dormant', op: 'eq' as const, value: false } } }],
    };
    expect(readsAccount(withCommittee)).toBe(true);
  });
});

describe('LeadScorer (the replay the backtest uses)', () => {
  // Caps per period, a repeat window, a negative rule, a hand raise and decay: every kind of state a replay carries.
  const replayed = ruleSet({
    halfLifeDays: 14,
    handRaises: ['demo_request'],
    rules: [
      {
        id: 'views',
        activityTypes: ['page_view'],
        points: 3,
        repeat: { kind: 'every' },
        cap: { points: 9, perDays: 7 },
      },
      { id: 'pricing', activityTypes: ['pricing_page_view'], points: 8, repeat: { kind: 'per_days', days: 2 } },
      { id: 'webinar', activityTypes: ['webinar_attended'], points: 15, repeat: { kind: 'once' } },
      { id: 'unsub', activityTypes: ['unsubscribe'], points: -20, repeat: { kind: 'once' } },
      { id: 'demo', activityTypes: ['demo_request'], points: 30, repeat: { kind: 'every' } },
    ],
    mql: {
      any: [
        { field: 'score.engagement', op: 'gte', value: 40 },
        { field: 'handRaise', op: 'eq', value: true },
      ],
    },
  });
  const types = ['page_view', 'page_view', 'pricing_page_view', 'webinar_attended', 'unsubscribe', 'demo_request'];

  it('gives, after every activity, exactly the score scoreLead computes from the history so far', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let lead = 0; lead < 40; lead++) {
      const history = Array.from({ length: 25 }, (_, i) => ({
        id: `l${lead}-${String(i).padStart(2, '0')}`,
        type: types[Math.floor(random() * types.length)]!,
        occurredAt: daysAgo(Math.floor(random() * 90 * 24) / 24),
      })).sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.id < b.id ? -1 : 1));
      const scorer = new LeadScorer(replayed, { title: 'VP' });
      history.forEach((activity, i) => {
        const at = Date.parse(activity.occurredAt);
        scorer.add(activity, at);
        const expected = scoreLead(replayed, {
          lead: { title: 'VP' },
          activities: history.slice(0, i + 1),
          now: new Date(at),
        });
        expect(scorer.scoreAt(at)).toEqual(expected);
      });
    }
  });
});
