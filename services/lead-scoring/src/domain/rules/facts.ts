import { LeadProfile } from '@handoff/contracts';
import type { Condition } from './condition.js';

/**
 * The facts a rule can read, by where it is read. A condition naming any other fact would never match, so a
 * rule set that does is refused, naming the rule and the fact, instead of silently scoring nothing.
 */
const LEAD = Object.keys(LeadProfile.shape).map((key) => `lead.${key}`);
const ACCOUNT = ['engagement', 'rolesEngaged', 'dormant', 'customer', 'leadCount'].map((key) => `account.${key}`);
const ACTIVITY = ['activity.type', 'activity.occurredAt', 'activity.properties'];
const SCORE = ['fit', 'engagement', 'total', 'grade', 'tier'].map((key) => `score.${key}`);
const HAND_RAISE = ['handRaise', 'handRaiseType'];

/** Free-form maps: any key below them is a fact (a lead's custom attributes, an activity's properties). */
const OPEN = ['lead.attributes', 'activity.properties'];

export type FactScope = 'fit' | 'engagement' | 'mql';

const FACTS: Record<FactScope, readonly string[]> = {
  fit: [...LEAD, ...ACCOUNT],
  engagement: [...LEAD, ...ACCOUNT, ...ACTIVITY],
  mql: [...LEAD, ...ACCOUNT, ...SCORE, ...HAND_RAISE],
};

function known(scope: FactScope, field: string): boolean {
  const facts = FACTS[scope];
  if (facts.includes(field)) return true;
  return OPEN.some((open) => facts.includes(open) && field.startsWith(`${open}.`));
}

/** Where in a condition a comparison names an unknown fact: its path below the condition, and the fact. */
export function unknownFacts(
  condition: Condition,
  scope: FactScope,
  path: Array<string | number> = [],
): Array<{ path: Array<string | number>; field: string }> {
  if ('all' in condition) return condition.all.flatMap((c, i) => unknownFacts(c, scope, [...path, 'all', i]));
  if ('any' in condition) return condition.any.flatMap((c, i) => unknownFacts(c, scope, [...path, 'any', i]));
  if ('not' in condition) return unknownFacts(condition.not, scope, [...path, 'not']);
  return known(scope, condition.field) ? [] : [{ path: [...path, 'field'], field: condition.field }];
}

/** The facts a rule in this scope may read, for an error message. */
export function factsIn(scope: FactScope): string {
  return FACTS[scope].map((f) => (OPEN.includes(f) ? `${f}.*` : f)).join(', ');
}
