import { describe, expect, it } from 'vitest';
import { backtest, type LeadHistory } from './backtest.js';
import { DEFAULT_RULE_SET } from './rules/default-rule-set.js';
import type { RuleSet } from './rules/rule-set.js';

// Baseline: the default set (MQL at engagement ≥ 60 or a hand raise). Candidate: the same with a threshold of 20.
const candidate: RuleSet = {
  id: 'rs_candidate',
  version: 2,
  definition: {
    ...DEFAULT_RULE_SET.definition,
    mql: {
      any: [
        { field: 'handRaise', op: 'eq', value: true },
        { field: 'score.engagement', op: 'gte', value: 20 },
      ],
    },
  },
};

let n = 0;
const acts = (type: string, at: string, count = 1) =>
  Array.from({ length: count }, () => ({ id: `a${String(++n).padStart(4, '0')}`, type, occurredAt: at }));
const lead = (id: string, history: Partial<LeadHistory>): LeadHistory => ({
  id,
  email: `${id}@example.com`,
  profile: {},
  activities: [],
  returnedToNurtureAt: [],
  qualifiedAt: [],
  wonAt: [],
  ...history,
});

// A fixture with hand-computed answers, over the two weeks from Monday 2026-03-02.
const leads: LeadHistory[] = [
  // Raised a hand in week 1, qualified, later won: both versions catch it.
  lead('l1-demo', {
    activities: acts('demo_request', '2026-03-03T10:00:00Z'),
    qualifiedAt: ['2026-03-05T10:00:00Z'],
    wonAt: ['2026-03-20T10:00:00Z'],
  }),
  // Two pricing views (20 points) in week 2, then qualified: only the candidate catches it.
  lead('l2-pricing', {
    activities: acts('pricing_page_view', '2026-03-09T10:00:00Z', 2),
    qualifiedAt: ['2026-03-12T10:00:00Z'],
  }),
  // Ten page views (20 points) in week 1, no outcome: the candidate's false positive.
  lead('l3-browsing', { activities: acts('page_view', '2026-03-03T09:00:00Z', 10) }),
  // Crossed and qualified before the period: neither counts it.
  lead('l4-before', {
    activities: acts('demo_request', '2026-02-20T10:00:00Z'),
    qualifiedAt: ['2026-02-25T10:00:00Z'],
  }),
  // Raised a hand, was recycled, raised a hand again: two crossings for both.
  lead('l5-recycled', {
    activities: [...acts('demo_request', '2026-03-02T10:00:00Z'), ...acts('demo_request', '2026-03-11T10:00:00Z')],
    returnedToNurtureAt: ['2026-03-04T10:00:00Z'],
  }),
  // Qualified with almost no signal: both miss it.
  lead('l6-quiet', { activities: acts('page_view', '2026-03-03T10:00:00Z'), qualifiedAt: ['2026-03-06T10:00:00Z'] }),
];

describe('backtest on a fixture history', () => {
  const report = backtest({
    candidate,
    baseline: DEFAULT_RULE_SET,
    leads,
    from: new Date('2026-03-02T00:00:00Z'),
    to: new Date('2026-03-16T00:00:00Z'),
    sdrs: 2,
  });

  it('counts MQLs per week under each version', () => {
    expect(report.weeks).toEqual([
      { weekStart: '2026-03-02', baseline: 2, candidate: 3, baselinePerSdr: 1, candidatePerSdr: 1.5 },
      { weekStart: '2026-03-09', baseline: 1, candidate: 2, baselinePerSdr: 0.5, candidatePerSdr: 1 },
    ]);
    expect([report.baseline.mqls, report.candidate.mqls]).toEqual([3, 5]);
  });

  it('measures precision: how many MQLs became SQL or won', () => {
    expect(report.baseline).toMatchObject({ becameSql: 1, won: 1, precisionSql: 0.5, precisionWon: 0.5 });
    expect(report.candidate).toMatchObject({ becameSql: 2, won: 1, precisionSql: 0.5, precisionWon: 0.25 });
  });

  it('measures recall: qualified leads each version would have missed', () => {
    expect(report.baseline).toMatchObject({ qualified: 3, missed: 2, recall: 0.333 });
    expect(report.candidate).toMatchObject({ qualified: 3, missed: 1, recall: 0.667 });
  });

  it('lists the leads whose MQL outcome changes, those with an outcome first', () => {
    expect(report.changedCount).toBe(2);
    expect(report.changed).toEqual([
      {
        leadId: 'l2-pricing',
        email: 'l2-pricing@example.com',
        baselineMqlAt: null,
        candidateMqlAt: '2026-03-09T10:00:00.000Z',
        outcome: 'sql',
      },
      {
        leadId: 'l3-browsing',
        email: 'l3-browsing@example.com',
        baselineMqlAt: null,
        candidateMqlAt: '2026-03-03T09:00:00.000Z',
        outcome: 'none',
      },
    ]);
  });

  it('does not count a lead as missed when it was already sales-ready as the window opened', () => {
    const early = lead('l7-early', {
      activities: acts('demo_request', '2026-02-27T10:00:00Z'),
      qualifiedAt: ['2026-03-03T10:00:00Z'],
    });
    const window = { from: new Date('2026-03-02T00:00:00Z'), to: new Date('2026-03-16T00:00:00Z') };
    const result = backtest({ candidate, baseline: DEFAULT_RULE_SET, leads: [early], ...window });
    expect(result.baseline).toMatchObject({ mqls: 0, qualified: 1, missed: 0, recall: 1 });
  });

  it('counts a lead that qualifies again after being recycled, as of its latest crossing', () => {
    const again = lead('l8-again', {
      activities: [...acts('demo_request', '2025-06-01T10:00:00Z'), ...acts('demo_request', '2026-03-10T10:00:00Z')],
      returnedToNurtureAt: ['2025-07-01T10:00:00Z'],
      qualifiedAt: ['2025-06-05T10:00:00Z', '2026-03-12T10:00:00Z'],
    });
    const result = backtest({
      candidate,
      baseline: DEFAULT_RULE_SET,
      leads: [again],
      from: new Date('2026-03-02T00:00:00Z'),
      to: new Date('2026-03-16T00:00:00Z'),
    });
    expect(result.baseline).toMatchObject({ mqls: 1, becameSql: 1, qualified: 1, missed: 0 });
  });

  it('compares a version with itself as no change', () => {
    const same = backtest({
      candidate: DEFAULT_RULE_SET,
      baseline: DEFAULT_RULE_SET,
      leads,
      from: new Date('2026-03-02T00:00:00Z'),
      to: new Date('2026-03-16T00:00:00Z'),
    });
    expect(same.changedCount).toBe(0);
    expect(same.candidate.mqls).toBe(same.baseline.mqls);
  });
});
