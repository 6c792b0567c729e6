import type { HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import { PoisonEventError } from '@handoff/kafka';
import type { ActiveRuleSet } from '../domain/rules/active-rule-set.js';
import { findRuleSet } from '../store/rule-sets.js';

/** A version was published (here or by another replica): score with it from now on. Returns it. */
export async function adoptPublishedRuleSet(
  tx: PoolClient,
  event: HandoffEvent<'scoring.rules-published'>,
  active: ActiveRuleSet,
) {
  const published = await findRuleSet(tx, event.data.ruleSetId);
  if (!published || published.status !== 'published') {
    throw new PoisonEventError(`rule set ${event.data.ruleSetId} is not a published version`);
  }
  active.replace(published);
  return published;
}
