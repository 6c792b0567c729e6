import { describe, expect, it } from 'vitest';
import { definitionOf, formOf } from './rule-form';

const definition = {
  name: 'Default',
  fit: {
    rules: [{ id: 'fit.vp', when: { field: 'lead.title', op: 'contains', value: 'VP' }, points: 20 }],
    grades: { A: 40, B: 25, C: 10 },
  },
  engagement: {
    halfLifeDays: 30,
    rules: [
      { id: 'demo', activityTypes: ['demo_request'], points: 30, repeat: { kind: 'once' } },
      {
        id: 'web',
        activityTypes: ['page_view', 'pricing_page_view'],
        points: 2,
        repeat: { kind: 'per_days', days: 1 },
        cap: { points: 20, perDays: 30 },
      },
    ],
  },
  handRaises: ['demo_request'],
  handRaiseDays: 90,
  mql: { field: 'score.total', op: 'gte', value: 60 },
  tiers: [{ tier: 'A', when: { field: 'handRaise', op: 'eq', value: true } }],
  onReturnToNurture: 'reset',
  account: { recentDays: 30, dormantAfterDays: 180 },
};

describe('the rule-set editor form', () => {
  it('gives back the definition it was made from, caps and all', () => {
    const { definition: back, problems } = definitionOf(formOf(definition));
    expect(problems).toEqual({});
    expect(back).toEqual(definition);
  });

  it('names a condition that is not JSON at its own path, and sends typed numbers as numbers', () => {
    const form = formOf(definition);
    form.fit[0]!.when = '{"field": "lead.title",';
    form.tiers[0]!.when = '';
    form.gradeA = '45';
    form.halfLifeDays = '';
    const { definition: back, problems } = definitionOf(form);
    expect(Object.keys(problems).sort()).toEqual(['fit.rules.0.when', 'tiers.0.when']);
    expect(problems['fit.rules.0.when']).toMatch(/^not valid JSON/);
    expect(back.fit.grades.A).toBe(45);
    expect(back.engagement.halfLifeDays).toBeNull();
  });
});
