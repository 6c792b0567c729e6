import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET, scoreLead, type ScoredActivity } from './rule-set.js';

const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 9, i)).toISOString();
const activities = (...types: string[]): ScoredActivity[] =>
  types.map((type, i) => ({ id: `a${i}`, type, occurredAt: at(i) }));

describe('scoreLead with the default rule set', () => {
  it.each([
    { profile: {}, grade: 'D', fit: 0 },
    { profile: { title: 'VP Marketing' }, grade: 'B', fit: 25 },
    { profile: { title: 'VP Sales', companySize: 1500 }, grade: 'A', fit: 45 },
    { profile: { title: 'Marketing Manager', companySize: 250 }, grade: 'B', fit: 25 },
    { profile: { title: 'Intern' }, grade: 'D', fit: 0 },
  ])('grades $profile as $grade', ({ profile, grade, fit }) => {
    const score = scoreLead(DEFAULT_RULE_SET, { email: 'a@b.co', ...profile }, []);
    expect(score.grade).toBe(grade);
    expect(score.fit).toBe(fit);
  });

  it('is sales-ready on a hand raise, tier A, whatever the engagement', () => {
    const score = scoreLead(DEFAULT_RULE_SET, { email: 'a@b.co' }, activities('demo_request'));
    expect(score.salesReady).toBe(true);
    expect(score.reason?.kind).toBe('hand_raise');
    expect(score.tier).toBe('A');
  });

  it('becomes sales-ready when engagement reaches the threshold', () => {
    const below = scoreLead(DEFAULT_RULE_SET, { email: 'a@b.co' }, activities(...Array(5).fill('pricing_page_view')));
    expect(below.engagement).toBe(50);
    expect(below.salesReady).toBe(false);
    const at60 = scoreLead(DEFAULT_RULE_SET, { email: 'a@b.co' }, activities(...Array(6).fill('pricing_page_view')));
    expect(at60.salesReady).toBe(true);
    expect(at60.reason).toEqual({ kind: 'threshold', detail: 'engagement 60 ≥ 60' });
  });

  it('never lets negative rules push engagement below zero, and explains every point', () => {
    const score = scoreLead(
      DEFAULT_RULE_SET,
      { email: 'a@b.co', title: 'CTO' },
      activities('page_view', 'unsubscribe'),
    );
    expect(score.engagement).toBe(0);
    expect(score.hits.map((h) => h.ruleId)).toEqual([
      'fit.exec-title',
      'engagement.page_view',
      'engagement.unsubscribe',
    ]);
    expect(score.total).toBe(score.fit + score.engagement);
  });

  it('ignores activity before the engagement reset', () => {
    const score = scoreLead(DEFAULT_RULE_SET, { email: 'a@b.co' }, activities('demo_request', 'page_view'), {
      countFrom: at(1),
    });
    expect(score.salesReady).toBe(false);
    expect(score.engagement).toBe(2);
  });
});
