import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET } from './default-rule-set.js';
import { RuleSetInput } from './rule-set.js';

const base = DEFAULT_RULE_SET.definition;

function refusals(definition: unknown) {
  const result = RuleSetInput.safeParse(definition);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('a rule set names only facts scoring has', () => {
  it('accepts the default rule set, custom attributes and activity properties', () => {
    expect(refusals(base)).toEqual([]);
    expect(
      refusals({
        ...base,
        fit: {
          ...base.fit,
          rules: [{ id: 'fit.plan', when: { field: 'lead.attributes.plan', op: 'eq', value: 'pro' }, points: 5 }],
        },
        engagement: {
          ...base.engagement,
          rules: [
            {
              id: 'engagement.pricing',
              activityTypes: ['page_view'],
              when: { field: 'activity.properties.url', op: 'contains', value: '/pricing' },
              points: 5,
            },
          ],
        },
      }),
    ).toEqual([]);
  });

  it('refuses an unknown fact, a fact read where it is not known, and names the rule and the place', () => {
    const problems = refusals({
      ...base,
      fit: {
        ...base.fit,
        rules: [
          { id: 'fit.shoe', when: { field: 'lead.shoeSize', op: 'gte', value: 44 }, points: 5 },
          // A score is not known while fit is scored.
          { id: 'fit.circular', when: { not: { field: 'score.total', op: 'gte', value: 10 } }, points: 5 },
        ],
      },
      tiers: [
        {
          tier: 'A',
          when: {
            all: [
              { field: 'handRaise', op: 'eq', value: true },
              { field: 'activity.type', op: 'eq', value: 'x' },
            ],
          },
        },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual([
      'fit.rules.0.when.field',
      'fit.rules.1.when.not.field',
      'tiers.0.when.all.1.field',
    ]);
    expect(problems[0]!.message).toMatch(
      /^rule fit\.shoe reads lead\.shoeSize, which is no fact: it can read lead\.email, .*lead\.attributes\.\*/,
    );
    expect(problems[2]!.message).toMatch(/^tier A reads activity\.type/);
  });
});
