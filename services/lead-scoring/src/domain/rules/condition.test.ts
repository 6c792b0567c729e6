import { describe, expect, it } from 'vitest';
import { ConditionSchema, evaluate, type Condition } from './condition.js';

const facts = {
  lead: { title: 'VP of Engineering', companySize: 1200, country: 'DE', buyingRole: 'decision_maker', phone: '' },
  account: { rolesEngaged: ['decision_maker', 'user'], engagement: 42.5, dormant: false },
  score: { grade: 'B', engagement: 61 },
  activity: { type: 'page_view', properties: { url: '/pricing' } },
};

describe('evaluate', () => {
  it.each<[string, Condition, boolean]>([
    ['eq, case-insensitive', { field: 'lead.country', op: 'eq', value: 'de' }, true],
    ['neq', { field: 'lead.country', op: 'neq', value: 'FR' }, true],
    ['in', { field: 'lead.country', op: 'in', value: ['AT', 'DE', 'CH'] }, true],
    ['nin', { field: 'lead.country', op: 'nin', value: ['US'] }, true],
    ['gte number', { field: 'lead.companySize', op: 'gte', value: 1000 }, true],
    ['lt number', { field: 'lead.companySize', op: 'lt', value: 1000 }, false],
    ['grade B ≥ B', { field: 'score.grade', op: 'gte', value: 'B' }, true],
    ['grade B ≥ A', { field: 'score.grade', op: 'gte', value: 'A' }, false],
    ['grade B > C', { field: 'score.grade', op: 'gt', value: 'C' }, true],
    ['contains in a list', { field: 'account.rolesEngaged', op: 'contains', value: 'decision_maker' }, true],
    ['contains in a string', { field: 'lead.title', op: 'contains', value: 'engineering' }, true],
    ['matches', { field: 'lead.title', op: 'matches', value: '\\b(vp|chief)\\b' }, true],
    ['matches a nested property', { field: 'activity.properties.url', op: 'matches', value: '^/pricing' }, true],
    ['exists', { field: 'lead.title', op: 'exists' }, true],
    ['exists: empty string is absent', { field: 'lead.phone', op: 'exists' }, false],
    ['exists false', { field: 'lead.fax', op: 'exists', value: false }, true],
    ['a missing fact fails a comparison', { field: 'lead.industry', op: 'eq', value: 'SaaS' }, false],
    ['a missing fact passes neq', { field: 'lead.industry', op: 'neq', value: 'SaaS' }, true],
    ['a number never equals a string', { field: 'lead.companySize', op: 'gte', value: 'A' }, false],
    [
      'all',
      {
        all: [
          { field: 'score.grade', op: 'gte', value: 'B' },
          { field: 'score.engagement', op: 'gte', value: 60 },
        ],
      },
      true,
    ],
    [
      'any',
      {
        any: [
          { field: 'score.engagement', op: 'gte', value: 100 },
          { field: 'account.dormant', op: 'eq', value: false },
        ],
      },
      true,
    ],
    ['not', { not: { field: 'lead.country', op: 'eq', value: 'DE' } }, false],
  ])('%s', (_name, condition, expected) => {
    expect(ConditionSchema.safeParse(condition).success).toBe(true);
    expect(evaluate(condition, facts)).toBe(expected);
  });

  it('cannot reach outside the facts (no prototype walking)', () => {
    expect(evaluate({ field: 'lead.constructor', op: 'exists' }, facts)).toBe(false);
    expect(evaluate({ field: 'lead.__proto__', op: 'exists' }, facts)).toBe(false);
  });
});

describe('ConditionSchema', () => {
  it.each<[string, unknown, string]>([
    ['an unknown operator', { field: 'lead.title', op: 'like', value: 'x' }, 'op'],
    ['a list operator without a list', { field: 'lead.country', op: 'in', value: 'DE' }, 'value'],
    ['a comparison without a value', { field: 'lead.country', op: 'eq' }, 'value'],
    ['an ordering with a word', { field: 'score.engagement', op: 'gte', value: 'high' }, 'value'],
    ['a broken pattern', { field: 'lead.title', op: 'matches', value: '(' }, 'value'],
    ['a field that is not a path', { field: 'lead title', op: 'exists' }, 'field'],
    ['an unknown key', { field: 'lead.title', op: 'exists', extra: 1 }, ''],
    ['an empty all', { all: [] }, 'all'],
  ])('rejects %s', (_name, condition, path) => {
    const result = ConditionSchema.safeParse(condition);
    expect(result.success).toBe(false);
    if (path) expect(JSON.stringify(result.error!.issues)).toContain(path);
  });
});
